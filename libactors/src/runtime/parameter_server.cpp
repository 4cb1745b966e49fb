#include "actors/runtime/parameter_server.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <tuple>

#include "actors/runtime/exchange_buffers.hpp"
#include "actors/runtime/metrics_hooks.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/util/finite.hpp"
#include "actors/wire/codec.hpp"
#include "ps_state.hpp"

namespace actors {

namespace ps_impl {

// The centre for a pull or an exchange, as the worker's centre encoder
// says: whole, or (int8, when the worker asks) the change since its last one.
weights_msg snapshot(ps_state& st, std::uint32_t worker, bool want_delta) {
  weights_msg out;
  out.version = st.stats.updates;
  ++st.stats.pulls;
  st.stats.bytes_out += st.centre.size() * sizeof(float);
  out.delta = put_centre(*st.centres[worker], st.centre, want_delta, out.weights);
  out.stop = st.stopping;
  return out;
}

// Whether a payload's values are all finite. A coded one (as the server
// applies it, take_payload) is checked from its bytes, its values not
// decoded (wire::all_finite: int8's block scales), so that apply_valid's
// pass is the one that decodes it.
bool payload_finite(const float_buffer& payload) {
  if (!payload.coded)
    return all_finite(payload.values.data(), payload.values.size());
  return wire::all_finite(*payload.coded);
}

// Returns an empty error if `msg` may be applied.
caf::error validate(ps_state& st, const commit_msg& msg, bool take_chunk) {
  auto reject = [&](std::string what) {
    ++st.stats.rejected;
    return make_runtime_error(runtime_errc::bad_message, std::move(what));
  };
  if (msg.worker >= st.job.trainer.workers)
    return reject("commit from unknown worker " + std::to_string(msg.worker)
                  + " (job has " + std::to_string(st.job.trainer.workers) + ")");
  if (msg.payload.size() != st.centre.size())
    return reject("commit of " + std::to_string(msg.payload.size())
                  + " values from worker " + std::to_string(msg.worker)
                  + ", model has " + std::to_string(st.centre.size()));
  if (msg.cursor.generation != st.cursors[msg.worker].generation)
    return reject("commit from a replaced worker " + std::to_string(msg.worker)
                  + " (generation " + std::to_string(msg.cursor.generation)
                  + ", current " + std::to_string(st.cursors[msg.worker].generation)
                  + ")");
  if (msg.last_update > st.stats.updates)
    return reject("commit claims update " + std::to_string(msg.last_update)
                  + " but the server is at " + std::to_string(st.stats.updates));
  if (!payload_finite(msg.payload))
    return reject("commit from worker " + std::to_string(msg.worker)
                  + " holds a non-finite value");
  // Last, as it takes the chunk off the worker's lease: nothing may refuse
  // the commit after this.
  const bool fresh
    = !st.queue
      || (take_chunk ? st.queue->complete(msg.worker, msg.cursor.generation, msg.chunk)
                         == chunk_outcome::applied
                     : st.queue->leased(msg.worker, msg.cursor.generation, msg.chunk));
  if (!fresh)
    return reject("commit of chunk " + std::to_string(msg.chunk)
                  + ", which is not leased to worker " + std::to_string(msg.worker)
                  + " generation " + std::to_string(msg.cursor.generation));
  return {};
}

// Dynamic partitioning: tops `worker`'s lease up; nothing in static mode.
chunk_grants top_up(ps_state& st, std::uint32_t worker) {
  if (!st.queue || st.stopping)
    return {};
  return st.queue->lease(worker, st.cursors[worker].generation, st.depth[worker]);
}

void apply_valid(ps_state& st, const commit_msg& msg) {
  const auto start = clock_type::now();
  if (msg.payload.coded) {
    // A decoded run at a time (take_payload kept it coded: the rule applies
    // value by value).
    wire::read_runs(*msg.payload.coded,
                    [&](std::size_t first, std::size_t count, const float* run) {
                      st.rule->apply(st.centre.data() + first, run, count,
                                     st.stats.updates, msg.last_update);
                      return true;
                    });
  } else {
    st.rule->apply(st.centre.data(), msg.payload.values.data(), st.centre.size(),
                   st.stats.updates, msg.last_update);
  }
  st.meter.applied(st.stats.updates - msg.last_update);
  ++st.stats.updates;
  st.cursors[msg.worker] = msg.cursor;
  st.stats.bytes_in += msg.payload.size() * sizeof(float);
  st.stats.busy_seconds
    += std::chrono::duration<double>(clock_type::now() - start).count();
}

namespace {

caf::error apply(ps_state& st, const commit_msg& msg) {
  if (auto err = validate(st, msg, true))
    return err;
  apply_valid(st, msg);
  return {};
}

} // namespace

// Sends the driver a snapshot when one is due. Averaging keeps a half-filled
// round inside the rule, so snapshots are taken only between rounds.
bool maybe_checkpoint(ps_state& st) {
  if (!st.driver || !st.rule->round_complete() || st.stats.updates == st.last_checkpoint)
    return false;
  const auto now = clock_type::now();
  const bool by_count = st.checkpoint_every > 0
                        && st.stats.updates - st.last_checkpoint
                             >= st.checkpoint_every;
  const bool by_time
    = st.checkpoint_seconds > 0
      && std::chrono::duration<double>(now - st.last_checkpoint_at).count()
           >= st.checkpoint_seconds;
  if (!by_count && !by_time)
    return false;
  send_snapshot(st);
  st.last_checkpoint = st.stats.updates;
  st.last_checkpoint_at = now;
  return true;
}

// A sharded server's shard sends its part of the cut (its range; the lead
// also the cursors and the queue), which the driver's sink joins.
void send_snapshot(ps_state& st) {
  ps_snapshot snap;
  snap.updates = st.stats.updates;
  snap.weights.values = st.centre;
  snap.cursors = st.cursors;
  snap.stats = st.stats;
  if (st.queue)
    snap.queue = st.queue->snapshot();
  if (st.shards > 1)
    caf::anon_send(st.driver, checkpoint_atom::value, st.shard, std::move(snap));
  else
    caf::anon_send(st.driver, checkpoint_atom::value, std::move(snap));
}

// Sends the driver the centre when an evaluation is due: every eval_every
// updates and at every epoch's end (eval_epoch updates), or at the first
// update after the driver finished the previous evaluation if that took
// longer. The copy is the server's whole cost (~4 MB for mnist_cnn); the
// driver evaluates it on its own thread. Between Averaging rounds only, as
// checkpoints.
// A sharded server's lead decides for all shards (each sends its range,
// which the driver's sink joins: ps_shards.cpp).
bool maybe_evaluate(ps_state& st) {
  if (!st.driver || st.stopping || st.eval_pending || !st.rule->round_complete())
    return false;
  const std::uint64_t u = st.stats.updates;
  const bool by_count = st.eval_every > 0 && u - st.last_eval >= st.eval_every;
  const bool by_epoch = st.eval_epoch > 0 && u / st.eval_epoch > st.last_eval / st.eval_epoch;
  if (!by_count && !by_epoch)
    return false;
  float_buffer centre;
  centre.values = st.centre;
  if (st.shards > 1)
    caf::anon_send(st.driver, eval_atom::value, u, st.shard, std::move(centre));
  else
    caf::anon_send(st.driver, eval_atom::value, u, std::move(centre));
  st.last_eval = u;
  st.eval_pending = true;
  return true;
}

namespace {

// A commit's payload as the server reads it: as it came when the
// deserializer kept it coded (a blockwise coding), the server is unsharded
// and its rule applies value by value (validate checks it from its bytes
// and apply_valid reads it a run at a time, no model-sized vector of
// decoded values); decoded otherwise.
void take_payload(const ps_state& st, float_buffer& payload) {
  const wire::codec* c = payload.coded ? wire::codec_of_format(payload.coded->format)
                                       : nullptr;
  const bool as_coded = c != nullptr && c->block_values() > 0 && st.shards == 1
                        && st.rule && st.rule->applies_by_value();
  if (!as_coded)
    payload.ensure_values();
}

// Answers the pulls that waited for a round (Averaging) once it is complete.
void release_waiting(ps_state& st) {
  if (!st.rule->round_complete())
    return;
  for (auto& [rp, worker, want_delta] : st.waiting)
    rp.deliver(snapshot(st, worker, want_delta));
  st.waiting.clear();
}

// Dynamic partitioning: the queue of init.chunks chunks from init.queue (a
// sharded server's lead holds it).
void init_queue(ps_state& st, const ps_init& init) {
  if (st.job.schedule.partitioning != partitioning_mode::dynamic || st.shard != 0)
    return;
  if (auto ok = check_partitioning(st.job.trainer.name, partitioning_mode::dynamic);
      !ok) {
    st.setup_error = make_runtime_error(runtime_errc::bad_job, ok.message());
    return;
  }
  if (auto ok = chunk_queue::check(init.queue, init.chunks); !ok) {
    st.setup_error = make_runtime_error(runtime_errc::bad_job,
                                        "restored chunk queue: " + ok.message());
    return;
  }
  st.queue.emplace(init.chunks, st.job.trainer.workers, init.queue);
  st.depth.assign(st.job.trainer.workers, 1);
}

// Takes the job and the centre from `init`; false (and setup_error set) if
// the job cannot run.
void init_state(ps_state& st, ps_init& init) {
  st.job = init.job;
  st.shard = init.shard;
  st.shards = std::max<std::uint32_t>(1, init.shards);
  st.centre = std::move(init.weights.values);
  st.stats.updates = init.updates;
  st.last_checkpoint = init.updates;
  st.cursors = std::move(init.cursors);
  st.driver = init.driver;
  st.checkpoint_every = init.checkpoint_every;
  st.checkpoint_seconds = init.checkpoint_seconds;
  st.eval_every = init.eval_every;
  st.eval_epoch = init.eval_epoch;
  st.last_eval = init.updates;
  auto rule = make_rule(st.job.trainer);
  if (!rule)
    st.setup_error = make_runtime_error(runtime_errc::bad_job, rule.error().message());
  else
    st.rule = std::move(*rule);
  if (st.cursors.empty())
    st.cursors.resize(st.job.trainer.workers);
  else if (st.cursors.size() != st.job.trainer.workers)
    st.setup_error = make_runtime_error(
      runtime_errc::bad_job, "restored state has "
                               + std::to_string(st.cursors.size())
                               + " partitions, the job has "
                               + std::to_string(st.job.trainer.workers) + " workers");
  const wire::codec* codec = wire::find_codec(st.job.wire);
  if (codec == nullptr) {
    st.setup_error = make_runtime_error(runtime_errc::bad_job,
                                        "unknown wire format '" + st.job.wire
                                          + "'");
    return;
  }
  for (std::uint32_t w = 0; w < st.job.trainer.workers; ++w)
    st.centres.push_back(codec->make_centre_encoder());
  init_queue(st, init);
  init_shard(st, init);
}

caf::result<weights_msg> pull(ps_pointer self, std::uint32_t worker,
                              bool want_delta) {
  auto& st = self->state;
  if (st.setup_error)
    return st.setup_error;
  if (worker >= st.job.trainer.workers) {
    ++st.stats.rejected;
    return make_runtime_error(runtime_errc::bad_message,
                              "pull from unknown worker " + std::to_string(worker));
  }
  if (!st.rule->round_complete()) {
    auto rp = self->make_response_promise<weights_msg>();
    st.waiting.emplace_back(rp, worker, want_delta);
    return rp;
  }
  const auto start = clock_type::now();
  auto out = snapshot(st, worker, want_delta);
  st.stats.busy_seconds
    += std::chrono::duration<double>(clock_type::now() - start).count();
  return out;
}

caf::result<commit_ack> commit(ps_pointer self, const commit_msg& msg) {
  auto& st = self->state;
  if (st.setup_error)
    return st.setup_error;
  if (auto err = apply(st, msg))
    return err;
  release_waiting(st);
  maybe_checkpoint(st);
  maybe_evaluate(st);
  return commit_ack{st.stats.updates, top_up(st, msg.worker), st.stopping};
}

caf::result<weights_msg> exchange(ps_pointer self, const commit_msg& msg) {
  auto& st = self->state;
  if (st.setup_error)
    return st.setup_error;
  if (auto err = apply(st, msg))
    return err;
  maybe_checkpoint(st);
  maybe_evaluate(st);
  if (!st.rule->round_complete()) {
    auto rp = self->make_response_promise<weights_msg>();
    st.waiting.emplace_back(rp, msg.worker, msg.want_delta);
    return rp;
  }
  release_waiting(st);
  auto out = snapshot(st, msg.worker, msg.want_delta);
  out.grants = top_up(st, msg.worker);
  return out;
}

// A worker's first lease in dynamic mode; later ones ride on the replies.
caf::result<chunk_grants> first_lease(ps_state& st, std::uint32_t worker,
                                      std::uint32_t generation, std::uint32_t depth) {
  if (st.setup_error)
    return st.setup_error;
  if (!st.queue)
    return make_runtime_error(runtime_errc::bad_job,
                              "lease request in a job with static partitions");
  if (worker >= st.job.trainer.workers || depth == 0
      || generation != st.cursors[worker].generation) {
    ++st.stats.rejected;
    return make_runtime_error(runtime_errc::bad_message,
                              "lease request of worker " + std::to_string(worker)
                                + " generation " + std::to_string(generation)
                                + " depth " + std::to_string(depth));
  }
  st.depth[worker] = depth;
  return top_up(st, worker);
}

caf::result<partition_cursor> reassign(ps_state& st, std::uint32_t worker) {
  if (st.setup_error)
    return st.setup_error;
  if (worker >= st.job.trainer.workers)
    return make_runtime_error(runtime_errc::bad_message,
                              "reassign of unknown worker " + std::to_string(worker));
  // From now on only the replacement's commits count; it starts from a
  // whole centre.
  ++st.cursors[worker].generation;
  st.centres[worker]->reset();
  if (st.queue)
    st.queue->release(worker); // its chunks go back to the front
  return st.cursors[worker];
}

caf::result<partition_cursor> reassign(ps_pointer self, std::uint32_t worker) {
  auto res = reassign(self->state, worker);
  if (self->state.shards > 1 && !self->state.setup_error
      && worker < self->state.job.trainer.workers)
    shard_fence(self, worker, self->state.cursors[worker].generation);
  return res;
}

ps_actor::behavior_type parameter_server(ps_pointer self, ps_init init) {
  auto& st = self->state;
  init_state(st, init);
  // Every shard applies every commit (to its range): only the lead meters
  // it, so that actors_ps_updates_total counts each commit once however
  // many shards there are and wherever they run.
  if (st.shard == 0)
    st.meter = server_meter_of(self->system());
  // A driver that died leaves nobody to stop this job: stop with it. A
  // shard also watches its peers (shard_peers, cluster/shard_watch.hpp).
  if (init.driver)
    self->monitor(init.driver);
  const auto driver = init.driver ? init.driver.address() : caf::actor_addr{};
  self->set_down_handler([self, driver](caf::down_msg& dm) {
    if (driver && dm.source == driver)
      self->quit(dm.reason);
    else
      shard_peer_down(self, dm);
  });
  return {
    [self](pull_atom, std::uint32_t worker) { return pull(self, worker, false); },
    [self](pull_atom, std::uint32_t worker, bool want_delta) {
      return pull(self, worker, want_delta);
    },
    [self](commit_atom, commit_msg& msg) {
      take_payload(self->state, msg.payload);
      return self->state.shards > 1 ? shard_commit(self, msg) : commit(self, msg);
    },
    // Qualified: the handle's std:: template arguments would let ADL pick
    // std::exchange.
    [self](exchange_atom, commit_msg& msg) {
      take_payload(self->state, msg.payload);
      return self->state.shards > 1 ? shard_exchange(self, msg)
                                    : ps_impl::exchange(self, msg);
    },
    [self](weights_atom) {
      // The trained model, whole and exact; not a worker pull.
      weights_msg out;
      out.version = self->state.stats.updates;
      out.weights.values = self->state.centre;
      out.weights.format = wire::exact_codec().format();
      return out;
    },
    [self](stats_atom) { return self->state.stats; },
    [self](reassign_atom, std::uint32_t worker) { return reassign(self, worker); },
    [self](lease_atom, std::uint32_t worker, std::uint32_t generation,
           std::uint32_t depth) {
      return first_lease(self->state, worker, generation, depth);
    },
    [self](eval_atom) { self->state.eval_pending = false; },
    [self](stop_atom) {
      self->state.stopping = true;
      return self->state.stats.updates;
    },
    [self](pull_atom, std::uint32_t worker, std::uint32_t generation, bool want_delta) {
      shard_seen(self->state, worker, generation);
      return pull(self, worker, want_delta);
    },
    [self](held_atom, std::uint32_t worker, std::uint32_t generation,
           std::uint32_t shard, std::uint64_t last_update) {
      shard_held(self, worker, generation, shard, last_update);
    },
    [self](order_atom, const commit_order& order, std::uint8_t flags) {
      shard_order(self, order, flags);
    },
    [self](fence_atom, std::uint32_t worker, std::uint32_t generation) {
      shard_fence(self, worker, generation);
    },
    [self](peers_atom, std::vector<caf::actor>& all) { return shard_peers(self, all); },
    [self](lost_atom) { shard_peer_gone(self); },
  };
}

} // namespace
} // namespace ps_impl

ps_actor spawn_parameter_server(caf::actor_system& sys, ps_init init) {
  return sys.spawn(ps_impl::parameter_server, std::move(init));
}

caf::actor_factory parameter_server_factory() {
  return caf::make_actor_factory(ps_impl::parameter_server);
}

} // namespace actors
