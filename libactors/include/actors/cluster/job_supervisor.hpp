// job_supervisor: every decision the driver takes while a job runs, as a
// state machine without CAF: events in, actions out.
//
// The split is CAF's BASP `instance` and its `callee`: the supervisor owns
// the decisions (which node is alive, where each partition's worker runs,
// its generation and restarts, the snapshot a restarted server begins from)
// and never touches the world; the driver (runtime/job_runner.cpp) turns
// down messages, results, errors, snapshots and timeouts into the events
// below and carries out the actions each event returns, in order. So every
// fault the driver handles is a unit test without sockets
// (tests/unit/job_supervisor_test.cpp).
//
// With dynamic partitioning (--partitioning=dynamic) a "partition" is a
// worker slot: its cursor carries only the generation, and replacing its
// worker (act::reassign) makes the server put the chunks it held back in the
// queue (cluster/chunk_queue.hpp); nothing else here differs.
//
// Every partition has one worker at a time, its *incarnation*, numbered by
// the partition's generation; the parameter server refuses commits of an
// older one. Events about a worker carry the generation the driver spawned
// it with, and the supervisor ignores those of a replaced incarnation.
//
// Not thread-safe: one owner calls it (the driver's loop).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/cluster/chunk_queue.hpp"
#include "actors/cluster/partition_cursor.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// How an actor of the job ended, as the driver's monitor saw it.
enum class exit_cause {
  /// It finished (a worker after its result): nothing to do.
  normal,
  /// Its node is gone: killed, frozen past the connection timeout (its
  /// heartbeats stopped), or cut off.
  unreachable,
  /// It failed on a node that is still there.
  error,
};

/// The state a parameter server starts from: the centre, the updates
/// applied to it and every partition's cursor at that point, and with
/// dynamic partitioning its chunk queue (leased chunks count as not applied,
/// so a restart from here hands them out again).
struct server_snapshot {
  std::uint64_t updates = 0;
  std::vector<float> weights;
  std::vector<partition_cursor> cursors;
  chunk_queue_state queue;
};

/// What the supervisor asks the driver to do; `act::` names each action.
namespace act {

/// Start the parameter server on node `node` from `from`; its cursors carry
/// the generation of every partition's next incarnation.
struct spawn_server {
  std::size_t node = 0;
  server_snapshot from;
};

/// Put the data shards of `workers` on node `node`.
struct place_shards {
  std::size_t node = 0;
  std::vector<std::uint32_t> workers;
};

/// Start partition `worker`'s worker on node `node` at `from`;
/// from.generation is the new incarnation's.
struct spawn_worker {
  std::uint32_t worker = 0;
  std::size_t node = 0;
  partition_cursor from;
};

/// Kill partition `worker`'s incarnation and forget it: whatever it still
/// sends is stale.
struct stop_worker {
  std::uint32_t worker = 0;
};

/// Kill the parameter server and forget it.
struct stop_server {};

/// Ask the server for partition `worker`'s cursor, which fences its old
/// incarnation there; answer with reassign_answered or reassign_failed.
struct reassign {
  std::uint32_t worker = 0;
};

/// Report a fault and what was done about it.
struct record_fault {
  std::string what;
  std::string action;
  /// What was lost: "worker", "node" or "server" (the label of
  /// actors_faults_total, metrics/meters.hpp).
  std::string kind;
};

/// End the run with this error.
struct fail {
  status why;
};

/// Every partition is done: collect the model.
struct finish {};

} // namespace act

using supervisor_action
  = std::variant<act::spawn_server, act::place_shards, act::spawn_worker,
                 act::stop_worker, act::stop_server, act::reassign,
                 act::record_fault, act::fail, act::finish>;
using supervisor_actions = std::vector<supervisor_action>;

/// What the supervisor starts from; the driver fills it once the nodes
/// answered and the workers are placed.
struct supervisor_config {
  /// Every node's address, for messages ("host:port", or "embedded").
  std::vector<std::string> nodes;
  /// The first node of each partition (one partition per worker).
  std::vector<std::size_t> placement;
  /// Node of the parameter server; unused without one.
  std::size_t server_node = 0;
  /// False for trainers without a server (single, ensemble).
  bool has_server = true;
  /// Dynamic partitioning: a partition is a worker slot (its cursor only
  /// carries the generation); only the fault messages differ.
  bool dynamic = false;
  /// Restarts of one partition's worker, and of the server, before the run
  /// fails (--max-restarts).
  std::size_t max_restarts = 3;
  /// --run-timeout in seconds, named when it passes.
  double run_timeout = 0;
  /// The job's initial weights: where a run begins unless resumed.
  std::vector<float> initial;
  /// Continue from this state (train_mnist --resume).
  std::optional<server_snapshot> resume_from;
};

