// scratch_dir: a fresh directory under the system temp dir for one test,
// removed with its contents when the test ends.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

namespace actors::test {

/// A unique, empty directory that lives as long as this object.
struct scratch_dir {
  std::filesystem::path path;

  scratch_dir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path()
           / ("actors_test_" + std::to_string(::getpid()) + "_"
              + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }

  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  /// Path of `name` inside the directory.
  std::string file(const std::string& name) const {
    return (path / name).string();
  }
};

} // namespace actors::test
