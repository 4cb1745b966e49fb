#include "outputs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace train_mnist {

namespace {

namespace fs = std::filesystem;

// Creates and removes `probe`; the reason it cannot be created, or empty.
std::string try_create(const std::string& probe) {
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0 && errno == EEXIST) // a crashed writer's: the writer truncates it
    return ::access(probe.c_str(), W_OK) == 0 ? std::string{} : std::strerror(errno);
  if (fd < 0)
    return std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

// FILE's writer writes FILE.tmp and renames it to FILE.
status check_file(const char* option, const std::string& file) {
  std::error_code ec;
  std::string why;
  if (fs::is_directory(file, ec))
    why = "is a directory";
  else
    why = try_create(file + ".tmp");
  if (why.empty())
    return status::ok();
  return status::invalid_argument("option '" + std::string{option} + "': " + file
                                  + ": cannot write (" + why + ")");
}

// DIR may not exist yet: the checkpoint store creates it.
status check_directory(const char* option, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string why = ec ? ec.message() : std::string{};
  if (why.empty())
    why = try_create((fs::path(dir) / ".train_mnist-write-probe").string());
  if (why.empty())
    return status::ok();
  return status::invalid_argument("option '" + std::string{option} + "': " + dir
                                  + ": cannot write into the directory (" + why
                                  + ")");
}

} // namespace

status check_outputs(const settings& s) {
  if (!s.report.empty())
    if (auto st = check_file("report", s.report); !st)
      return st;
  if (!s.evaluate.empty()) {
    if (!s.predictions.empty())
      return check_file("predictions", s.predictions);
    return status::ok();
  }
  if (!s.report_html.empty())
    if (auto st = check_file("report-html", s.report_html); !st)
      return st;
  if (!s.save.empty())
    if (auto st = check_file("save", s.save); !st)
      return st;
  if (!s.checkpoint_dir.empty())
    return check_directory("checkpoint-dir", s.checkpoint_dir);
  if (!s.resume.empty())
    return check_directory("resume", s.resume);
  return status::ok();
}

} // namespace train_mnist
