// Recovery: the parameter server's partition cursors, generations and
// snapshots, and replacement workers that resume a partition, driven one
// message at a time by CAF's test coordinator.
#include "actor_test_support.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "actors/nn/model_spec.hpp"
#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/node_config.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/runtime/worker.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/trainers/update_rule.hpp"

using namespace actors;

namespace {

const std::vector<float> initial = {1.0f, -2.0f, 0.5f, 4.0f};
const std::vector<float> payload = {0.25f, 1.0f, -0.5f, 2.0f};

using testing::make_shard;
using testing::tiny_spec;
constexpr std::uint64_t rows = 16;

using testing::sim_config;

commit_msg make_commit(std::uint32_t worker, std::uint64_t batches_done,
                       std::uint32_t generation) {
  commit_msg msg;
  msg.worker = worker;
  msg.cursor.batches_done = batches_done;
  msg.cursor.generation = generation;
  msg.payload.values = payload;
  return msg;
}

// A server of `trainer` for `workers` over `initial`, nothing restored.
ps_init server_init(const std::string& trainer, std::uint32_t workers) {
  ps_init init;
  init.job.trainer.name = trainer;
  init.job.trainer.workers = workers;
  init.weights.values = initial;
  return init;
}

struct fixture : testing::keeping_fixture<sim_config> {
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& hdl, Ts... xs) {
    return testing::ask<T>(*this, hdl, std::move(xs)...);
  }

  // A server of `trainer` for 2 workers that sends this test's actor a
  // snapshot every `every` updates.
  ps_actor snapshotting_server(const std::string& trainer,
                               std::uint64_t every) {
    auto init = server_init(trainer, 2);
    init.driver = caf::actor_cast<progress_actor>(self);
    init.checkpoint_every = every;
    return keep(spawn_parameter_server(sys, std::move(init)));
  }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "recovery: reassign fences the old worker and "
                           "returns its partition's last applied position") {
  auto init = server_init("adag", 2);
  auto ps = keep(spawn_parameter_server(sys, std::move(init)));
  REQUIRE(ask<commit_ack>(ps, commit_atom::value, make_commit(1, 6, 0)));
  REQUIRE(ask<commit_ack>(ps, commit_atom::value, make_commit(1, 8, 0)));
  auto c = ask<partition_cursor>(ps, reassign_atom::value, std::uint32_t{1});
  REQUIRE(c);
  CHECK(c->batches_done == 8);
  CHECK(c->generation == 1);
  // The old incarnation (a node that was frozen, not dead) is refused ...
  auto stale = ask<commit_ack>(ps, commit_atom::value, make_commit(1, 10, 0));
  REQUIRE_FALSE(stale);
  CHECK(describe(sys, stale.error()).find("replaced worker 1") != std::string::npos);
  // ... its replacement is applied, and the other partition is untouched.
  auto ack = ask<commit_ack>(ps, commit_atom::value, make_commit(1, 10, 1));
  REQUIRE(ack);
  CHECK(ack->updates == 3);
  auto other = ask<partition_cursor>(ps, reassign_atom::value, std::uint32_t{0});
  REQUIRE(other);
  CHECK(other->batches_done == 0);
  CHECK(other->generation == 1);
  auto s = stats(ps);
  CHECK(s.updates == 3);
  CHECK(s.rejected == 1);
  CHECK_FALSE(ask<partition_cursor>(ps, reassign_atom::value, std::uint32_t{2}));
}

