// server_link: a worker's link to its parameter server, which is one actor
// or N range shards (--ps-shards=N; cluster/shard_plan.hpp). Private to the
// runtime; owned by one worker actor's state, used from its thread only.
//
// It keeps each link's codec state (wire/codec.hpp) per range: a commit
// encoder (error feedback: the residual of a range is that range's) and a
// centre decoder (the worker's copy of that range, which the shard's
// per-worker view mirrors), so lossy codecs work per shard exactly as they
// do for one server. A shard on the worker's own node gets the exact codec
// (nothing is serialized there), one on another node the job's.
//
// A commit or a pull goes to every shard at once, each with its range, and
// the worker's callback runs when all N replies are in
// (cluster/shard_fan_in.hpp; ps-lite's KVWorker slices a push over the
// servers' key ranges the same way): the joined centre is after the same
// update on every range (runtime/ps_shards.cpp). The first error, or a
// reply missing at the request timeout, fails the exchange. With N = 1 the
// messages are today's: one request to the server, nothing joined.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/cluster/shard_fan_in.hpp"
#include "actors/cluster/shard_plan.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/wire/codec.hpp"

namespace actors {

class server_link {
public:
  using self_pointer = worker_actor::pointer;

  /// What the joined replies say: the update count the centre is at (the
  /// smallest of the shards'), the lead's new chunk grants, and whether the
  /// driver stopped the run.
  struct reply {
    std::uint64_t version = 0;
    chunk_grants grants;
    bool stop = false;
  };
  using on_reply = std::function<void(reply&)>;
  using on_fail = std::function<void(caf::error&)>;

  /// Links to `job`'s server (job.shards, or job.ps alone) for a model of
  /// `values` values in the codec `codec`, from the node `here`; books
  /// bytes in `totals` (must outlive the link). An error if the shards do
  /// not split the model.
  caf::error setup(const worker_job& job, const wire::codec& codec,
                   const caf::node_id& here, std::size_t values,
                   metrics::worker_totals* totals);

  std::size_t shards() const { return shards_.size(); }
  /// The unsharded server, or the lead shard (leases, the stop).
  const ps_actor& lead() const { return shards_.front().server; }
  /// Whether this actor is one of the shards (a down message's source).
  bool is_shard(const caf::actor_addr& a) const;
  /// Whether any shard is on another node.
  bool remote() const;
  /// Whether the centre streams ask for deltas (a lossy codec, remote).
  bool wants_deltas() const;
  /// The centre as last received, all ranges joined.
  const std::vector<float>& centre() const;

  /// Pulls every range; `first`: the worker's first centre, which must
  /// come whole.
  void pull(self_pointer self, std::uint32_t worker, std::uint32_t generation,
            bool first, on_reply done, on_fail failed);
  /// Sends `base` with `payload` (all values) as an exchange: answered
  /// with the centre after the commit.
  void exchange(self_pointer self, const commit_msg& base, std::vector<float> payload,
                on_reply done, on_fail failed);
  /// Sends `base` with `payload` as a commit: answered with an ack.
  void commit(self_pointer self, const commit_msg& base, std::vector<float> payload,
              on_reply done, on_fail failed);

  /// A payload buffer of n values (contents unspecified) for exchange() or
  /// commit(): what the last commit's coding left of its payload, else one
  /// from util/float_pool; no fresh model-sized vector per exchange.
  std::vector<float> take_payload(std::size_t n);

  /// The bytes between nodes exchanged with each shard (empty if N = 1).
  std::vector<metrics::byte_counts> shard_bytes() const;

private:
  struct link {
    ps_actor server;
    value_range range;
    bool remote = false;
    std::unique_ptr<wire::commit_encoder> commits;
    wire::centre_decoder centre;
    metrics::byte_counts between;
  };

  std::vector<commit_msg> split(const commit_msg& base, std::vector<float> payload);
  template <class Reply, class Atom>
  void send(self_pointer self, Atom atom, const commit_msg& base,
            std::vector<float> payload, on_reply done, on_fail failed);
  void count(link& l, std::size_t bytes, bool sent);
  template <class Reply>
  void gather(self_pointer self, std::uint64_t round, std::size_t k, Reply& r,
              const on_reply& done, const on_fail& failed);
  void fail(std::uint64_t round, std::size_t k, caf::error& err, const on_fail& failed);
  bool take_centre(link& l, weights_msg& w, caf::error& err);
  bool join(std::vector<weights_msg>& parts, reply& out, caf::error& err);
  std::uint64_t start(self_pointer self);

  std::vector<link> shards_;
  std::size_t values_ = 0;
  std::vector<float> joined_; // N > 1: the ranges' centres joined
  std::chrono::milliseconds timeout_{0};
  metrics::worker_totals* totals_ = nullptr;
  shard_fan_in fan_{1};
  std::vector<weights_msg> centres_;
  std::vector<commit_ack> acks_;
  bool first_ = false;
  std::vector<float> spare_; // take_payload's next buffer
};

/// Opens a connection from this node to the server's (with shards: to each
/// shard's node in turn) before the worker's first pull, each attempt
/// waiting at most `timeout`; then calls `then(relayed)`, relayed being
/// true if some server's node could not be reached directly (its messages
/// then go through the driver). `node` names this node in the log.
///
/// CAF 0.17 only knows the nodes it was introduced to: without this, a
/// worker's commits and the server's centres are relayed through the
/// driver, each model-sized message crossing two links store-and-forward,
/// which doubles the exchange time on a network. (CAF's own automatic
/// connections would open a second, plain, all-interface port on every
/// node instead.) Failing to connect is not fatal: the relayed route still
/// works. TLS clusters link the same way (connect_atom to CAF's OpenSSL
/// middleman); openssl_error_queue.hpp is what makes a second job over the
/// same TLS node pair work in CAF 0.17.6.
void connect_to_server(worker_actor::pointer self, const worker_job& job,
                       const std::string& node, std::chrono::milliseconds timeout,
                       std::function<void(bool)> then);

} // namespace actors
