// protocol: every message between the driver, the parameter server, the
// workers and the data loaders, in one place.
//
// Atoms name the requests; typed actor handles list what each actor answers,
// so the compiler checks every send. Wire types are flat structs with an
// `inspect` overload. Model-sized float vectors travel as float_buffer, whose
// inspect writes a format byte, the length and then the values in one raw
// block coded by that format's codec (wire/codec.hpp): CAF 0.17 would
// otherwise serialize a std::vector<float> one element at a time (~100 MB/s
// instead of ~0.5-0.9 GB/s). Actors on one node exchange these messages without
// serialization at all.
//
// Every binary that takes part (train_mnist, caf-node, tests) must call
// register_wire_types on its actor_system_config: a type one side does not
// know is silently sent as an empty message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/all.hpp>

#include "actors/cluster/chunk_queue.hpp"
#include "actors/cluster/commit_sequencer.hpp"
#include "actors/cluster/partition_cursor.hpp"
#include "actors/metrics/worker_totals.hpp"
#include "actors/train/job_spec.hpp"

namespace actors::wire {
struct coded_values; // wire/codec.hpp
} // namespace actors::wire

namespace actors {

/// Bumped whenever a message layout or meaning changes (9: the sharded
/// server's messages and fields; 10: its snapshots).
constexpr std::uint32_t protocol_version = 10;

/// Written in the sender's byte order; a peer reading anything else has a
/// different byte order and the raw float buffers would be garbage.
constexpr std::uint32_t byte_order_mark = 0x01020304;

/// Upper bound on a float_buffer received from the wire (1 GiB of floats):
/// BASP frames are 32-bit and a bogus length must not allocate wildly.
constexpr std::size_t max_wire_floats = std::size_t{1} << 28;

// -- atoms ---------------------------------------------------------------------

using hello_atom = caf::atom_constant<caf::atom("hello")>;
using pull_atom = caf::atom_constant<caf::atom("pull")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using exchange_atom = caf::atom_constant<caf::atom("exchange")>;
using weights_atom = caf::atom_constant<caf::atom("weights")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using put_atom = caf::atom_constant<caf::atom("put")>;
using shard_atom = caf::atom_constant<caf::atom("shard")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using step_atom = caf::atom_constant<caf::atom("step")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using reassign_atom = caf::atom_constant<caf::atom("reassign")>;
using checkpoint_atom = caf::atom_constant<caf::atom("ckpt")>;
using lease_atom = caf::atom_constant<caf::atom("lease")>;
using eval_atom = caf::atom_constant<caf::atom("eval")>;
/// A worker to itself: the grace after losing its server has passed
/// (cluster/server_watch.hpp); a shard to itself: after losing a peer shard
/// (cluster/shard_watch.hpp).
using lost_atom = caf::atom_constant<caf::atom("lost")>;
/// A sharded server (--ps-shards > 1, src/runtime/ps_shards.cpp): a shard tells
/// the lead it holds its part of a commit; the lead orders a commit; the
/// lead fences a reassigned worker at every shard; the driver introduces
/// the shards to each other.
using held_atom = caf::atom_constant<caf::atom("held")>;
using order_atom = caf::atom_constant<caf::atom("order")>;
using fence_atom = caf::atom_constant<caf::atom("fence")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;

/// Flags of a sharded server's order (order_atom).
constexpr std::uint8_t order_evaluate = 1;
constexpr std::uint8_t order_snapshot = 2;

/// commit_msg::chunk of a commit that completes no chunk (static mode).
constexpr std::uint64_t no_chunk = ~std::uint64_t{0};

/// Chunk ids (cluster/chunk_plan.hpp) newly leased to a worker.
using chunk_grants = std::vector<std::uint64_t>;

// -- errors ----------------------------------------------------------------------

/// Errors at actor boundaries; rendered with their context message.
enum class runtime_errc : std::uint8_t {
  /// A peer speaks another protocol version or byte order.
  incompatible_peer = 1,
  /// A message failed validation (size, worker id, non-finite values).
  bad_message,
  /// The requested data set is not on this node.
  data_not_found,
  /// The node's data differs from the driver's (rows or checksum).
  data_mismatch,
  /// Something this actor waited for did not arrive in time.
  timeout,
  /// The job was configured wrongly (model spec, trainer options).
  bad_job,
  /// A worker lost its parameter server and the driver did not restart it
  /// within the grace (cluster/server_watch.hpp): its node cannot reach
  /// the server's.
  server_lost,
};

/// An error of category "actors" with a human-readable explanation.
caf::error make_runtime_error(runtime_errc code, std::string what);

/// Renders any caf::error, ours with its explanation, as one line.
std::string describe(const caf::actor_system& sys, const caf::error& err);

// -- wire types -------------------------------------------------------------------

/// A model-sized vector of floats, serialized as the format byte of the
/// codec it travels in (wire/codec.hpp), the length, and the codec's bytes
/// (after their count, a u32, when their size depends on the values: topk).
///
/// A sender sets either `values` (the serializer codes them in `format`)
/// or `coded` (bytes an encoder already wrote: the serializer copies them,
/// the same bytes it would have written for the values they read back as).
/// A receiver gets `values`, decoded, and no `coded`: from the deserializer,
/// or, for a coded buffer that crossed no serializer, from ensure_values()
/// (only encoders of lossy codecs write one, and codec_for_link gives those
/// only between nodes; runtime/exchange_buffers). One exception: the centre
/// of a weights_msg and the payload of a commit_msg in a blockwise coding
/// (codec::block_values: int8's deltas and error-feedback commits) are
/// kept `coded`, their bytes as they came (checked by their size: every
/// such coding of n values reads back): the worker adds a centre to its
/// copy straight from them (wire::centre_decoder::decode_coded), an
/// unsharded server checks and applies a payload a decoded run at a time
/// when its rule applies value by value (else it calls ensure_values()),
/// with no model-sized vector of decoded values; ensure_values() decodes
/// them, and a relay that serializes them again writes the same bytes.
///
/// A dying buffer gives its values' storage to util/float_pool, where the
/// deserializer takes the next message's: no fresh model-sized vector per
/// message received. So does one assigned over (a reply moved into a slot
/// that held the previous one), and a copy that needs more room takes its
/// storage from there.
struct float_buffer {
  float_buffer() = default;
  float_buffer(const float_buffer&) = default;
  float_buffer(float_buffer&&) noexcept = default;
  float_buffer& operator=(const float_buffer& other);
  float_buffer& operator=(float_buffer&& other) noexcept;
  ~float_buffer();

