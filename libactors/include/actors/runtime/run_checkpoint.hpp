// run_checkpoint: a parameter server snapshot as a checkpoint file, and back.
//
// The parameter server sends the driver a ps_snapshot (centre variable,
// update count, each partition's cursor) every K updates and/or T seconds;
// the driver keeps the newest in memory to restart a lost server and writes
// each to a checkpoint_store, so that `train_mnist --resume=DIR` can continue
// a run whose driver died. The file also holds the job (model spec, trainer,
// recipe) and the data set name, so a resumed run trains the same thing.
// The recipe includes the optimizer's learning-rate schedule (`lr_schedule`,
// `warmup`: optim/lr_schedule.hpp) and the schedule's batch clock is what
// the snapshot holds (each static partition's cursor, the dynamic chunk
// queue), so a resumed run continues the schedule at the batch where the
// snapshot was taken. Checkpoints of protocols 4 and 5, from before the
// schedule, resume at the constant rate they trained at.
#pragma once

#include <string>

#include "actors/runtime/protocol.hpp"
#include "actors/train/checkpoint.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// A run as a checkpoint can restore it.
struct run_state {
  job_spec job;
  std::string dataset;
  ps_snapshot server;
};

/// The checkpoint of `state`, numbered `sequence` (its update count).
checkpoint to_checkpoint(const run_state& state);

/// Reads back what to_checkpoint wrote; errors name `source` and the field
/// that is missing or inconsistent.
result<run_state> from_checkpoint(const checkpoint& c, const std::string& source);

} // namespace actors