TEST_CASE_FIXTURE(fixture, "recovery: the server sends the driver a snapshot "
                           "every K updates and a restored server continues "
                           "from it") {
  auto ps = snapshotting_server("downpour", 2);
  REQUIRE(ask<commit_ack>(ps, commit_atom::value, make_commit(0, 3, 0)));
  CHECK_FALSE(self->has_next_message()); // 1 update: not due yet
  REQUIRE(ask<commit_ack>(ps, commit_atom::value, make_commit(1, 5, 0)));
  REQUIRE(self->has_next_message());
  ps_snapshot snap;
  self->receive([&](checkpoint_atom, ps_snapshot& s) { snap = std::move(s); });
  CHECK(snap.updates == 2);
  REQUIRE(snap.cursors.size() == 2);
  CHECK(snap.cursors[0].batches_done == 3);
  CHECK(snap.cursors[1].batches_done == 5);
  std::vector<float> expected = initial;
  for (std::size_t k = 0; k < expected.size(); ++k)
    expected[k] += 2 * payload[k];
  CHECK(snap.weights.values == expected);

  // A server restored from the snapshot: same version, cursors and centre.
  ps_init again;
  again.job.trainer.name = "downpour";
  again.job.trainer.workers = 2;
  again.weights = snap.weights;
  again.updates = snap.updates;
  again.cursors = snap.cursors;
  auto ps2 = keep(spawn_parameter_server(sys, std::move(again)));
  auto w = ask<weights_msg>(ps2, pull_atom::value, std::uint32_t{0});
  REQUIRE(w);
  CHECK(w->version == 2);
  CHECK(w->weights.values == expected);
  auto c = ask<partition_cursor>(ps2, reassign_atom::value, std::uint32_t{1});
  REQUIRE(c);
  CHECK(c->batches_done == 5);
  auto ack = ask<commit_ack>(ps2, commit_atom::value, make_commit(1, 7, 1));
  REQUIRE(ack);
  CHECK(ack->updates == 3);
  // Restored cursors must match the job.
  auto wrong = server_init("downpour", 3);
  wrong.cursors.resize(2);
  auto ps3 = keep(spawn_parameter_server(sys, std::move(wrong)));
  auto refused = ask<weights_msg>(ps3, pull_atom::value, std::uint32_t{0});
  REQUIRE_FALSE(refused);
  CHECK(describe(sys, refused.error()).find("2 partitions") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "recovery: no snapshot while an Averaging round is "
                           "partly filled") {
  auto ps = snapshotting_server("averaging", 1);
  REQUIRE(ask<commit_ack>(ps, commit_atom::value, make_commit(0, 4, 0)));
  CHECK_FALSE(self->has_next_message());
  REQUIRE(ask<commit_ack>(ps, commit_atom::value, make_commit(1, 4, 0)));
  REQUIRE(self->has_next_message());
  self->receive([&](checkpoint_atom, ps_snapshot& s) { CHECK(s.updates == 2); });
}

TEST_CASE_FIXTURE(fixture, "recovery: a worker killed at any point is replaced "
                           "and the server applies exactly the clean run's "
                           "commits, with and without overlap") {
  // Each trainer's clean run is timed in scheduler events first; then a
  // worker is killed after every event count short of that (each kill
  // interrupts a running worker) and a replacement finishes its partition.
  const auto start = testing::tiny_weights(9);
  // With overlap the cursor of a commit is the position at sending: batches
  // trained after it by the killed worker are trained again.
  for (const std::string trainer :
       {"adag", "downpour", "dynsgd", "aeasgd", "eamsgd", "averaging"})
  for (bool overlap : {false, true}) {
    if (overlap && !find_trainer(trainer)->overlap)
      continue; // averaging: a round is a barrier
    CAPTURE(trainer);
    CAPTURE(overlap);
    auto job = testing::tiny_job(trainer, 1, 3, 3);
    job.schedule.overlap = overlap;
    auto rule = make_rule(job.trainer);
    REQUIRE(rule);
    const auto clean = commits_per_epoch(*rule.value(), rows / job.schedule.batch_size)
                       * job.schedule.epochs;
    REQUIRE(clean >= 3);
    // A fresh data loader and server, and the job of worker 0 against them.
    auto fresh_job = [&] {
      worker_job wj;
      wj.job = job;
      wj.loader = keep(spawn_data_loader(sys));
      ps_init init;
      init.job = job;
      init.weights.values = start;
      wj.ps = keep(spawn_parameter_server(sys, std::move(init)));
      return wj;
    };
    // Gives the loader the shard (again, after a kill).
    auto put = [&](const worker_job& wj) {
      auto h = self->request(wj.loader, caf::infinite, put_atom::value,
                             make_shard(0, rows));
      run();
      h.receive([](std::uint64_t) {},
                [&](caf::error& e) { FAIL(describe(sys, e)); });
    };
    // The clean run, one scheduler event at a time: it takes `length` events.
    std::size_t length = 0;
    {
      const auto wj = fresh_job();
      put(wj);
      auto h = self->request(keep(spawn_worker(sys)), caf::infinite,
                             run_atom::value, wj);
      while (sched.try_run_once())
        ++length;
      h.receive([&](worker_result& x) { CHECK(x.totals.commits == clean); },
                [&](caf::error& e) { FAIL(describe(sys, e)); });
    }
    CAPTURE(length);
    // Kill after every event count that interrupts that run: 1 .. length-1.
    std::size_t mid_run = 0;
    for (std::size_t events = 1; events < length; ++events) {
      CAPTURE(events);
      auto wj = fresh_job();
      const auto ps = wj.ps;
      put(wj);
      auto first = keep(spawn_worker(sys));
      // Its reply (a result if it finished, else nothing) is never read.
      auto ignored = self->request(first, caf::infinite, run_atom::value, wj);
      static_cast<void>(ignored);
      std::size_t ran = 0;
      while (ran < events && sched.try_run_once())
        ++ran;
      // The kill lands before the clean run would have finished: the
      // scheduler still had work at every one of those events.
      CHECK(ran == events);
      anon_send_exit(first, caf::exit_reason::kill);
      run();
      auto at = ask<partition_cursor>(ps, reassign_atom::value, std::uint32_t{0});
      REQUIRE(at);
      CHECK(at->generation == 1);
      const auto before = stats(ps).updates;
      CHECK(before <= clean);
      if (before < clean)
        ++mid_run;
      put(wj);
      wj.start = *at;
      auto second = keep(spawn_worker(sys));
      auto h = self->request(second, caf::infinite, run_atom::value, wj);
      run();
      worker_result r;
      h.receive([&](worker_result& x) { r = std::move(x); },
                [&](caf::error& e) { FAIL(describe(sys, e)); });
      auto s = stats(ps);
      CHECK(s.updates == clean);
      CHECK(r.totals.commits == clean - before);
      CHECK(s.rejected == 0);
    }
    // Most kills leave commits to the replacement; the others land between
    // the worker's last commit and its result.
    CHECK(mid_run * 2 > length);
  }
}
