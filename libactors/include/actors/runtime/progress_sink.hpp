// progress_sink: the driver's actor that workers report progress to and the
// parameter server sends its checkpoints to (the typed progress_actor of
// protocol.hpp); the job's actors monitor it to stop with the driver.
//
// It sums the workers' progress for the display callback, reports each
// worker's to the run's status model (metrics/run_status.hpp), stores each
// checkpoint (checkpoint_callback) and hands every snapshot it keeps to the
// driver's own actor, where the job supervisor takes the newest as the
// point a restarted server begins from. Used by run_job (and tests).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/metrics/run_status.hpp"
#include "actors/runtime/driver.hpp"
#include "actors/runtime/protocol.hpp"

namespace actors {

/// What a progress sink needs; the callbacks run on the sink's thread.
struct progress_sink_config {
  /// Workers (partitions) of the job.
  std::size_t workers = 0;
  /// Snapshots before this update are late ones of a replaced server (or
  /// older than the checkpoint a run resumed from) and dropped.
  std::uint64_t first_update = 0;
  cluster_progress_callback on_progress;
  checkpoint_callback on_checkpoint;
  /// The live status (train_mnist --status, --report-html) each progress
  /// message is reported to, with the sink's clock; null: none.
  metrics::run_status* status = nullptr;
  /// Receives (checkpoint_atom, ps_snapshot) for each snapshot kept and
  /// (eval_atom, updates, centre, seconds since training started) for each
  /// centre the server sent to be evaluated.
  caf::actor driver;
  /// Range shards of the server: a centre to evaluate comes as one range
  /// from each (eval_atom, updates, shard, range), which the sink joins in
  /// shard order before passing it on.
  std::size_t shards = 1;
};

/// The sink's whole interface: progress_actor, plus the driver's own
/// messages. `run`: training starts now (the clock of samples per second);
/// `stats`: checkpoints stored so far and the errors of those that failed.
using progress_sink_actor = progress_actor::extend<
  caf::reacts_to<run_atom>,
  caf::replies_to<stats_atom>::with<std::uint64_t, std::vector<std::string>>>;

/// Spawns a sink in `sys`.
progress_sink_actor spawn_progress_sink(caf::actor_system& sys,
                                        progress_sink_config cfg);

} // namespace actors
