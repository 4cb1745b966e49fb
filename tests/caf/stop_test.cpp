// Evaluations and early stops on the actors (issue 14's control), driven by
// CAF's test coordinator: the parameter server sends its centre every
// eval_every updates and at epoch ends, never two at a time, and once the
// driver tells it to stop, its replies say so and the workers return at
// their next exchange with every commit counted.
#include "actor_test_support.hpp"

#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/node_config.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/runtime/worker.hpp"

using namespace actors;

namespace {

using testing::make_shard;
using testing::sim_config;

// A driver's progress sink that keeps the update count of every centre the
// server sends to be evaluated.
progress_actor::behavior_type recorder(progress_actor::pointer,
                                       std::shared_ptr<std::vector<std::uint64_t>> seen,
                                       std::size_t params) {
  return {
    [](progress_atom, const progress_msg&) {},
    [](checkpoint_atom, const ps_snapshot&) {},
    [seen, params](eval_atom, std::uint64_t updates, const float_buffer& centre) {
      CHECK(centre.values.size() == params);
      seen->push_back(updates);
    },
    [](eval_atom, std::uint64_t, std::uint32_t, const float_buffer&) {
      FAIL("an unsharded server sent a shard's range");
    },
  };
}

commit_msg commit_of(std::uint32_t worker, std::size_t n) {
  commit_msg msg;
  msg.worker = worker;
  msg.payload.values.assign(n, 0.5f);
  return msg;
}

struct fixture : testing::keeping_fixture<sim_config> {
  commit_ack commit(const ps_actor& ps, std::uint32_t worker = 0) {
    auto ack = testing::ask<commit_ack>(*this, ps, commit_atom::value, commit_of(worker, 4));
    REQUIRE(ack);
    return *ack;
  }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "parameter_server: centres every 2 updates and at "
                           "epoch ends of 3, one at a time; after stop, replies "
                           "say stop and no centre is sent") {
  auto seen = std::make_shared<std::vector<std::uint64_t>>();
  auto sink = keep(sys.spawn(recorder, seen, std::size_t{4}));
  ps_init init;
  init.job.trainer.name = "downpour";
  init.job.trainer.workers = 1;
  init.weights.values = {1.0f, 2.0f, 3.0f, 4.0f};
  init.driver = sink;
  init.eval_every = 2;
  init.eval_epoch = 3;
  auto ps = keep(spawn_parameter_server(sys, std::move(init)));
  auto ready = [&] { // the driver evaluated the last centre
    anon_send(ps, eval_atom::value);
    run();
  };
  commit(ps);
  CHECK(seen->empty());
  commit(ps); // 2: by count
  CHECK(*seen == std::vector<std::uint64_t>{2});
  commit(ps); // 3: an epoch's end, but the centre of 2 is still out
  commit(ps); // 4
  CHECK(seen->size() == 1);
  ready();
  commit(ps); // 5: 5 - 2 >= 2
  CHECK(*seen == std::vector<std::uint64_t>{2, 5});
  ready();
  commit(ps); // 6: not by count (1 since 5), but the end of epoch 2
  CHECK(*seen == std::vector<std::uint64_t>{2, 5, 6});
  ready();
  CHECK_FALSE(commit(ps).stop); // 7: neither
  CHECK(seen->size() == 3);
  auto at = testing::ask<std::uint64_t>(*this, ps, stop_atom::value);
  REQUIRE(at);
  CHECK(*at == 7);
  const auto ack = commit(ps); // 8: applied, says stop, and 8 - 6 >= 2 sends nothing
  CHECK(ack.stop);
  CHECK(ack.updates == 8);
  CHECK(seen->size() == 3);
  auto w = testing::ask<weights_msg>(*this, ps, exchange_atom::value, commit_of(0, 4));
  REQUIRE(w);
  CHECK(w->stop);
  CHECK(stats(ps).updates == 9);
}

TEST_CASE_FIXTURE(fixture, "worker: after the server was told to stop, two ADAG "
                           "workers return at their first exchange, with and "
                           "without overlap, each commit counted once") {
  for (bool overlap : {false, true}) {
    CAPTURE(overlap);
    auto job = testing::tiny_job("adag", 2, 2, 11);
    job.schedule.overlap = overlap;
    auto loader = keep(spawn_data_loader(sys));
    for (std::uint32_t w = 0; w < 2; ++w)
      REQUIRE(testing::ask<std::uint64_t>(*this, loader, put_atom::value,
                                          make_shard(w, 16)));
    ps_init init;
    init.job = job;
    init.weights.values = testing::tiny_weights(5);
    auto ps = keep(spawn_parameter_server(sys, std::move(init)));
    auto stopped_at = testing::ask<std::uint64_t>(*this, ps, stop_atom::value);
    REQUIRE(stopped_at);
    CHECK(*stopped_at == 0);
    std::vector<worker_result> results;
    for (std::uint32_t w = 0; w < 2; ++w) {
      worker_job wj;
      wj.job = job;
      wj.worker = w;
      wj.ps = ps;
      wj.loader = loader;
      auto r = testing::ask<worker_result>(*this, keep(spawn_worker(sys)),
                                           run_atom::value, wj);
      REQUIRE(r);
      results.push_back(*r);
    }
    // The full run: 16 rows / batch 4 = 4 batches, window 2 -> 2 exchanges
    // an epoch, 4 over 2 epochs. Stopped: one each, after its first window
    // (with overlap the worker trains on while its exchange is in flight,
    // but returns when the stopping reply comes).
    for (auto& r : results) {
      CAPTURE(r.worker);
      CHECK(r.totals.commits == 1);
      CHECK(r.totals.samples >= 2 * job.schedule.batch_size);
      CHECK(r.totals.samples < 16 * job.schedule.epochs);
    }
    CHECK(stats(ps).updates == 2);
    CHECK(stats(ps).rejected == 0);
  }
}
