// Dynamic partitioning in one process, driven by CAF's test coordinator:
// workers holding the whole training set take chunks from the parameter
// server's queue; the server applies exactly chunks-per-epoch x epochs
// commits whatever the worker count, and a lost worker's chunks go back to
// the queue and are applied once, by its replacement or another worker;
// all of it with and without an overlapped exchange (lease depth 2: a
// worker trains chunk k + 1 while chunk k's commit is in flight).
#include "actor_test_support.hpp"

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "actors/cluster/chunk_plan.hpp"
#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/runtime/worker.hpp"

using namespace actors;

namespace {

// The test's MNIST in size: 8,000 rows, batch 16, window 5 -> 500 batches,
// 100 chunks per epoch (on the tiny model, so it runs in moments).
constexpr std::uint64_t rows = 8000;
constexpr std::uint64_t epochs = 2;

job_spec dynamic_job(const std::string& trainer, std::uint32_t workers,
                     bool overlap = false) {
  auto job = testing::tiny_job(trainer, workers, epochs, 5);
  job.schedule.overlap = overlap;
  job.trainer.window = 5;
  job.schedule.batch_size = 16;
  job.schedule.partitioning = partitioning_mode::dynamic;
  return job;
}

struct fixture : testing::keeping_fixture<testing::sim_config> {
  // A loader holding the whole set for each of `workers`, and a server
  // with the run's chunk queue.
  worker_job start(const job_spec& job) {
    worker_job wj;
    wj.job = job;
    wj.loader = keep(spawn_data_loader(sys));
    for (std::uint32_t w = 0; w < job.trainer.workers; ++w)
      put(wj, w);
    ps_init init;
    init.job = job;
    init.weights.values = testing::tiny_weights(3);
    init.chunks = make_chunk_plan(rows, 16, 5, epochs, job.schedule.seed).total_chunks;
    wj.ps = keep(spawn_parameter_server(sys, std::move(init)));
    return wj;
  }

  // Gives worker `w` the whole training set (identical for every worker).
  void put(const worker_job& wj, std::uint32_t w) {
    auto shard = testing::make_shard(0, rows);
    shard.worker = w;
    auto h = self->request(wj.loader, caf::infinite, put_atom::value, shard);
    run();
    h.receive([](std::uint64_t) {}, [&](caf::error& e) { FAIL(describe(sys, e)); });
  }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "dynamic partitioning: 1 to 4 workers apply exactly "
                           "100 chunks per epoch, every sample once per epoch, "
                           "with and without overlap") {
  for (int run_no = 0; run_no < 8; ++run_no) {
    const std::uint32_t workers = run_no % 4 + 1;
    const bool overlap = run_no >= 4;
    CAPTURE(workers);
    CAPTURE(overlap);
    auto wj = start(dynamic_job("adag", workers, overlap));
    std::vector<worker_result> results(workers);
    std::vector<bool> got(workers, false);
    for (std::uint32_t w = 0; w < workers; ++w) {
      wj.worker = w;
      self->send(keep(spawn_worker(sys)), run_atom::value, wj);
    }
    run();
    for (std::uint32_t w = 0; w < workers; ++w)
      self->receive([&](worker_result& r) {
        results[r.worker] = r;
        got[r.worker] = true;
      }, [&](caf::error& e) { FAIL(describe(sys, e)); });
    std::uint64_t chunks = 0, samples = 0;
    for (std::uint32_t w = 0; w < workers; ++w) {
      CHECK(got[w]);
      CHECK(results[w].totals.chunks == results[w].totals.commits);
      chunks += results[w].totals.chunks;
      samples += results[w].totals.samples;
    }
    const auto s = stats(wj.ps);
    CHECK(s.updates == 200);
    CHECK(chunks == 200);
    // 500 full batches of 16 per epoch: all 8,000 rows, once each.
    CHECK(samples == epochs * 8000);
    CHECK(s.rejected == 0);
  }
}

TEST_CASE_FIXTURE(fixture, "dynamic partitioning: a lost worker's chunks go back "
                           "to the queue and are applied exactly once, with "
                           "and without overlap") {
  for (const std::string trainer : {"adag", "downpour", "aeasgd"})
  for (bool overlap : {false, true}) {
    CAPTURE(trainer);
    CAPTURE(overlap);
    auto wj = start(dynamic_job(trainer, 2, overlap));
    wj.worker = 0;
    auto first = keep(spawn_worker(sys));
    self->send(first, run_atom::value, wj);
    wj.worker = 1;
    self->send(keep(spawn_worker(sys)), run_atom::value, wj);
    // Let them get going, then lose worker 0 in the middle of the run;
    // worker 1 drains the rest of the queue on its own.
    for (int events = 0; events < 300 && sched.try_run_once(); ++events) {
    }
    anon_send_exit(first, caf::exit_reason::kill);
    run();
    std::uint64_t by_worker1 = 0;
    self->receive([&](worker_result& r) {
      CHECK(r.worker == 1);
      by_worker1 = r.totals.chunks;
    }, [&](caf::error& e) { FAIL(describe(sys, e)); });
    // Only the chunks worker 0 held are missing: one (lease depth 1) or,
    // with overlap, one or two (depth 2; a commit already in the server's
    // mailbox is applied).
    const auto before = stats(wj.ps).updates;
    CHECK(before <= 199);
    CHECK(before >= (overlap ? 198u : 199u));
    CHECK(by_worker1 > 0);
    CHECK(by_worker1 < before);
    // The supervisor's reassign: the server fences generation 0 and puts
    // its leased chunk back at the front of the queue.
    auto at = testing::ask<partition_cursor>(*this, wj.ps, reassign_atom::value,
                                             std::uint32_t{0});
    REQUIRE(at);
    CHECK(at->generation == 1);
    put(wj, 0);
    wj.worker = 0;
    wj.start = *at;
    self->send(keep(spawn_worker(sys)), run_atom::value, wj);
    run();
    self->receive([&](worker_result& r) {
      CHECK(r.worker == 0);
      CHECK(r.totals.chunks == 200 - before);
    }, [&](caf::error& e) { FAIL(describe(sys, e)); });
    const auto s = stats(wj.ps);
    CHECK(s.updates == 200);
    CHECK(s.rejected == 0);
  }
}