  std::vector<float> values;
  /// The codec's format byte, set by the sender (fp32 unless an encoder
  /// stamped another); a receiver gets fp32 values back either way.
  std::uint8_t format = 0;
  /// The sender's coded values, shared with the encoder that reuses their
  /// buffer once this message is gone; nullptr when `values` travel.
  std::shared_ptr<const wire::coded_values> coded;
  /// Set by the deserializer: how many bytes the codec's coding took (0 in
  /// a buffer that was not deserialized), so a receiver counts its link's
  /// bytes without coding the values again.
  std::size_t coded_bytes = 0;

  /// How many values the buffer holds.
  std::size_t size() const;

  /// A coded buffer that reached its receiver without crossing a
  /// serializer (both on one node, which codec_for_link keeps lossy codecs
  /// from, or a test): decodes `coded` into `values`, as the deserializer
  /// would have, and drops it; bytes that do not read back leave `values`
  /// empty, which every size check refuses. Nothing to do for any other.
  void ensure_values();
};

namespace detail {
// float_buffer's wire coding (protocol.cpp), out of line so that the codec
// registry stays out of every unit that sends a message. An unknown format
// byte is refused, and so is a length the message cannot hold, before
// anything is allocated.
caf::error save_floats(caf::serializer& f, const float_buffer& x);
/// `keep_blockwise`: a blockwise coding stays coded (a weights_msg's centre).
caf::error load_floats(caf::deserializer& f, float_buffer& x,
                       bool keep_blockwise = false);
} // namespace detail

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, float_buffer& x) {
  if constexpr (std::is_same<Inspector, caf::serializer>::value) {
    return detail::save_floats(f, x);
  } else if constexpr (std::is_same<Inspector, caf::deserializer>::value) {
    return detail::load_floats(f, x);
  } else {
    // Printing (to_string, logs): the size, not a million numbers.
    std::uint64_t size = x.size();
    return f(caf::meta::type_name("float_buffer"), size);
  }
}

} // namespace actors

