// A shard of a sharded parameter server (--ps-shards=N > 1): the same actor
// as the unsharded server (parameter_server.cpp) holding one range of the
// centre (cluster/shard_plan.hpp), whose commits are applied in the lead's
// order (cluster/commit_sequencer.hpp) instead of on arrival:
//
//   worker --exchange(part k)--> shard k: validate, hold    (every shard)
//   shard k --held(w, g, k, last_update)--> lead            (shard 0)
//   lead: all N held -> order q --order(q)--> every shard   (one connection
//                                                            each, in order)
//   shard k: apply part as update q, answer the worker with its range of
//            the centre after update q (and, at the lead, the new grants)
//
// The worker joins the N answers (runtime/shard_link.cpp): a centre whose
// every range is after the same update. What ps-lite and MXNet's KVStore do
// not do is this order: there each server applies a push on arrival, which
// is enough for plain asynchronous SGD but leaves DynSGD's staleness and the
// update counts different on every server.
#include <chrono>
#include <cstdio>
#include <type_traits>

#include "actors/trainers/registry.hpp"
#include "ps_state.hpp"

namespace actors::ps_impl {

namespace {

// The owed reply fails: the part is dropped (fenced, or refused).
void drop_held(ps_state& st, std::uint32_t worker, const std::string& why) {
  auto& h = st.held[worker];
  if (!h.present)
    return;
  auto err = make_runtime_error(runtime_errc::bad_message, why);
  if (h.exchange)
    h.centre_reply.deliver(err);
  else
    h.ack_reply.deliver(err);
  h = held_commit{};
}

// The shard's own fence: the worker's partition is at `generation` now.
void fence_local(ps_state& st, std::uint32_t worker, std::uint32_t generation) {
  if (worker >= st.cursors.size() || generation <= st.cursors[worker].generation)
    return;
  st.cursors[worker].generation = generation;
  st.centres[worker]->reset();
  drop_held(st, worker, "worker " + std::to_string(worker) + " was replaced (generation "
                          + std::to_string(generation) + ")");
}

// Validates and holds a part; the caller then stores its reply promise.
caf::error hold(ps_state& st, commit_msg& msg) {
  if (st.setup_error)
    return st.setup_error;
  shard_seen(st, msg.worker, msg.cursor.generation);
  if (msg.worker < st.held.size() && st.held[msg.worker].present) {
    ++st.stats.rejected;
    return make_runtime_error(runtime_errc::bad_message,
                              "shard " + std::to_string(st.shard) + ": worker "
                                + std::to_string(msg.worker)
                                + " sent a second part before the first was applied");
  }
  // The lead takes the chunk off the lease only when it orders the commit.
  if (auto err = validate(st, msg, false))
    return err;
  auto& h = st.held[msg.worker];
  h = held_commit{};
  h.present = true;
  h.msg = std::move(msg);
  return {};
}

// Tells the lead that this shard holds the worker's part (the lead tells
// itself).
void report(ps_pointer self, std::uint32_t worker) {
  auto& st = self->state;
  const auto& m = st.held[worker].msg;
  if (st.shard == 0)
    shard_held(self, worker, m.cursor.generation, 0, m.last_update);
  else
    self->send(st.peers[0], held_atom::value, worker, m.cursor.generation, st.shard,
               m.last_update);
}

// Applies the held part of the order's worker as update order.seq and
// answers the worker; false (and logged) if this shard is out of step with
// the lead, which is a bug, not a fault of the worker.
bool apply_order(ps_state& st, const commit_order& order) {
  auto fault = [&](const std::string& what) {
    std::fprintf(stderr, "parameter server shard %u: order %llu for worker %u: %s\n",
                 st.shard, static_cast<unsigned long long>(order.seq), order.worker,
                 what.c_str());
    return false;
  };
  if (order.worker >= st.held.size())
    return fault("no such worker");
  auto& h = st.held[order.worker];
  if (!h.present || h.msg.cursor.generation != order.generation)
    return fault("its part is not held here");
  if (order.seq != st.stats.updates)
    return fault("out of sequence: the shard is at update "
                 + std::to_string(st.stats.updates));
  if (st.queue
      && st.queue->complete(order.worker, order.generation, h.msg.chunk)
           != chunk_outcome::applied)
    return fault("chunk " + std::to_string(h.msg.chunk) + " is no longer leased");
  apply_valid(st, h.msg);
  const auto worker = order.worker;
  if (h.exchange) {
    auto out = snapshot(st, worker, h.msg.want_delta);
    out.grants = top_up(st, worker);
    h.centre_reply.deliver(std::move(out));
  } else {
    h.ack_reply.deliver(commit_ack{st.stats.updates, top_up(st, worker), st.stopping});
  }
  h = held_commit{};
  return true;
}

} // namespace

void init_shard(ps_state& st, const ps_init& init) {
  st.held.resize(st.job.trainer.workers);
  if (st.shards <= 1)
    return;
  st.peer_nodes = init.shard_nodes;
  st.watch = shard_watch{init.fault_timeout, st.shard, st.shards};
  if (auto ok = check_shards(st.job.trainer.name, st.shards); !ok)
    st.setup_error = make_runtime_error(runtime_errc::bad_job, ok.message());
  else if (init.shard >= st.shards)
    st.setup_error = make_runtime_error(
      runtime_errc::bad_job, "shard " + std::to_string(init.shard) + " of "
                               + std::to_string(st.shards));
  if (st.shard == 0)
    st.sequencer.emplace(st.shards, st.job.trainer.workers, init.updates);
}

void shard_seen(ps_state& st, std::uint32_t worker, std::uint32_t generation) {
  // The lead moved the generation itself (reassign) before anyone used it.
  if (st.shards > 1 && st.shard != 0)
    fence_local(st, worker, generation);
}

namespace {

// Holds the part, keeps the promise of its reply (the centre's range for
// an exchange, an ack for a commit) and reports it to the lead.
template <class Reply>
caf::result<Reply> hold_and_report(ps_pointer self, commit_msg& msg) {
  auto& st = self->state;
  const auto worker = msg.worker;
  if (auto err = hold(st, msg))
    return err;
  auto rp = self->make_response_promise<Reply>();
  auto& h = st.held[worker];
  if constexpr (std::is_same<Reply, weights_msg>::value)
    h.centre_reply = rp;
  else
    h.ack_reply = rp;
  h.exchange = std::is_same<Reply, weights_msg>::value;
  report(self, worker);
  return rp;
}

} // namespace

caf::result<weights_msg> shard_exchange(ps_pointer self, commit_msg& msg) {
  return hold_and_report<weights_msg>(self, msg);
}

caf::result<commit_ack> shard_commit(ps_pointer self, commit_msg& msg) {
  return hold_and_report<commit_ack>(self, msg);
}

void shard_held(ps_pointer self, std::uint32_t worker, std::uint32_t generation,
                std::uint32_t shard, std::uint64_t last_update) {
  auto& st = self->state;
  if (!st.sequencer)
    return;
  const auto step = st.sequencer->held(worker, generation, shard, last_update);
  if (step.kind == sequencer_step::refused) {
    ++st.stats.rejected;
    std::fprintf(stderr, "parameter server lead: %s\n", step.why.c_str());
    return;
  }
  if (step.kind != sequencer_step::ordered)
    return;
  if (!apply_order(st, step.order))
    return;
  // The lead decides whether this update is evaluated and whether it is
  // snapshotted; the order says so, and each shard then sends its range
  // after applying it (the sink joins them). Every shard's part of a
  // snapshot is its state after the same update: a consistent cut, as a
  // marker in a FIFO channel makes one (Chandy and Lamport 1985), here the
  // lead's ordered connection to each shard.
  std::uint8_t flags = 0;
  if (maybe_evaluate(st))
    flags |= order_evaluate;
  if (maybe_checkpoint(st))
    flags |= order_snapshot;
  for (std::uint32_t k = 1; k < st.peers.size(); ++k)
    self->send(st.peers[k], order_atom::value, step.order, flags);
}

void shard_order(ps_pointer self, const commit_order& order, std::uint8_t flags) {
  auto& st = self->state;
  if (st.shard == 0 || !apply_order(st, order) || !st.driver)
    return;
  if ((flags & order_evaluate) != 0) {
    float_buffer range;
    range.values = st.centre;
    caf::anon_send(st.driver, eval_atom::value, st.stats.updates, st.shard,
                   std::move(range));
  }
  if ((flags & order_snapshot) != 0)
    send_snapshot(st);
}

void shard_fence(ps_pointer self, std::uint32_t worker, std::uint32_t generation) {
  auto& st = self->state;
  if (st.shard != 0) {
    fence_local(st, worker, generation);
    return;
  }
  // The lead: reassign() already moved the cursor and reset the stream.
  if (st.sequencer)
    st.sequencer->fence(worker, generation);
  if (worker < st.held.size() && st.held[worker].present
      && st.held[worker].msg.cursor.generation < generation)
    drop_held(st, worker, "worker " + std::to_string(worker) + " was replaced");
  for (std::uint32_t k = 1; k < st.peers.size(); ++k)
    self->send(st.peers[k], fence_atom::value, worker, generation);
}

caf::result<std::uint32_t> shard_peers(ps_pointer self, std::vector<caf::actor>& all) {
  auto& st = self->state;
  if (all.size() != st.shards)
    return make_runtime_error(runtime_errc::bad_job,
                              "shard " + std::to_string(st.shard) + " of "
                                + std::to_string(st.shards) + " introduced to "
                                + std::to_string(all.size()) + " shards");
  const bool first = st.peers.empty();
  st.peers.clear();
  for (auto& a : all)
    st.peers.push_back(caf::actor_cast<ps_actor>(a));
  if (first)
    for (auto k : st.watch.watched())
      if (st.peers[k])
        self->monitor(st.peers[k]);
  return st.shard;
}

void shard_peer_down(ps_pointer self, const caf::down_msg& dm) {
  auto& st = self->state;
  // A peer killed or shut down is the driver's doing (a restart, the end
  // of the run), and the driver stops this shard as well.
  if (!dm.reason || dm.reason == caf::exit_reason::kill
      || dm.reason == caf::exit_reason::user_shutdown)
    return;
  for (auto k : st.watch.watched()) {
    if (k >= st.peers.size() || !st.peers[k] || st.peers[k].address() != dm.source)
      continue;
    const auto reason = describe(self->system(), dm.reason);
    const auto node = k < st.peer_nodes.size() ? st.peer_nodes[k] : std::string{};
    const auto now
      = std::chrono::duration<double>(self->clock().now().time_since_epoch()).count();
    if (auto after = st.watch.lost(k, node, reason, now)) {
      std::fprintf(stderr,
                   "parameter server shard %u lost shard %u%s%s (%s); ending in %.1f s "
                   "unless the driver restarts the server\n",
                   st.shard, k, node.empty() ? "" : " on ", node.c_str(), reason.c_str(),
                   *after);
      self->delayed_send(self,
                         std::chrono::milliseconds(static_cast<long long>(*after * 1000.0)),
                         lost_atom::value);
    }
    return;
  }
}

void shard_peer_gone(ps_pointer self) {
  auto& st = self->state;
  const auto now
    = std::chrono::duration<double>(self->clock().now().time_since_epoch()).count();
  if (!st.watch.expired(now))
    return;
  const auto why = st.watch.why();
  std::fprintf(stderr, "%s; ending\n", why.c_str());
  self->quit(make_runtime_error(runtime_errc::server_lost, why));
}

} // namespace actors::ps_impl
