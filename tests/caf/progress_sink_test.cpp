// progress_sink: the driver's typed progress actor, driven one message at a
// time by CAF's test coordinator: it sums progress, stores checkpoints, and
// hands the driver every snapshot newer than the last (the supervisor's
// restart point).
#include "actor_test_support.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "actors/runtime/progress_sink.hpp"

using namespace actors;

namespace {

struct fixture : test_coordinator_fixture<testing::sim_config> {
  ~fixture() override {
    anon_send_exit(sink, caf::exit_reason::user_shutdown);
    run();
  }

  // The updates of every snapshot the sink passed on to the driver.
  std::vector<std::uint64_t> passed_on() {
    std::vector<std::uint64_t> out;
    while (self->has_next_message())
      self->receive([&](checkpoint_atom, const ps_snapshot& s) {
        out.push_back(s.updates);
      });
    return out;
  }

  progress_sink_actor sink;
};

progress_msg progress(std::uint32_t worker, std::uint64_t commits, double loss_sum) {
  progress_msg p;
  p.worker = worker;
  p.grown.samples = 64;
  p.commits = commits;
  p.loss_sum = loss_sum;
  p.loss_batches = 4;
  return p;
}

ps_snapshot snapshot(std::uint64_t updates) {
  ps_snapshot s;
  s.updates = updates;
  s.weights.values = {1.0f, 2.0f};
  s.cursors.resize(2);
  return s;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "progress_sink: sums the workers' progress; each "
                           "worker's commits count once, at their latest") {
  std::vector<cluster_progress> seen;
  progress_sink_config cfg;
  cfg.workers = 2;
  cfg.on_progress = [&](const cluster_progress& p) { seen.push_back(p); };
  sink = spawn_progress_sink(sys, std::move(cfg));
  self->send(sink, progress_atom::value, progress(0, 3, 2.0));
  self->send(sink, progress_atom::value, progress(1, 5, 1.0));
  self->send(sink, progress_atom::value, progress(0, 4, 1.0));
  run();
  REQUIRE(seen.size() == 3);
  CHECK(seen[2].samples == 3 * 64);
  CHECK(seen[2].commits == 4 + 5);
  // Loss: (2 + 1 + 1) / 12 batches.
  CHECK(seen[2].loss == doctest::Approx(4.0 / 12));
}

TEST_CASE_FIXTURE(fixture, "progress_sink: passes each newer snapshot to the "
                           "driver, stored or not, and counts them with the "
                           "errors of storing") {
  std::vector<std::uint64_t> stored;
  progress_sink_config cfg;
  cfg.workers = 2;
  cfg.first_update = 10; // resumed from update 10
  cfg.on_checkpoint = [&](const ps_snapshot& s) {
    stored.push_back(s.updates);
    return s.updates == 30 ? status::io_error("disk full") : status::ok();
  };
  cfg.driver = caf::actor_cast<caf::actor>(self);
  sink = spawn_progress_sink(sys, std::move(cfg));
  // 5: before the resume point; 25: late, from a server since replaced.
  for (std::uint64_t u : {5u, 20u, 30u, 25u})
    self->send(sink, checkpoint_atom::value, snapshot(u));
  run();
  CHECK(passed_on() == std::vector<std::uint64_t>{20, 30});
  CHECK(stored == std::vector<std::uint64_t>{20, 30});
  auto h = self->request(sink, caf::infinite, stats_atom::value);
  run();
  h.receive(
    [](std::uint64_t checkpoints, std::vector<std::string>& errors) {
      CHECK(checkpoints == 2);
      CHECK(errors == std::vector<std::string>{"disk full"});
    },
    [&](caf::error& err) { FAIL(describe(sys, err)); });
}
