// driver: places a job's actors on the nodes, feeds them data, waits for
// them and collects the trained model.
//
// With node addresses it connects to each caf-node, checks the protocol
// version and byte order, and remote-spawns a data loader per node, the
// parameter server on one node and the workers; with none it spawns the same
// actors inside this process ("embedded"). Shards are cut from the node's
// own copy of the data set when it has an identical one, otherwise sent by
// the driver. Every wait has a timeout that ends in an error naming what was
// waited for. Runs on the calling thread (a scoped_actor); not reentrant.
// What to do when an actor or a node is lost is decided by the job
// supervisor (cluster/job_supervisor.hpp); run_job (runtime/job_runner.cpp)
// turns messages into its events and its actions into messages.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/data/dataset.hpp"
#include "actors/metrics/node_bytes.hpp"
#include "actors/metrics/run_status.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// Stores a checkpoint the parameter server sent (called on an actor of the
/// driver's, one at a time); an error is logged and counted, the run goes on.
using checkpoint_callback = std::function<status(const ps_snapshot&)>;

/// The parameter server's centre at one point of the run, to evaluate.
struct centre_sample {
  std::uint64_t updates = 0;
  /// Epochs completed (updates / updates per epoch); at an epoch's last
  /// update `epoch_end` is true.
  std::size_t epoch = 0;
  bool epoch_end = false;
  /// Seconds since training started when the driver received it.
  double seconds = 0;
  std::vector<float> centre;
};

/// Evaluates a centre on the driver's thread; true ends the run early
/// (train_mnist's --target-accuracy, --early-stopping).
using centre_callback = std::function<bool(const centre_sample&)>;

/// Where a job runs.
struct cluster_options {
  /// "host:port" of each caf-node; empty runs embedded in this process.
  std::vector<std::string> nodes;
  /// Workers per node; 0 = each node's configured slots (node.workers).
  std::size_t workers_per_node = 0;
  /// Node of the parameter server ("host:port"); empty = the first node.
  std::string ps_node;
  /// Range shards of the parameter server (cluster/shard_plan.hpp), placed
  /// round-robin over the live nodes from the server's node; 1 =
  /// unsharded. A sharded server sends no snapshots (the consistent cut
  /// over shards is not built): a lost shard restarts every shard from
  /// the origin (the initial weights).
  std::size_t ps_shards = 1;
  /// Workers when embedded.
  std::size_t embedded_workers = 3;
  /// Seconds to wait for a connection, a spawn or a handshake.
  double connect_timeout = 15;
  /// Seconds of silence after which this driver's connection drops a node
  /// (--fault-timeout); a worker that lost its server waits this long plus
  /// a second for the driver's restart (cluster/server_watch.hpp).
  double fault_timeout = 5;
  /// Seconds the whole training may take before the driver gives up.
  double run_timeout = 24 * 3600;
  /// Always send shards from the driver, even to nodes that have the data.
  bool send_shards = false;
  /// Name of the data set ("mnist", "fashion") nodes look for.
  std::string dataset_name;
  /// The server sends a checkpoint every this many updates (0 = never) ...
  std::uint64_t checkpoint_every = 0;
  /// ... or this many seconds after the last one (0 = never).
  double checkpoint_seconds = 0;
  /// Receives every checkpoint (writes it to disk); may be empty.
  checkpoint_callback on_checkpoint;
  /// Restarts of one partition's worker, and of the server, before the run
  /// fails.
  std::size_t max_restarts = 3;
  /// Continue from this state (train_mnist --resume).
  std::optional<ps_snapshot> resume_from;
  /// Rows of the training set the job trains on, in any order (empty = all);
  /// the rest (a validation split) is never trained on, also with dynamic
  /// partitioning, whose chunk plan then covers only these rows.
  std::vector<std::uint32_t> train_rows;
  /// With on_centre: the server sends its centre every this many updates
  /// (0 = not by count) and, with eval_epochs, at each epoch's end. Only
  /// for trainers with a server. The driver evaluates one at a time: while
  /// it does, further centres are not sent (no queue builds up).
  centre_callback on_centre;
  std::uint64_t eval_every = 0;
  bool eval_epochs = false;
  /// The live status the driver reports the nodes, the server's place,
  /// placements, progress and faults to (--status, --report-html); null:
  /// none. Must outlive the run.
  metrics::run_status* status = nullptr;
};

/// One shard of a sharded server at the end of a run.
struct shard_report {
  std::size_t shard = 0;
  /// Its node's name, and the values of its range.
  std::string node;
  std::size_t values = 0;
  ps_stats stats;
};

/// A failure the driver saw and what it did about it.
struct fault_event {
  /// Seconds since training started, and the wall clock (Unix seconds).
  double at_seconds = 0;
  double unix_time = 0;
  std::string what;
  std::string action;
};

/// Live figures for a progress display.
struct cluster_progress {
  std::uint64_t samples = 0;
  std::uint64_t commits = 0;
  double loss = 0;
  double samples_per_second = 0;
  double seconds = 0;
};

/// What a finished job produced.
struct cluster_result {
  /// One entry per node: "name (host:port)".
  std::vector<std::string> nodes;
  std::vector<worker_result> workers;
  /// Exchange bytes per node (index as in `nodes`) and direction, from
  /// every incarnation's result (metrics/node_bytes.hpp).
  std::vector<metrics::node_bytes> node_bytes;
  ps_stats server;
  /// A sharded server: every shard's counters, in shard order (empty when
  /// unsharded).
  std::vector<shard_report> shards;
  /// The trained model: the centre variable, or the single worker's model.
  std::vector<float> weights;
  /// Ensemble: every member's weights.
  std::vector<std::vector<float>> members;
  double seconds = 0;
  std::uint64_t samples = 0;
  /// Shards the nodes read themselves vs. received from the driver.
  std::size_t shards_local = 0;
  std::size_t shards_sent = 0;
  /// Every fault seen, in order, and the checkpoints received.
  std::vector<fault_event> faults;
  std::size_t checkpoints = 0;
  std::vector<std::string> checkpoint_errors;
  /// on_centre ended the run early, and the server's update count when it
  /// was told (workers finish the exchange they are in: a few more).
  bool stopped = false;
  std::uint64_t stopped_at_update = 0;
  /// Server updates in one epoch of this job (what eval_epochs counts).
  std::uint64_t updates_per_epoch = 0;
};

using cluster_progress_callback = std::function<void(const cluster_progress&)>;

/// Runs `job` on `train` with initial weights `initial`.
result<cluster_result> run_job(caf::actor_system& sys, const job_spec& job,
                               const cluster_options& opts, const dataset& train,
                               const std::vector<float>& initial,
                               const cluster_progress_callback& on_progress = {});

/// Resolves each "name:port" in `names` to every IPv4 address the name has
/// (a compose service scaled to N replicas, Swarm's tasks.NAME, a Kubernetes
/// headless Service) and returns "address:port" for each, sorted. Re-resolves
/// every half second until at least `expect` addresses are found (0: accept
/// the first non-empty answer) or `timeout` seconds pass, then fails naming
/// the names and what they resolved to.
result<std::vector<std::string>> discover_nodes(const std::vector<std::string>& names,
                                                std::size_t expect, double timeout);

/// Splits "host:port" (port 1..65535); errors name `what` (e.g. "node
/// address", "--status"), the text and what was expected.
result<std::pair<std::string, std::uint16_t>>
parse_endpoint(const std::string& text, const std::string& what = "node address");

} // namespace actors
