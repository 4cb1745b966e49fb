// single_trainer: dist-keras's SingleTrainer, one model on all the data.
//
// Each epoch draws a fresh permutation from (seed, epoch), cuts it into
// mini-batches (the last partial batch is dropped, as dist-keras does),
// runs forward/backward and one optimizer step per batch, then evaluates the
// test set. The optimizer's learning rate follows its lr_schedule (batch
// clock t = batches trained so far, optim/lr_schedule.hpp). The caller's thread drives the loop; numeric work is split over
// `pool`. Progress is reported through a callback after every batch.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "actors/data/dataset.hpp"
#include "actors/nn/model.hpp"
#include "actors/optim/optimizer.hpp"
#include "actors/train/evaluate.hpp"
#include "actors/train/job_spec.hpp"

namespace actors {

class thread_pool;

/// Figures of one epoch.
struct epoch_stats {
  std::size_t epoch = 0;
  /// Mean training loss and accuracy over the epoch's batches.
  double loss = 0;
  double accuracy = 0;
  /// Test-set figures after the epoch (zero without a test set).
  double test_loss = 0;
  double test_accuracy = 0;
  /// Training time of the epoch, evaluation excluded.
  double seconds = 0;
  std::size_t samples = 0;
  double samples_per_second = 0;
};

/// Settings of a single-process training run.
struct train_options {
  /// Epochs, batch size, seed and pixel scaling (the job spec's schedule;
  /// progress_every and timeout_seconds are unused here).
  schedule_options schedule;
  /// The optimizer and its settings.
  optimizer_options optimizer;
  /// Batch size for test-set evaluation (inference only).
  std::size_t eval_batch = 128;
  /// Called after each epoch (its test figures filled in); true ends the
  /// run there (train_mnist's --target-accuracy, --early-stopping). May be
  /// empty.
  std::function<bool(const epoch_stats&)> after_epoch;
};

/// A snapshot for progress displays.
struct train_progress {
  std::size_t epoch = 0;
  std::size_t epochs = 0;
  std::size_t batch = 0;
  std::size_t batches = 0;
  double loss = 0;
  double samples_per_second = 0;
  double eta_seconds = 0;
};

/// Outcome of a run.
struct train_result {
  std::vector<epoch_stats> history;
  /// Time spent training (forward, backward, optimizer), evaluation excluded.
  double train_seconds = 0;
  double eval_seconds = 0;
  std::size_t samples = 0;
  double samples_per_second = 0;
  evaluation test;
};

using progress_callback = std::function<void(const train_progress&)>;

/// Trains `m` in place. `test` may be null. Fails on bad options (batch
/// larger than the data set, unknown optimizer, model not ending in softmax,
/// input or class count not matching the data).
result<train_result> train_single(model& m, const dataset& train,
                                  const dataset* test, const train_options& opts,
                                  thread_pool& pool,
                                  const progress_callback& on_progress = {});

/// Checks that `m` can consume `d`: input size and number of classes.
status check_compatible(const model& m, const dataset& d, const std::string& what);

} // namespace actors
