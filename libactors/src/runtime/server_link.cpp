#include "server_link.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "actors/runtime/exchange_buffers.hpp"
#include "actors/util/float_pool.hpp"

namespace actors {

namespace {

double seconds_of(worker_actor::pointer self) {
  return std::chrono::duration<double>(self->clock().now().time_since_epoch()).count();
}

caf::error bad(std::string what) {
  return make_runtime_error(runtime_errc::bad_message, std::move(what));
}

} // namespace

caf::error server_link::setup(const worker_job& job, const wire::codec& codec,
                              const caf::node_id& here, std::size_t values,
                              metrics::worker_totals* totals) {
  std::vector<ps_actor> servers = job.shards;
  if (servers.empty())
    servers.push_back(job.ps);
  if (auto ok = check_shard_count(servers.size(), values); !ok)
    return make_runtime_error(runtime_errc::bad_job, ok.message());
  const auto ranges = shard_ranges(values, servers.size());
  shards_.clear();
  for (std::size_t k = 0; k < servers.size(); ++k) {
    link l;
    l.server = servers[k];
    l.range = ranges[k];
    l.remote = l.server && l.server.node() != here;
    // On one node nothing is serialized: the link is exact (no rounding).
    const auto& c = wire::codec_for_link(codec, !l.remote);
    l.commits = c.make_commit_encoder();
    l.centre = c.make_centre_decoder();
    shards_.push_back(std::move(l));
  }
  values_ = values;
  if (shards_.size() > 1)
    joined_.assign(values, 0.0f);
  timeout_ = std::chrono::milliseconds(
    static_cast<long long>(job.job.schedule.timeout_seconds * 1000.0));
  totals_ = totals;
  fan_ = shard_fan_in{shards_.size()};
  return {};
}

bool server_link::is_shard(const caf::actor_addr& a) const {
  return std::any_of(shards_.begin(), shards_.end(),
                     [&](const link& l) { return l.server && l.server.address() == a; });
}

bool server_link::remote() const {
  return std::any_of(shards_.begin(), shards_.end(),
                     [](const link& l) { return l.remote; });
}

bool server_link::wants_deltas() const {
  return std::any_of(shards_.begin(), shards_.end(),
                     [](const link& l) { return l.centre.wants_deltas(); });
}

const std::vector<float>& server_link::centre() const {
  return shards_.size() == 1 ? shards_.front().centre.centre() : joined_;
}

std::vector<metrics::byte_counts> server_link::shard_bytes() const {
  std::vector<metrics::byte_counts> out;
  if (shards_.size() > 1)
    for (auto& l : shards_)
      out.push_back(l.between);
  return out;
}

// Books `bytes` on link `l`: between nodes for a shard on another node,
// within the node otherwise.
void server_link::count(link& l, std::size_t bytes, bool sent) {
  auto& where = l.remote ? totals_->between_nodes : totals_->within_node;
  (sent ? where.sent : where.received) += bytes;
  if (l.remote)
    (sent ? l.between.sent : l.between.received) += bytes;
}

std::vector<float> server_link::take_payload(std::size_t n) {
  auto out = std::move(spare_);
  if (out.capacity() < n)
    out = take_floats(n);
  out.resize(n);
  return out;
}

// One commit message per shard: its range of `payload`, encoded for its
// link (error feedback per range), coded once where the encoder codes it
// (runtime/exchange_buffers). What no message took of `payload` is kept
// for the next take_payload.
std::vector<commit_msg> server_link::split(const commit_msg& base,
                                           std::vector<float> payload) {
  std::vector<commit_msg> out(shards_.size(), base);
  for (std::size_t k = 0; k < shards_.size(); ++k) {
    auto& l = shards_[k];
    if (shards_.size() == 1)
      put_commit(*l.commits, payload, out[k].payload);
    else
      put_commit(*l.commits, payload.data() + l.range.offset, l.range.count,
                 out[k].payload);
    out[k].want_delta = l.centre.wants_deltas();
    count(l, link_bytes(out[k].payload, l.remote), true);
  }
  spare_ = std::move(payload);
  return out;
}

std::uint64_t server_link::start(self_pointer self) {
  // Destroyed, not assigned over: the last replies' centres give their
  // storage back to util/float_pool before this round's are deserialized.
  centres_.clear();
  centres_.resize(shards_.size());
  acks_.assign(shards_.size(), commit_ack{});
  const double timeout = std::chrono::duration<double>(timeout_).count();
  return fan_.start(seconds_of(self), timeout);
}

void server_link::fail(std::uint64_t round, std::size_t k, caf::error& err,
                       const on_fail& failed) {
  const auto what = err.context().match_elements<std::string>()
                      ? err.context().get_as<std::string>(0)
                      : caf::to_string(err);
  if (shards_.size() == 1) {
    if (fan_.failed(round, k, what) == shard_fan_in::outcome::failed)
      failed(err);
    return;
  }
  if (fan_.failed(round, k, what) == shard_fan_in::outcome::failed) {
    auto e = make_runtime_error(runtime_errc::bad_message, fan_.why());
    failed(e);
  }
}

// Takes link `l`'s range of the centre from `w` into its decoder: a coded
// one (a blockwise coding as received) straight from its bytes; false (err
// set) when it does not fit.
bool server_link::take_centre(link& l, weights_msg& w, caf::error& err) {
  if (w.weights.size() != l.range.count || (first_ && w.delta)) {
    err = bad(first_ ? "initial centre has the wrong size"
                     : "centre of the wrong size from the server");
    return false;
  }
  const auto bytes = link_bytes(w.weights, l.remote);
  const bool ok = w.weights.coded ? l.centre.decode_coded(*w.weights.coded, w.delta)
                                  : l.centre.decode(w.weights.values, w.delta);
  if (!ok) {
    err = bad("centre of the wrong size from the server");
    return false;
  }
  count(l, bytes, false);
  return true;
}

// Decodes every range into its decoder and joins them; false (err set)
// when a range does not fit.
bool server_link::join(std::vector<weights_msg>& parts, reply& out, caf::error& err) {
  out.version = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t k = 0; k < shards_.size(); ++k) {
    auto& l = shards_[k];
    auto& w = parts[k];
    if (!take_centre(l, w, err))
      return false;
    if (shards_.size() > 1)
      std::memcpy(joined_.data() + l.range.offset, l.centre.centre().data(),
                  l.range.count * sizeof(float));
    out.version = std::min(out.version, w.version);
    out.stop = out.stop || w.stop;
  }
  out.grants = std::move(parts.front().grants);
  return true;
}

