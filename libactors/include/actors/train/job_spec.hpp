// job_spec: everything the actors of one training job agree on, as typed
// parts (the trainer's rule, the workers' optimizer, the schedule, the wire).
//
// One struct is the whole recipe: train_mnist binds its options and its
// config file straight into these parts, the driver sends the spec to every
// worker and the parameter server, a checkpoint stores it and a resumed run
// takes it back whole. Each part has a CAF-free `inspect` next to it (CAF's
// inspect protocol: `f(x.a, x.b, ...)`), so the runtime serializes the spec
// without this header knowing CAF. Plain values: copy freely between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/data/dataset.hpp"
#include "actors/optim/optimizer.hpp"
#include "actors/train/partitioning.hpp"
#include "actors/trainers/update_rule.hpp"

namespace actors {

/// How long and on what a job trains: epochs, batches, seed and the limits
/// of one run. The defaults are the runtime's; train_mnist has its own.
struct schedule_options {
  /// Passes over each worker's partition (or the whole set, single).
  std::size_t epochs = 1;
  /// Samples per mini-batch.
  std::size_t batch_size = 32;
  /// Seed of initialisation, shuffles and dropout masks.
  std::uint64_t seed = 42;
  /// Pixel value mapped to 1.0 (the seed used 250).
  float scale_max = 255;
  /// Batches between a worker's progress messages to the driver.
  std::size_t progress_every = 50;
  /// Longest wait for any single reply before the job fails, in seconds.
  double timeout_seconds = 120;
  /// Static slices or chunks from the server's queue (train/partitioning.hpp);
  /// resolved by the driver, never left to the workers.
  partitioning_mode partitioning = partitioning_mode::fixed;
  /// Workers overlap each exchange with training the next window (at most
  /// one in flight; the rule with overlap is in each trainer's header).
  /// Resolved by the driver; only trainers whose registry entry allows it.
  bool overlap = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, schedule_options& x) {
  return f(x.epochs, x.batch_size, x.seed, x.scale_max, x.progress_every,
           x.timeout_seconds, x.partitioning, x.overlap);
}

/// One training job.
struct job_spec {
  /// Chosen by the driver, new for every run (a resumed one too).
  std::uint64_t job_id = 0;
  /// Model architecture as spec text (see nn/model_spec.hpp).
  std::string model_spec;
  /// The distributed trainer; `workers` is set by the driver once it has
  /// placed the workers.
  rule_options trainer;
  /// The workers' optimizer as the user chose it (see effective_optimizer).
  optimizer_options optimizer;
  schedule_options schedule;
  /// How workers and the server send model-sized buffers to other nodes:
  /// a codec name (wire/codec.hpp: "fp32", "fp16", "int8", "sign", "topk",
  /// "topk:0.001"). Transport, not recipe: a resumed run keeps its own.
  std::string wire = "fp32";
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_spec& x) {
  return f(x.job_id, x.model_spec, x.trainer, x.optimizer, x.schedule, x.wire);
}

/// The optimizer a worker of `rule` trains with: the spec's, unless the
/// trainer prescribes its own (EAMSGD: SGD with Nesterov momentum
/// rule.options().momentum, the spec's learning rate).
optimizer_options effective_optimizer(const job_spec& job,
                                      const update_rule& rule);

/// The pixel scaling of `schedule` (scale_max maps to 1.0).
scaling scaling_of(const schedule_options& schedule);

} // namespace actors
