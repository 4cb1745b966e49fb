#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace train_mnist {

progress_printer::progress_printer(const std::string& mode) {
  live_ = mode == "bar" || (mode == "auto" && isatty(STDERR_FILENO));
  off_ = mode == "off";
  interval_ = live_ ? 0.2 : 10.0;
}

void progress_printer::print(const std::string& line) {
  if (live_)
    std::fprintf(stderr, "\r%-78s", line.c_str());
  else
    std::fprintf(stderr, "%s\n", line.c_str());
}

void progress_printer::operator()(const train_progress& p) {
  if (off_)
    return;
  const auto now = std::chrono::steady_clock::now();
  if (p.batch != p.batches
      && std::chrono::duration<double>(now - last_).count() < interval_)
    return;
  last_ = now;
  print(fmt::format(
    "epoch {}/{}  batch {}/{}  {:.0f} samples/s  loss {:.4f}  ETA {:.0f}s",
    p.epoch, p.epochs, p.batch, p.batches, p.samples_per_second, p.loss,
    p.eta_seconds));
  if (live_ && p.batch == p.batches)
    std::fprintf(stderr, "\n");
}

void progress_printer::cluster(const cluster_progress& p,
                               std::uint64_t total_samples) {
  if (off_)
    return;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_).count() < interval_)
    return;
  last_ = now;
  const double left = static_cast<double>(total_samples)
                      - static_cast<double>(p.samples);
  print(fmt::format(
    "{:.0f}%  {:.0f} samples/s  loss {:.4f}  commits {}  ETA {:.0f}s",
    100.0 * static_cast<double>(p.samples) / static_cast<double>(total_samples),
    p.samples_per_second, p.loss, p.commits,
    p.samples_per_second > 0 ? left / p.samples_per_second : 0.0));
}

void progress_printer::done() {
  if (live_ && !off_)
    std::fprintf(stderr, "\n");
}

} // namespace train_mnist