// CAF's inspection of the metrics layer's plain values, kept here so that
// metrics/ stays free of CAF (found by argument-dependent lookup).
namespace actors::metrics {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, byte_counts& x) {
  return f(caf::meta::type_name("byte_counts"), x.sent, x.received);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_totals& x) {
  return f(caf::meta::type_name("worker_totals"), x.samples, x.commits,
           x.wait_seconds, x.chunks, x.staleness_sum, x.staleness_count,
           x.between_nodes, x.within_node);
}

} // namespace actors::metrics

namespace actors {

/// Driver -> node: first message of a job, checks compatibility.
struct hello_msg {
  std::uint32_t protocol = protocol_version;
  std::uint32_t byte_order = byte_order_mark;
  /// "host:pid" of the driver, for the node's log.
  std::string driver;
  std::uint64_t job_id = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hello_msg& x) {
  return f(caf::meta::type_name("hello_msg"), x.protocol, x.byte_order,
           x.driver, x.job_id);
}

/// Node -> driver: answer to hello_msg.
struct node_info {
  std::uint32_t protocol = protocol_version;
  std::uint32_t byte_order = byte_order_mark;
  std::string name;
  /// Worker slots (node.workers) and compute threads per worker.
  std::uint32_t workers = 1;
  std::uint32_t threads = 1;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_info& x) {
  return f(caf::meta::type_name("node_info"), x.protocol, x.byte_order, x.name,
           x.workers, x.threads);
}


/// Parameter server -> worker: the centre variable at update `version`.
struct weights_msg {
  std::uint64_t version = 0;
  float_buffer weights;
  /// The weights are the change of the centre since the last centre this
  /// worker received (a codec with deltas, e.g. int8), to be added to it.
  bool delta = false;
  /// Dynamic partitioning: chunks newly leased to the worker this answers
  /// (an exchange's reply; the server tops the lease up to its depth).
  chunk_grants grants;
  /// The driver stopped the run (--target-accuracy, --early-stopping): a
  /// worker whose exchange this answers returns its result instead of
  /// training on.
  bool stop = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, weights_msg& x) {
  if constexpr (std::is_same<Inspector, caf::deserializer>::value) {
    // The same fields in the same order; the centre kept coded where it is
    // blockwise (float_buffer).
    if (auto err = f(x.version))
      return err;
    if (auto err = detail::load_floats(f, x.weights, true))
      return err;
    return f(x.delta, x.grants, x.stop);
  } else {
    return f(caf::meta::type_name("weights_msg"), x.version, x.weights, x.delta,
             x.grants, x.stop);
  }
}

/// Worker -> parameter server: one payload of the trainer's rule.
struct commit_msg {
  std::uint32_t worker = 0;
  /// The server's update count at this worker's last pull (DynSGD).
  std::uint64_t last_update = 0;
  /// The worker's position after this commit, and its generation.
  partition_cursor cursor;
  float_buffer payload;
  /// Answer an exchange with the change of the centre since the last one
  /// this worker received (its centre decoder wants deltas: a codec with
  /// deltas, e.g. int8, and the server on another node).
  bool want_delta = false;
  /// Dynamic partitioning: the chunk this commit completes, which must be
  /// leased to this worker's incarnation (else the commit is refused);
  /// no_chunk in static mode.
  std::uint64_t chunk = no_chunk;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_msg& x) {
  if constexpr (std::is_same<Inspector, caf::deserializer>::value) {
    // The same fields in the same order; the payload kept coded where it
    // is blockwise (float_buffer).
    if (auto err = f(x.worker, x.last_update, x.cursor))
      return err;
    if (auto err = detail::load_floats(f, x.payload, true))
      return err;
    return f(x.want_delta, x.chunk);
  } else {
    return f(caf::meta::type_name("commit_msg"), x.worker, x.last_update,
             x.cursor, x.payload, x.want_delta, x.chunk);
  }
}

/// Parameter server -> worker: a commit was applied.
struct commit_ack {
  std::uint64_t updates = 0;
  /// Dynamic partitioning: chunks newly leased to the worker.
  chunk_grants grants;
  /// As weights_msg::stop.
  bool stop = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_ack& x) {
  return f(caf::meta::type_name("commit_ack"), x.updates, x.grants, x.stop);
}

/// Parameter server counters.
struct ps_stats {
  std::uint64_t updates = 0;
  std::uint64_t pulls = 0;
  std::uint64_t rejected = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  /// Seconds spent applying commits and copying the centre for pulls.
  double busy_seconds = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ps_stats& x) {
  return f(caf::meta::type_name("ps_stats"), x.updates, x.pulls, x.rejected,
           x.bytes_in, x.bytes_out, x.busy_seconds);
}

/// Parameter server -> driver: everything needed to restart the server (and
/// the run) from this point. Taken only between Averaging rounds.
struct ps_snapshot {
  std::uint64_t updates = 0;
  float_buffer weights;
  std::vector<partition_cursor> cursors;
  ps_stats stats;
  /// Dynamic partitioning: the chunk queue (leased chunks count as not
  /// applied); empty in static mode.
  chunk_queue_state queue;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ps_snapshot& x) {
  return f(caf::meta::type_name("ps_snapshot"), x.updates, x.weights,
           x.cursors, x.stats, x.queue);
}

/// Driver -> data loader: read these workers' shards from the node's data.
struct shard_request {
  std::string dataset;
  std::string split = "train";
  /// What the driver sees, so the node can prove it has the same data.
  std::uint64_t rows = 0;
  std::uint32_t labels_crc = 0;
  std::vector<std::uint32_t> workers;
  /// Row indices per worker, in the order of `workers`.
  std::vector<std::vector<std::uint32_t>> indices;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_request& x) {
  return f(caf::meta::type_name("shard_request"), x.dataset, x.split, x.rows,
           x.labels_crc, x.workers, x.indices);
}

/// One worker's rows: images as raw bytes plus labels.
struct shard_data {
  std::uint32_t worker = 0;
  std::uint64_t rows = 0;
  std::uint64_t height = 28;
  std::uint64_t width = 28;
  std::uint64_t channels = 1;
  std::uint64_t classes = 10;
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shard_data& x) {
  return f(caf::meta::type_name("shard_data"), x.worker, x.rows, x.height,
           x.width, x.channels, x.classes, x.pixels, x.labels);
}

/// Worker -> driver: periodic progress. `commits` is the incarnation's
/// total; the other counts are what grew since the previous progress message
/// (the live status page sums them: metrics/run_status.hpp).
struct progress_msg {
  std::uint32_t worker = 0;
  std::uint64_t epoch = 0;
  std::uint64_t batches = 0;
  /// Sum of batch losses since the previous progress message.
  double loss_sum = 0;
  std::uint64_t loss_batches = 0;
  std::uint64_t commits = 0;
  /// The worker's node (node.name).
  std::string node;
  /// Training samples predicted right (arg-max).
  std::uint64_t correct = 0;
  /// Samples, commits, wait, bytes, chunks, staleness grown since the
  /// previous progress message.
  metrics::worker_totals grown;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, progress_msg& x) {
  return f(caf::meta::type_name("progress_msg"), x.worker, x.epoch, x.batches,
           x.loss_sum, x.loss_batches, x.commits, x.node, x.correct, x.grown);
}

/// Worker -> driver: the end of a worker's run.
struct worker_result {
  std::uint32_t worker = 0;
  std::string node;
  /// Seconds from the run request to the result.
  double seconds = 0;
  /// The incarnation's totals (metrics/worker_totals.hpp).
  metrics::worker_totals totals;
  std::vector<double> epoch_loss;
  /// Final local weights (the model itself for single and ensemble).
  float_buffer weights;
  /// The server is remote and no direct connection to its node could be
  /// opened: every exchange was relayed by the driver.
  bool relayed = false;
  /// A sharded server: the bytes between nodes exchanged with each shard
  /// (shard order; empty when unsharded), so that the driver books them on
  /// the link to that shard's node.
  std::vector<metrics::byte_counts> shard_bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_result& x) {
  return f(caf::meta::type_name("worker_result"), x.worker, x.node, x.seconds,
           x.totals, x.epoch_loss, x.weights, x.relayed, x.shard_bytes);
}

// -- actor interfaces --------------------------------------------------------------

/// The parameter server: holds the centre variable, applies payloads.
using ps_actor = caf::typed_actor<
  caf::replies_to<pull_atom, std::uint32_t>::with<weights_msg>,
  // (worker, want_delta): as commit_msg::want_delta.
  caf::replies_to<pull_atom, std::uint32_t, bool>::with<weights_msg>,
  caf::replies_to<commit_atom, commit_msg>::with<commit_ack>,
  caf::replies_to<exchange_atom, commit_msg>::with<weights_msg>,
  caf::replies_to<weights_atom>::with<weights_msg>,
  caf::replies_to<stats_atom>::with<ps_stats>,
  caf::replies_to<reassign_atom, std::uint32_t>::with<partition_cursor>,
  // Dynamic partitioning, a worker's first lease: (worker, generation,
  // depth) -> the chunks leased to it; later ones ride on the replies.
  caf::replies_to<lease_atom, std::uint32_t, std::uint32_t, std::uint32_t>::with<
    chunk_grants>,
  // The driver ends the run early: every later reply to a commit or an
  // exchange carries stop = true and no new chunk is leased. Answers the
  // update count at that moment.
  caf::replies_to<stop_atom>::with<std::uint64_t>,
  // The driver evaluated the last centre sent (eval_atom to the progress
  // sink): the next may be sent. At most one is in flight, so a slow
  // evaluation skips centres instead of queueing them.
  caf::reacts_to<eval_atom>,
  // A sharded server (ps_init::shards > 1; src/runtime/ps_shards.cpp). A
  // worker's pull of its range, (worker, generation, want_delta): a newer
  // generation than the shard knows fences the old one first.
  caf::replies_to<pull_atom, std::uint32_t, std::uint32_t, bool>::with<weights_msg>,
  // Shard -> lead: it holds its part of (worker, generation)'s commit,
  // which claims last_update: (worker, generation, shard, last_update).
  caf::reacts_to<held_atom, std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t>,
  // Lead -> every shard: apply the held part as update order.seq; then,
  // by the flags, send the driver the range to evaluate (order_evaluate)
  // and the shard's part of a snapshot (order_snapshot).
  caf::reacts_to<order_atom, commit_order, std::uint8_t>,
  // Lead -> every shard: (worker, generation) replaced the worker's
  // partition.
  caf::reacts_to<fence_atom, std::uint32_t, std::uint32_t>,
  // Driver -> every shard, before any worker starts: the N shards in
  // order (shard 0 the lead). Answers the shard's index.
  caf::replies_to<peers_atom, std::vector<caf::actor>>::with<std::uint32_t>,
  // A shard to itself: the grace after losing a peer shard passed
  // (cluster/shard_watch.hpp); it ends unless the driver restarted it.
  caf::reacts_to<lost_atom>>;

/// One per node and job: the handshake and the node's data shards.
using loader_actor = caf::typed_actor<
  caf::replies_to<hello_atom, hello_msg>::with<node_info>,
  caf::replies_to<load_atom, shard_request>::with<std::uint64_t>,
  caf::replies_to<put_atom, shard_data>::with<std::uint64_t>,
  caf::replies_to<shard_atom, std::uint32_t>::with<shard_data>>;

/// The driver's progress sink: workers send it progress, the parameter
/// server its checkpoints and (with ps_init::eval_every or eval_epoch) its
/// centre to evaluate, as (eval_atom, updates, centre); both stop when it
/// is gone (it lives in the driver).
using progress_actor = caf::typed_actor<
  caf::reacts_to<progress_atom, progress_msg>,
  caf::reacts_to<checkpoint_atom, ps_snapshot>,
  // A sharded server: shard `shard`'s part of a snapshot (its range; the
  // lead's also the cursors and the queue), all after the same update; the
  // sink joins the N parts and keeps the whole as above.
  caf::reacts_to<checkpoint_atom, std::uint32_t, ps_snapshot>,
  caf::reacts_to<eval_atom, std::uint64_t, float_buffer>,
  // A sharded server: shard `shard`'s range of the centre at `updates`;
  // the sink joins the N ranges and passes the centre on as above.
  caf::reacts_to<eval_atom, std::uint64_t, std::uint32_t, float_buffer>>;

/// Driver -> parameter server: the job and the initial centre variable,
/// possibly restored from a checkpoint.
struct ps_init {
  job_spec job;
  float_buffer weights;
  /// The driver's progress sink: the server sends it checkpoints and stops
  /// when it is gone. May be invalid (tests).
  progress_actor driver;
  /// Updates already applied to `weights` (non-zero when restored).
  std::uint64_t updates = 0;
  /// One per worker (partition); empty = all at the start.
  std::vector<partition_cursor> cursors;
  /// Send a checkpoint every this many updates (0 = never) ...
  std::uint64_t checkpoint_every = 0;
  /// ... or when this many seconds passed since the last one (0 = never).
  double checkpoint_seconds = 0;
  /// Dynamic partitioning: the chunks of the run (chunk_plan::total_chunks)
  /// and the queue to start from (restored; empty = a fresh run).
  std::uint64_t chunks = 0;
  chunk_queue_state queue;
  /// Send the driver the centre to evaluate every this many updates (0 =
  /// never) ...
  std::uint64_t eval_every = 0;
  /// ... and at the end of every epoch of this many updates (0 = never).
  /// Both only between Averaging rounds.
  std::uint64_t eval_epoch = 0;
  /// A sharded server (--ps-shards): this is shard `shard` of `shards`, and
  /// `weights` is its range (cluster/shard_plan.hpp). 1 = unsharded.
  std::uint32_t shard = 0;
  std::uint32_t shards = 1;
  /// Sharded: every shard's node as the driver reached it ("HOST:PORT",
  /// in shard order; empty when embedded), for the error of a shard that
  /// lost a peer, and the driver's --fault-timeout (seconds; 0 = not
  /// given), how long it waits for the driver's restart before it ends
  /// (cluster/shard_watch.hpp).
  std::vector<std::string> shard_nodes;
  double fault_timeout = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ps_init& x) {
  return f(caf::meta::type_name("ps_init"), x.job, x.weights, x.driver,
           x.updates, x.cursors, x.checkpoint_every, x.checkpoint_seconds,
           x.chunks, x.queue, x.eval_every, x.eval_epoch, x.shard, x.shards,
           x.shard_nodes, x.fault_timeout);
}

/// Driver -> worker: everything a worker needs to run.
struct worker_job {
  job_spec job;
  std::uint32_t worker = 0;
  ps_actor ps;
  loader_actor loader;
  /// Receives progress_msg; lives in the driver, so the worker stops when
  /// it is gone. May be invalid (tests).
  progress_actor progress;
  /// Where to start (a replacement resumes its partition) and the
  /// generation to put on commits.
  partition_cursor start;
  /// The server's node as the driver reached it; the worker connects there
  /// so that its exchanges go one hop. Empty when the server is local.
  std::string ps_host;
  std::uint16_t ps_port = 0;
  /// The driver's --fault-timeout (seconds; 0 = not given): how long a
  /// worker that lost the server waits for the driver's restart before it
  /// ends (cluster/server_watch.hpp).
  double fault_timeout = 0;
  /// A sharded server: every shard in order (shards[0] = ps, the lead),
  /// and each one's node as the driver reached it (empty when embedded).
  /// Empty when unsharded. The worker cuts its ranges with shard_ranges.
  std::vector<ps_actor> shards;
  std::vector<std::string> shard_hosts;
  std::vector<std::uint16_t> shard_ports;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, worker_job& x) {
  return f(caf::meta::type_name("worker_job"), x.job, x.worker, x.ps, x.loader,
           x.progress, x.start, x.ps_host, x.ps_port, x.fault_timeout, x.shards,
           x.shard_hosts, x.shard_ports);
}

/// A worker: trains on its shard and talks to the parameter server.
using worker_actor = caf::typed_actor<
  caf::replies_to<run_atom, worker_job>::with<worker_result>,
  caf::reacts_to<step_atom>, caf::reacts_to<lost_atom>>;

/// Registers every wire type and the error category; call on every config.
void register_wire_types(caf::actor_system_config& cfg);

} // namespace actors
