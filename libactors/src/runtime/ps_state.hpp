// ps_state: the parameter server actor's state and the steps of its
// protocol that the unsharded server (parameter_server.cpp) and a shard of
// a sharded one (ps_shards.cpp) share. Private to the runtime; one actor's
// state, one thread at a time (CAF's stateful_actor).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <tuple>
#include <vector>

#include "actors/cluster/commit_sequencer.hpp"
#include "actors/cluster/shard_watch.hpp"
#include "actors/metrics/meters.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/trainers/update_rule.hpp"
#include "actors/wire/codec.hpp"

namespace actors::ps_impl {

using clock_type = std::chrono::steady_clock;

/// A shard's part of one worker's commit, waiting for the lead's order,
/// and the reply owed to the worker once it is applied.
struct held_commit {
  bool present = false;
  commit_msg msg;
  /// An exchange (answered with the range of the centre) or a commit
  /// (answered with an ack).
  bool exchange = true;
  caf::typed_response_promise<weights_msg> centre_reply;
  caf::typed_response_promise<commit_ack> ack_reply;
};

struct ps_state {
  job_spec job;
  std::vector<float> centre;
  std::unique_ptr<update_rule> rule;
  ps_stats stats;
  /// Pulls waiting for an Averaging round: promise, worker, want_delta.
  std::vector<std::tuple<caf::typed_response_promise<weights_msg>, std::uint32_t, bool>>
    waiting;
  /// Per worker: the sender's side of its centre stream (wire/codec.hpp),
  /// e.g. the centre as that worker holds it, for int8 deltas.
  std::vector<std::unique_ptr<wire::centre_encoder>> centres;
  /// Per worker: the position of its last applied commit and generation.
  std::vector<partition_cursor> cursors;
  /// Dynamic partitioning: the run's chunk queue and, per worker, the lease
  /// depth its first lease asked for (1, or 2 with an overlapped exchange).
  /// A sharded server keeps it at the lead only.
  std::optional<chunk_queue> queue;
  std::vector<std::size_t> depth;
  progress_actor driver;
  std::uint64_t checkpoint_every = 0;
  double checkpoint_seconds = 0;
  std::uint64_t last_checkpoint = 0;
  clock_type::time_point last_checkpoint_at = clock_type::now();
  /// Centres for the driver to evaluate (ps_init::eval_every, eval_epoch)
  /// and the update count of the last one sent.
  std::uint64_t eval_every = 0;
  std::uint64_t eval_epoch = 0;
  std::uint64_t last_eval = 0;
  /// A centre sent is being evaluated (until the driver's eval_atom).
  bool eval_pending = false;
  /// The driver stopped the run: replies say so, no chunk is leased.
  bool stopping = false;
  /// Why the job cannot run (bad trainer, restored state, wire); every
  /// request but weights and stats is answered with it.
  caf::error setup_error;
  metrics::server_meter meter; // metrics/meters.hpp
  /// A sharded server (ps_init::shards > 1): this shard's index, the shard
  /// count, every shard in order (from the driver's peers_atom) and its
  /// node, the watch on the peers it monitors, the lead's order of commits
  /// (shard 0 only) and each worker's held part.
  std::uint32_t shard = 0;
  std::uint32_t shards = 1;
  std::vector<ps_actor> peers;
  std::vector<std::string> peer_nodes;
  shard_watch watch;
  std::optional<commit_sequencer> sequencer;
  std::vector<held_commit> held;
};

using ps_pointer = ps_actor::stateful_pointer<ps_state>;

/// The centre (this shard's range) for a pull or an exchange, as the
/// worker's centre encoder says: whole, or the change since its last one.
weights_msg snapshot(ps_state& st, std::uint32_t worker, bool want_delta);

/// An empty error if `msg` may be applied; with `take_chunk` takes its
/// chunk off the lease (else only checks it is leased: a shard's part).
caf::error validate(ps_state& st, const commit_msg& msg, bool take_chunk);

/// Applies a validated commit as the next update: the rule, the cursor,
/// the counters.
void apply_valid(ps_state& st, const commit_msg& msg);

/// Dynamic partitioning: tops `worker`'s lease up; nothing in static mode
/// (and at a shard other than the lead).
chunk_grants top_up(ps_state& st, std::uint32_t worker);

/// Sends the driver the centre (a shard: its range) when an evaluation is
/// due; true if it did.
bool maybe_evaluate(ps_state& st);

/// Sends the driver a snapshot when one is due; true if it did. A sharded
/// server's lead decides for every shard (ps_shards.cpp).
bool maybe_checkpoint(ps_state& st);

/// Sends the driver the state as it is now (a shard: its part of the cut).
void send_snapshot(ps_state& st);

// -- a shard of a sharded server (ps_shards.cpp) --------------------------------

/// Sets up the shard's part of the state after init_state (the sequencer
/// at the lead, the held parts); setup_error if the trainer's rule cannot
/// be sharded.
void init_shard(ps_state& st, const ps_init& init);

/// A worker's part of an exchange / a commit: held until the lead orders
/// it, then answered.
caf::result<weights_msg> shard_exchange(ps_pointer self, commit_msg& msg);
caf::result<commit_ack> shard_commit(ps_pointer self, commit_msg& msg);

/// A shard other than the lead heard from (worker, generation) before the
/// lead's fence for that generation: fences the older one now (the fence
/// and the new worker's messages travel on different connections).
void shard_seen(ps_state& st, std::uint32_t worker, std::uint32_t generation);

/// The lead: shard `shard` holds its part of the worker's commit.
void shard_held(ps_pointer self, std::uint32_t worker, std::uint32_t generation,
                std::uint32_t shard, std::uint64_t last_update);

/// Every shard: the lead's order; `flags` (order_evaluate, order_snapshot)
/// say what to send the driver after applying it.
void shard_order(ps_pointer self, const commit_order& order, std::uint8_t flags);

/// The worker's partition moved to `generation` (the lead's reassign, or a
/// fence it sent): drops the older incarnation's held part, resets its
/// centre stream; the lead passes it on to every other shard.
void shard_fence(ps_pointer self, std::uint32_t worker, std::uint32_t generation);

/// The driver introduces the shards; answers this shard's index. The shard
/// then monitors the peers its watch names (cluster/shard_watch.hpp).
caf::result<std::uint32_t> shard_peers(ps_pointer self, std::vector<caf::actor>& all);

/// A monitored actor other than the driver ended: if it is a watched peer
/// shard, the shard ends after the watch's grace (a lost_atom to itself)
/// unless the driver restarts the server first.
void shard_peer_down(ps_pointer self, const caf::down_msg& dm);

/// The grace after losing a peer passed (lost_atom): the shard ends with
/// the watch's error, which the driver sees as the server lost.
void shard_peer_gone(ps_pointer self);

} // namespace actors::ps_impl
