#include "actors/runtime/parameter_server.hpp"

#include <chrono>
#include <cmath>
#include <memory>
#include <tuple>

#include "actors/util/quantize.hpp"

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

struct ps_state {
  job_spec job;
  wire_format wire = wire_format::fp32;
  std::vector<float> centre;
  std::unique_ptr<update_rule> rule;
  ps_stats stats;
  /// Pulls waiting for an Averaging round: promise, worker, want_delta.
  std::vector<std::tuple<caf::typed_response_promise<weights_msg>, std::uint32_t, bool>>
    waiting;
  /// Per worker (int8 wire): the centre as that worker holds it, which the
  /// deltas it is sent are relative to; empty until its first full centre.
  std::vector<std::vector<float>> views;
  /// Per worker: the position of its last applied commit and generation.
  std::vector<partition_cursor> cursors;
  caf::actor driver;
  std::uint64_t checkpoint_every = 0;
  double checkpoint_seconds = 0;
  std::uint64_t last_checkpoint = 0;
  clock_type::time_point last_checkpoint_at = clock_type::now();
};

// The centre for a pull or an exchange. With the int8 wire and a worker
// that asks for it, only the change since its last centre, rounded to the
// wire's code; its view then moves by exactly what it is sent, as the
// worker's copy does, so rounding errors are corrected by the next delta
// instead of accumulating. Its first centre goes whole and exact.
weights_msg snapshot(ps_state& st, std::uint32_t worker, bool want_delta) {
  weights_msg out;
  out.version = st.stats.updates;
  out.weights.wire = st.wire;
  ++st.stats.pulls;
  st.stats.bytes_out += st.centre.size() * sizeof(float);
  const bool int8 = out.weights.wire == wire_format::int8;
  if (!int8 || !want_delta || worker >= st.views.size()) {
    out.weights.values = st.centre;
    if (int8)
      out.weights.wire = wire_format::fp32;
    return out;
  }
  auto& view = st.views[worker];
  if (view.size() != st.centre.size()) {
    view = st.centre;
    out.weights.values = st.centre;
    out.weights.wire = wire_format::fp32;
    return out;
  }
  const std::size_t n = st.centre.size();
  out.weights.values.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    out.weights.values[i] = st.centre[i] - view[i];
  round_int8(out.weights.values.data(), n);
  for (std::size_t i = 0; i < n; ++i)
    view[i] += out.weights.values[i];
  out.delta = true;
  return out;
}

// Returns an empty error if `msg` may be applied.
caf::error validate(ps_state& st, const commit_msg& msg) {
  auto reject = [&](std::string what) {
    ++st.stats.rejected;
    return make_runtime_error(runtime_errc::bad_message, std::move(what));
  };
  if (msg.worker >= st.job.trainer.workers)
    return reject("commit from unknown worker " + std::to_string(msg.worker)
                  + " (job has " + std::to_string(st.job.trainer.workers) + ")");
  if (msg.payload.values.size() != st.centre.size())
    return reject("commit of " + std::to_string(msg.payload.values.size())
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
  for (float v : msg.payload.values)
    if (!std::isfinite(v))
      return reject("commit from worker " + std::to_string(msg.worker)
                    + " holds a non-finite value");
  return {};
}

caf::error apply(ps_state& st, const commit_msg& msg) {
  if (auto err = validate(st, msg))
    return err;
  const auto start = clock_type::now();
  st.rule->apply(st.centre.data(), msg.payload.values.data(), st.centre.size(),
                 st.stats.updates, msg.last_update);
  ++st.stats.updates;
  st.cursors[msg.worker] = msg.cursor;
  st.stats.bytes_in += msg.payload.values.size() * sizeof(float);
  st.stats.busy_seconds
    += std::chrono::duration<double>(clock_type::now() - start).count();
  return {};
}

// Sends the driver a snapshot when one is due. Averaging keeps a half-filled
// round inside the rule, so snapshots are taken only between rounds.
void maybe_checkpoint(ps_state& st) {
  if (!st.driver || !st.rule->round_complete()
      || st.stats.updates == st.last_checkpoint)
    return;
  const auto now = clock_type::now();
  const bool by_count = st.checkpoint_every > 0
                        && st.stats.updates - st.last_checkpoint
                             >= st.checkpoint_every;
  const bool by_time
    = st.checkpoint_seconds > 0
      && std::chrono::duration<double>(now - st.last_checkpoint_at).count()
           >= st.checkpoint_seconds;
  if (!by_count && !by_time)
    return;
  ps_snapshot snap;
  snap.updates = st.stats.updates;
  snap.weights.values = st.centre;
  snap.cursors = st.cursors;
  snap.stats = st.stats;
  caf::anon_send(st.driver, checkpoint_atom::value, std::move(snap));
  st.last_checkpoint = st.stats.updates;
  st.last_checkpoint_at = now;
}

// Answers the pulls that waited for a round (Averaging) once it is complete.
void release_waiting(ps_state& st) {
  if (!st.rule->round_complete())
    return;
  for (auto& [rp, worker, want_delta] : st.waiting)
    rp.deliver(snapshot(st, worker, want_delta));
  st.waiting.clear();
}

} // namespace

