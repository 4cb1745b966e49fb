// progress: train_mnist's progress display on stderr.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "actors/runtime/driver.hpp"
#include "actors/train/single_trainer.hpp"

namespace train_mnist {

using namespace actors;

/// Prints a live line on a terminal, or a plain line every 10 s otherwise;
/// --progress = auto, bar, lines or off.
class progress_printer {
public:
  explicit progress_printer(const std::string& mode);

  /// Single trainer: called after every batch.
  void operator()(const train_progress& p);

  /// Actors: called with the driver's figures; `total_samples` is the run's.
  void cluster(const cluster_progress& p, std::uint64_t total_samples);

  /// Ends a live line.
  void done();

private:
  void print(const std::string& line);

  bool live_ = false;
  bool off_ = false;
  double interval_ = 10.0;
  std::chrono::steady_clock::time_point last_{};
};

} // namespace train_mnist