template <class Reply>
void server_link::gather(self_pointer self, std::uint64_t round, std::size_t k,
                         Reply& r, const on_reply& done, const on_fail& failed) {
  if (!fan_.open() || round != fan_.round())
    return;
  if (fan_.check(seconds_of(self)) == shard_fan_in::outcome::failed) {
    auto e = make_runtime_error(runtime_errc::timeout, fan_.why());
    failed(e);
    return;
  }
  if constexpr (std::is_same<Reply, weights_msg>::value)
    centres_[k] = std::move(r);
  else
    acks_[k] = std::move(r);
  if (fan_.arrived(round, k) != shard_fan_in::outcome::complete)
    return;
  reply out;
  if constexpr (std::is_same<Reply, weights_msg>::value) {
    caf::error err;
    if (!join(centres_, out, err)) {
      failed(err);
      return;
    }
  } else {
    out.version = std::numeric_limits<std::uint64_t>::max();
    for (auto& a : acks_) {
      out.version = std::min(out.version, a.updates);
      out.stop = out.stop || a.stop;
    }
    out.grants = std::move(acks_.front().grants);
  }
  done(out);
}

void server_link::pull(self_pointer self, std::uint32_t worker, std::uint32_t generation,
                       bool first, on_reply done, on_fail failed) {
  const auto round = start(self);
  first_ = first;
  for (std::size_t k = 0; k < shards_.size(); ++k) {
    auto& l = shards_[k];
    auto on_part = [this, self, round, k, done, failed](weights_msg& w) {
      gather(self, round, k, w, done, failed);
    };
    auto on_err = [this, round, k, failed](caf::error& e) { fail(round, k, e, failed); };
    // Unsharded: today's pull. A shard also learns the worker's generation.
    if (shards_.size() == 1)
      self->request(l.server, timeout_, pull_atom::value, worker, l.centre.wants_deltas())
        .then(std::move(on_part), std::move(on_err));
    else
      self->request(l.server, timeout_, pull_atom::value, worker, generation,
                    l.centre.wants_deltas())
        .then(std::move(on_part), std::move(on_err));
  }
}

// Sends each shard its part of the commit as `atom` (exchange: answered
// with a range of the centre; commit: with an ack) and gathers the replies.
template <class Reply, class Atom>
void server_link::send(self_pointer self, Atom atom, const commit_msg& base,
                       std::vector<float> payload, on_reply done, on_fail failed) {
  auto parts = split(base, std::move(payload));
  const auto round = start(self);
  first_ = false;
  for (std::size_t k = 0; k < shards_.size(); ++k)
    self->request(shards_[k].server, timeout_, atom, std::move(parts[k]))
      .then(
        [this, self, round, k, done, failed](Reply& r) {
          gather(self, round, k, r, done, failed);
        },
        [this, round, k, failed](caf::error& e) { fail(round, k, e, failed); });
}

void server_link::exchange(self_pointer self, const commit_msg& base,
                           std::vector<float> payload, on_reply done, on_fail failed) {
  send<weights_msg>(self, exchange_atom::value, base, std::move(payload), std::move(done),
                    std::move(failed));
}

void server_link::commit(self_pointer self, const commit_msg& base,
                         std::vector<float> payload, on_reply done, on_fail failed) {
  send<commit_ack>(self, commit_atom::value, base, std::move(payload), std::move(done),
                   std::move(failed));
}

} // namespace actors