ps_actor::behavior_type parameter_server(ps_actor::pointer self, ps_init init) {
  auto st = std::make_shared<ps_state>();
  st->job = init.job;
  st->centre = std::move(init.weights.values);
  st->stats.updates = init.updates;
  st->last_checkpoint = init.updates;
  st->cursors = std::move(init.cursors);
  st->driver = init.driver;
  st->checkpoint_every = init.checkpoint_every;
  st->checkpoint_seconds = init.checkpoint_seconds;
  auto rule = make_rule(st->job.trainer);
  caf::error setup_error;
  if (!rule)
    setup_error = make_runtime_error(runtime_errc::bad_job, rule.error().message());
  else
    st->rule = std::move(*rule);
  if (st->cursors.empty())
    st->cursors.resize(st->job.trainer.workers);
  else if (st->cursors.size() != st->job.trainer.workers)
    setup_error = make_runtime_error(
      runtime_errc::bad_job, "restored state has "
                               + std::to_string(st->cursors.size())
                               + " partitions, the job has "
                               + std::to_string(st->job.trainer.workers) + " workers");
  if (auto wire = wire_format_of(st->job); !wire)
    setup_error = wire.error();
  else
    st->wire = *wire;
  auto check = [st, setup_error]() -> caf::error { return setup_error; };
  if (st->wire == wire_format::int8)
    st->views.resize(st->job.trainer.workers);
  auto pull = [self, st, check](std::uint32_t worker,
                                bool want_delta) -> caf::result<weights_msg> {
    if (auto err = check())
      return err;
    if (worker >= st->job.trainer.workers) {
      ++st->stats.rejected;
      return make_runtime_error(runtime_errc::bad_message,
                                "pull from unknown worker "
                                  + std::to_string(worker));
    }
    if (!st->rule->round_complete()) {
      auto rp = self->make_response_promise<weights_msg>();
      st->waiting.emplace_back(rp, worker, want_delta);
      return rp;
    }
    const auto start = clock_type::now();
    auto out = snapshot(*st, worker, want_delta);
    st->stats.busy_seconds
      += std::chrono::duration<double>(clock_type::now() - start).count();
    return out;
  };
  if (init.driver) {
    // A driver that died leaves nobody to stop this job: stop with it.
    self->monitor(init.driver);
    const auto driver = init.driver.address();
    self->set_down_handler([self, driver](caf::down_msg& dm) {
      if (dm.source == driver)
        self->quit(dm.reason);
    });
  }
  return {
    [=](pull_atom, std::uint32_t worker) -> caf::result<weights_msg> {
      return pull(worker, false);
    },
    [=](pull_atom, std::uint32_t worker, bool want_delta) -> caf::result<weights_msg> {
      return pull(worker, want_delta);
    },
    [=](commit_atom, commit_msg& msg) -> caf::result<commit_ack> {
      if (auto err = check())
        return err;
      if (auto err = apply(*st, msg))
        return err;
      release_waiting(*st);
      maybe_checkpoint(*st);
      return commit_ack{st->stats.updates};
    },
    [=](exchange_atom, commit_msg& msg) -> caf::result<weights_msg> {
      if (auto err = check())
        return err;
      if (auto err = apply(*st, msg))
        return err;
      maybe_checkpoint(*st);
      if (!st->rule->round_complete()) {
        auto rp = self->make_response_promise<weights_msg>();
        st->waiting.emplace_back(rp, msg.worker, msg.want_delta);
        return rp;
      }
      release_waiting(*st);
      return snapshot(*st, msg.worker, msg.want_delta);
    },
    [=](weights_atom) -> weights_msg {
      auto out = snapshot(*st, 0, false);
      out.weights.wire = wire_format::fp32; // the trained model, exact
      // The final download is not a worker pull.
      --st->stats.pulls;
      st->stats.bytes_out -= out.weights.values.size() * sizeof(float);
      return out;
    },
    [=](stats_atom) -> ps_stats { return st->stats; },
    [=](reassign_atom, std::uint32_t worker) -> caf::result<partition_cursor> {
      if (auto err = check())
        return err;
      if (worker >= st->job.trainer.workers)
        return make_runtime_error(runtime_errc::bad_message,
                                  "reassign of unknown worker "
                                    + std::to_string(worker));
      // From now on only the replacement's commits count; it starts from
      // a whole centre.
      ++st->cursors[worker].generation;
      if (worker < st->views.size())
        st->views[worker].clear();
      return st->cursors[worker];
    },
  };
}

} // namespace actors