/// One partition as the supervisor sees it.
struct partition_state {
  /// Node its current (or next) incarnation runs on.
  std::size_t node = 0;
  /// An incarnation was started and is not known to be gone.
  bool running = false;
  /// Its worker returned a result.
  bool done = false;
  /// Replacements so far (a server restart is not counted here).
  std::size_t restarts = 0;
  /// Generation of the current incarnation.
  std::uint32_t generation = 0;
  /// The error its last incarnation reported, if any.
  std::string last_error;
};

/// The job's supervision: see the file comment.
class job_supervisor {
public:
  explicit job_supervisor(supervisor_config cfg);

  // -- events: each returns the actions to carry out, in order --------------

  /// The run begins: the server (if any) from the origin, every node's
  /// shards, every worker. Refuses a resume state that does not fit.
  supervisor_actions start();

  /// Node `node` is unreachable (`reason` as the transport put it). Its
  /// actors' own losses follow as events and move them.
  supervisor_actions node_lost(std::size_t node, const std::string& reason);

  /// Partition `worker`'s incarnation `generation` returned its result.
  supervisor_actions worker_done(std::uint32_t worker, std::uint32_t generation);

  /// ... reported an error (its loss follows); kept for the message if the
  /// partition runs out of restarts.
  supervisor_actions worker_failed(std::uint32_t worker, std::uint32_t generation,
                                   std::string error);

  /// ... ended; an unfinished partition is replaced (on another node if its
  /// node is gone) from its cursor at the server.
  supervisor_actions worker_lost(std::uint32_t worker, std::uint32_t generation,
                                 exit_cause cause, const std::string& reason);

  /// The parameter server ended: it restarts on the least-loaded surviving
  /// node from the newest snapshot, and every partition from that
  /// snapshot's cursors.
  supervisor_actions server_lost(exit_cause cause, const std::string& reason);

  /// The server stored a snapshot; the newest is where a restart begins.
  supervisor_actions snapshot_stored(server_snapshot snap);

  /// The server answered act::reassign with `worker`'s cursor.
  supervisor_actions reassign_answered(std::uint32_t worker, partition_cursor at);

  /// act::reassign failed (`error`): the server is restarted.
  supervisor_actions reassign_failed(std::uint32_t worker, const std::string& error);

  /// --run-timeout passed.
  supervisor_actions run_timed_out();

  // -- state -------------------------------------------------------------------

  bool node_alive(std::size_t node) const { return alive_[node]; }
  const partition_state& partition(std::uint32_t worker) const {
    return parts_[worker];
  }
  std::size_t partitions() const { return parts_.size(); }
  /// Node the server runs on (or last ran on).
  std::size_t server_node() const { return server_node_; }
  /// Server restarts so far.
  std::size_t server_restarts() const { return server_restarts_; }
  /// Updates of the snapshot a restarted server would begin from.
  std::uint64_t restart_point() const;
  /// Every partition is done.
  bool finished() const;

private:
  /// The surviving node with the fewest unfinished partitions (the server
  /// counts as one); none when every node is gone.
  std::optional<std::size_t> least_loaded() const;
  supervisor_actions restart_server(const std::string& why);
  supervisor_actions replace(std::uint32_t worker, partition_cursor at);
  bool current(std::uint32_t worker, std::uint32_t generation) const;
  supervisor_actions spawn_all(server_snapshot from);
  status check_resume() const;

  supervisor_config cfg_;
  std::vector<bool> alive_;
  std::vector<partition_state> parts_;
  std::size_t server_node_ = 0;
  bool server_running_ = false;
  std::size_t server_restarts_ = 0;
  /// Where this run began, and the newest snapshot since.
  server_snapshot origin_;
  std::optional<server_snapshot> latest_;
  /// Partitions waiting for act::reassign, with the fault that lost them.
  std::map<std::uint32_t, std::string> reassigning_;
};

/// Workers per node: each node's `slots` in turn, numbered from 0, capped
/// at `wanted` when the trainer fixes the count (0: as the slots say); more
/// wanted than slots go round the nodes again. Returns each worker's node.
std::vector<std::size_t> place_workers(const std::vector<std::size_t>& slots,
                                       std::size_t wanted);

} // namespace actors
