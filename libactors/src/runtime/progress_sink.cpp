#include "actors/runtime/progress_sink.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <tuple>
#include <utility>

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

struct sink_state {
  progress_sink_config cfg;
  cluster_progress total;
  double loss_sum = 0;
  std::uint64_t loss_batches = 0;
  /// Each worker's latest commit count.
  std::vector<std::uint64_t> commits;
  clock_type::time_point start = clock_type::now();
  /// Update count of the newest snapshot kept.
  std::uint64_t latest_updates = 0;
  std::uint64_t checkpoints = 0;
  std::vector<std::string> checkpoint_errors;
  /// A sharded server's centre being joined: its update count and the
  /// ranges received so far (one evaluation is in flight at a time).
  std::uint64_t eval_updates = 0;
  std::vector<std::optional<float_buffer>> eval_parts;

  static inline const char* name = "progress_sink";
};

metrics::worker_report report_of(const progress_msg& p) {
  metrics::worker_report r;
  r.worker = p.worker;
  r.node = p.node;
  r.epoch = p.epoch;
  r.batches = p.loss_batches;
  r.loss_sum = p.loss_sum;
  r.correct = p.correct;
  r.grown = p.grown;
  return r;
}

void add_progress(sink_state& s, const progress_msg& p) {
  auto& t = s.total;
  t.samples += p.grown.samples;
  if (p.worker < s.commits.size())
    s.commits[p.worker] = p.commits;
  t.commits = 0;
  for (auto c : s.commits)
    t.commits += c;
  s.loss_sum += p.loss_sum;
  s.loss_batches += p.loss_batches;
  t.loss = s.loss_sum / static_cast<double>(std::max<std::uint64_t>(1, s.loss_batches));
  t.seconds = std::chrono::duration<double>(clock_type::now() - s.start).count();
  t.samples_per_second = static_cast<double>(t.samples) / t.seconds;
  // Loss over the last stretch, not since the start.
  if (s.loss_batches > 200) {
    s.loss_sum = t.loss * 50;
    s.loss_batches = 50;
  }
  if (s.cfg.on_progress)
    s.cfg.on_progress(t);
  if (s.cfg.status)
    s.cfg.status->report(report_of(p), t.seconds);
}

using sink_pointer = progress_sink_actor::stateful_pointer<sink_state>;

// To the driver's thread, which evaluates it (run_job), stamped with the
// seconds since training started when it arrived.
void pass_centre(sink_state& s, std::uint64_t updates, float_buffer centre) {
  if (s.cfg.driver)
    caf::anon_send(s.cfg.driver, eval_atom::value, updates, std::move(centre),
                   std::chrono::duration<double>(clock_type::now() - s.start).count());
}

// A shard's range of the centre at `updates`: kept until every shard's is
// in, then joined (a newer update abandons an older one that lost a range).
void join_range(sink_state& s, std::uint64_t updates, std::uint32_t shard,
                float_buffer& range) {
  if (shard >= s.cfg.shards)
    return;
  if (s.eval_parts.size() != s.cfg.shards || updates != s.eval_updates) {
    s.eval_parts.assign(s.cfg.shards, std::nullopt);
    s.eval_updates = updates;
  }
  s.eval_parts[shard] = std::move(range);
  for (auto& p : s.eval_parts)
    if (!p)
      return;
  float_buffer centre;
  for (auto& p : s.eval_parts)
    centre.values.insert(centre.values.end(), p->values.begin(), p->values.end());
  s.eval_parts.clear();
  pass_centre(s, updates, std::move(centre));
}

void keep_snapshot(sink_pointer self, const ps_snapshot& snap) {
  auto& s = self->state;
  // A late snapshot of a server that was replaced must not win.
  if (snap.updates < s.latest_updates)
    return;
  s.latest_updates = snap.updates;
  // To the driver first: a restart takes it even if storing it fails.
  if (s.cfg.driver)
    caf::anon_send(s.cfg.driver, checkpoint_atom::value, snap);
  if (s.cfg.on_checkpoint)
    if (auto st = s.cfg.on_checkpoint(snap); !st) {
      std::fprintf(stderr, "train_mnist: checkpoint at update %llu: %s\n",
                   static_cast<unsigned long long>(snap.updates),
                   st.message().c_str());
      s.checkpoint_errors.push_back(st.message());
    }
  ++s.checkpoints;
}

progress_sink_actor::behavior_type progress_sink(sink_pointer self,
                                                 progress_sink_config cfg) {
  self->state.commits.resize(cfg.workers);
  self->state.latest_updates = cfg.first_update;
  self->state.cfg = std::move(cfg);
  return {
    [self](progress_atom, const progress_msg& p) { add_progress(self->state, p); },
    [self](checkpoint_atom, const ps_snapshot& snap) { keep_snapshot(self, snap); },
    [self](eval_atom, std::uint64_t updates, float_buffer& centre) {
      pass_centre(self->state, updates, std::move(centre));
    },
    [self](eval_atom, std::uint64_t updates, std::uint32_t shard, float_buffer& range) {
      join_range(self->state, updates, shard, range);
    },
    [self](run_atom) { self->state.start = clock_type::now(); },
    [self](stats_atom) {
      return std::make_tuple(self->state.checkpoints,
                             self->state.checkpoint_errors);
    },
  };
}

} // namespace

progress_sink_actor spawn_progress_sink(caf::actor_system& sys,
                                        progress_sink_config cfg) {
  return sys.spawn(progress_sink, std::move(cfg));
}

} // namespace actors
