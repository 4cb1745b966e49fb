// worker: whole training runs of a tiny model on tiny synthetic shards, with
// the parameter server, the data loader and the workers all scheduled by
// CAF's test coordinator (workers spawned attached, not detached, so that
// they run on the coordinator instead of a thread of their own).
#include "actor_test_support.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
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

using testing::make_shard;
using testing::tiny_spec;

constexpr std::uint64_t rows_per_worker = 16;

using testing::sim_config;

job_spec make_job(const std::string& trainer, std::uint32_t workers) {
  return testing::tiny_job(trainer, workers, 2, 11);
}

std::vector<float> initial_weights() { return testing::tiny_weights(5); }

job_spec overlapped_job(const std::string& trainer, std::uint32_t workers) {
  auto job = make_job(trainer, workers);
  job.schedule.overlap = true;
  return job;
}

struct fixture : test_coordinator_fixture<sim_config> {
  fixture() {
    loader = spawn_data_loader(sys);
    spawned.push_back(caf::actor_cast<caf::actor>(loader));
  }

  ~fixture() override {
    // A server holding promises (an incomplete Averaging round) keeps
    // itself alive; stop everything so a failed test cannot hang the actor
    // system's shutdown.
    for (auto& a : spawned)
      anon_send_exit(a, caf::exit_reason::user_shutdown);
    run();
  }

  ps_actor spawn_ps(ps_init init) {
    auto ps = spawn_parameter_server(sys, std::move(init));
    spawned.push_back(caf::actor_cast<caf::actor>(ps));
    return ps;
  }

  worker_actor spawn_worker() {
    auto w = actors::spawn_worker(sys);
    spawned.push_back(caf::actor_cast<caf::actor>(w));
    return w;
  }

  void put_shard(std::uint32_t worker) {
    auto handle = self->request(loader, caf::infinite, put_atom::value,
                                make_shard(worker, rows_per_worker));
    run();
    handle.receive([](std::uint64_t rows) { CHECK(rows == rows_per_worker); },
                   [&](caf::error& err) { FAIL(describe(sys, err)); });
  }

  worker_job make_worker_job(const job_spec& job, std::uint32_t id,
                             const ps_actor& ps) {
    worker_job wj;
    wj.job = job;
    wj.worker = id;
    wj.ps = ps;
    wj.loader = loader;
    return wj;
  }

  /// A server starting from `initial` and two workers of `job` with their
  /// shards, each sent its run request (not yet delivered): the server, the
  /// workers and the two requests, in that order.
  auto start_pair(const job_spec& job, std::vector<float> initial) {
    ps_init init;
    init.job = job;
    init.weights.values = std::move(initial);
    auto ps = spawn_ps(std::move(init));
    put_shard(0);
    put_shard(1);
    auto w0 = spawn_worker();
    auto w1 = spawn_worker();
    auto run0 = self->request(w0, caf::infinite, run_atom::value,
                              make_worker_job(job, 0, ps));
    auto run1 = self->request(w1, caf::infinite, run_atom::value,
                              make_worker_job(job, 1, ps));
    return std::make_tuple(ps, w0, w1, std::move(run0), std::move(run1));
  }

  /// A server starting from initial_weights() and worker 0 of `job` with
  /// its shard, sent its run request (not yet delivered): the server and the
  /// request.
  auto start_one(const job_spec& job) {
    ps_init init;
    init.job = job;
    init.weights.values = initial_weights();
    auto ps = spawn_ps(std::move(init));
    put_shard(0);
    auto w0 = spawn_worker();
    auto run0 = self->request(w0, caf::infinite, run_atom::value,
                              make_worker_job(job, 0, ps));
    return std::make_tuple(ps, std::move(run0));
  }

  template <class Handle>
  worker_result result_of(Handle& handle) {
    worker_result out;
    REQUIRE(self->has_next_message());
    handle.receive([&](worker_result& r) { out = std::move(r); },
                   [&](caf::error& err) { FAIL(describe(sys, err)); });
    return out;
  }

  loader_actor loader;
  std::vector<caf::actor> spawned;
};

} // namespace

TEST_CASE_FIXTURE(fixture, "worker: two ADAG workers train two epochs "
                           "against one parameter server") {
  const auto job = make_job("adag", 2);
  const auto initial = initial_weights();
  REQUIRE(initial.size() == 51);
  auto [ps, w0, w1, run0, run1] = start_pair(job, initial);
  // The start of worker 0, one message at a time: it fetches its shard from
  // the loader, pulls the centre, and only then starts stepping.
  expect((run_atom, worker_job), from(self).to(w0));
  expect((shard_atom, std::uint32_t), from(w0).to(loader).with(_, 0u));
  expect((shard_data), from(loader).to(w0));
  expect((pull_atom, std::uint32_t, bool), from(w0).to(ps).with(_, 0u, false));
  expect((weights_msg), from(ps).to(w0));
  expect((step_atom), from(w0).to(w0));
  // Everything else, until both workers are done.
  run();
  const auto r0 = result_of(run0);
  const auto r1 = result_of(run1);

  auto rule = make_rule(job.trainer);
  REQUIRE(rule);
  const auto batches = rows_per_worker / job.schedule.batch_size;
  const auto commits = commits_per_epoch(*rule.value(), batches) * job.schedule.epochs;
  REQUIRE(commits == 4);
  const std::size_t n = initial.size();
  for (const auto* r : {&r0, &r1}) {
    CAPTURE(r->worker);
    CHECK(r->node == "sim");
    CHECK(r->totals.commits == commits);
    CHECK(r->totals.samples == job.schedule.epochs * rows_per_worker);
    CHECK(r->epoch_loss.size() == job.schedule.epochs);
    CHECK(r->totals.bytes_sent() == commits * n * sizeof(float));
    // The initial pull plus one centre per exchange.
    CHECK(r->totals.bytes_received() == (commits + 1) * n * sizeof(float));
    CHECK(r->weights.values.size() == n);
  }
  CHECK(r0.worker == 0);
  CHECK(r1.worker == 1);

  auto centre_handle = self->request(ps, caf::infinite, weights_atom::value);
  auto stats_handle = self->request(ps, caf::infinite, stats_atom::value);
  run();
  std::vector<float> centre;
  centre_handle.receive([&](weights_msg& w) { centre = w.weights.values; },
                        [&](caf::error& err) { FAIL(describe(sys, err)); });
  ps_stats stats;
  stats_handle.receive([&](ps_stats& s) { stats = s; },
                       [&](caf::error& err) { FAIL(describe(sys, err)); });
  CHECK(stats.updates == 2 * commits);
  CHECK(stats.rejected == 0);
  // Every centre sent counts as a pull: one at each worker's start and one
  // per exchange.
  CHECK(stats.pulls == 2 + 2 * commits);
  REQUIRE(centre.size() == n);
  CHECK(centre != initial);
  // ADAG ends every epoch with an exchange, after which a worker adopts the
  // centre: the worker that exchanged last holds the final centre exactly.
  CHECK((r0.weights.values == centre || r1.weights.values == centre));
}

TEST_CASE_FIXTURE(fixture, "worker: a single trainer runs without a parameter "
                           "server and commits nothing") {
  const auto job = make_job("single", 1);
  put_shard(0);
  auto w0 = spawn_worker();
  auto run0 = self->request(w0, caf::infinite, run_atom::value,
                            make_worker_job(job, 0, ps_actor{}));
  expect((run_atom, worker_job), from(self).to(w0));
  expect((shard_atom, std::uint32_t), from(w0).to(loader).with(_, 0u));
  expect((shard_data), from(loader).to(w0));
  // No pull: the worker initialises its own model and starts stepping.
  expect((step_atom), from(w0).to(w0));
  run();
  const auto r = result_of(run0);
  CHECK(r.worker == 0);
  CHECK(r.totals.commits == 0);
  CHECK(r.totals.samples == job.schedule.epochs * rows_per_worker);
  CHECK(r.totals.bytes_sent() == 0);
  CHECK(r.totals.bytes_received() == 0);
  CHECK(r.epoch_loss.size() == job.schedule.epochs);
  REQUIRE(r.weights.values.size() == 51);
  // It trained: its weights are no longer the ones it drew at the start.
  auto drawn = parse_model_spec(tiny_spec, "tiny");
  REQUIRE(drawn);
  drawn.value().init(job.schedule.seed);
  const auto& net = drawn.value();
  CHECK(r.weights.values
        != std::vector<float>(net.params(), net.params() + net.param_count()));
}

TEST_CASE_FIXTURE(fixture, "worker: a missing shard ends the run with the "
                           "loader's data_not_found") {
  const auto job = make_job("adag", 2);
  ps_init init;
  init.job = job;
  init.weights.values = initial_weights();
  auto ps = spawn_ps(std::move(init));
  auto w1 = spawn_worker();
  auto run1 = self->request(w1, caf::infinite, run_atom::value,
                            make_worker_job(job, 1, ps));
  run();
  REQUIRE(self->has_next_message());
  caf::error err;
  run1.receive([&](worker_result&) { FAIL("the worker ran without a shard"); },
               [&](caf::error& e) { err = std::move(e); });
  CHECK(err.category() == caf::atom("actors"));
  CHECK(err.code() == static_cast<std::uint8_t>(runtime_errc::data_not_found));
}

TEST_CASE_FIXTURE(fixture, "worker: with every server-based trainer, with "
                           "and without overlap, each worker commits as its "
                           "rule says and the server applies every commit") {
  for (const char* trainer :
       {"downpour", "adag", "dynsgd", "aeasgd", "eamsgd", "averaging"}) {
    for (bool overlap : {false, true}) {
      if (overlap && !find_trainer(trainer)->overlap)
        continue;
      CAPTURE(trainer);
      CAPTURE(overlap);
      const auto job = overlap ? overlapped_job(trainer, 2) : make_job(trainer, 2);
      const auto initial = initial_weights();
      auto [ps, w0, w1, run0, run1] = start_pair(job, initial);
      run();
      const auto r0 = result_of(run0);
      const auto r1 = result_of(run1);
      auto rule = make_rule(job.trainer);
      REQUIRE(rule);
      // Overlap changes when a worker waits, never how often it commits.
      const auto commits =
        commits_per_epoch(*rule.value(), rows_per_worker / job.schedule.batch_size)
        * job.schedule.epochs;
      CHECK(commits > 0);
      CHECK(r0.totals.commits == commits);
      CHECK(r1.totals.commits == commits);
      CHECK(r0.totals.samples == job.schedule.epochs * rows_per_worker);
      CHECK(r1.totals.samples == job.schedule.epochs * rows_per_worker);
      // With overlap every exchange is one round trip answered with a centre
      // (AEASGD and EAMSGD too: no pull of their own), plus the first pull.
      if (overlap)
        CHECK(r0.totals.bytes_received() == (commits + 1) * initial.size() * sizeof(float));
      auto stats_handle = self->request(ps, caf::infinite, stats_atom::value);
      auto centre_handle = self->request(ps, caf::infinite, weights_atom::value);
      run();
      stats_handle.receive(
        [&](ps_stats& s) {
          CHECK(s.updates == 2 * commits);
          CHECK(s.rejected == 0);
        },
        [&](caf::error& err) { FAIL(describe(sys, err)); });
      centre_handle.receive(
        [&](weights_msg& w) { CHECK(w.weights.values != initial); },
        [&](caf::error& err) { FAIL(describe(sys, err)); });
    }
  }
}

TEST_CASE_FIXTURE(fixture, "worker: a round that never completes fails the "
                           "waiting worker at the job's timeout, not before") {
  // Averaging with two workers, only one of which runs: its epoch-end
  // exchange waits for a round the server can never complete.
  auto job = make_job("averaging", 2);
  job.schedule.epochs = 1;
  job.schedule.timeout_seconds = 30;
  auto [ps, run0] = start_one(job);
  // Messages only: the simulated clock stands still.
  sched.run();
  CHECK_FALSE(self->has_next_message());
  advance_time(std::chrono::seconds(29));
  sched.run();
  CHECK_FALSE(self->has_next_message());
  advance_time(std::chrono::seconds(2));
  sched.run();
  REQUIRE(self->has_next_message());
  caf::error err;
  run0.receive([&](worker_result&) { FAIL("the round cannot complete"); },
               [&](caf::error& e) { err = std::move(e); });
  CHECK(err == caf::make_error(caf::sec::request_timeout));
  auto stats_handle = self->request(ps, caf::infinite, stats_atom::value);
  sched.run();
  stats_handle.receive([&](ps_stats& s) { CHECK(s.updates == 1); },
                       [&](caf::error& e) { FAIL(describe(sys, e)); });
  // The server still holds the dead worker's promise, and with it a strong
  // reference to itself: only the exit that ~fixture sends ends it.
}

// -- overlapped exchange (--overlap=true) --------------------------------------

TEST_CASE_FIXTURE(fixture, "worker: with overlap the final weights are the "
                           "last centre rebased: W = C + (W - W_sent)") {
  // One ADAG worker, window 2, 4 batches an epoch: its last exchange comes
  // after its last batch, so W = W_sent then and the worker must return the
  // last centre itself, which differs from W_sent (C moves by (W - W_pull)
  // / 2 only). A worker that did not wait for its last reply, or did not
  // rebase, would return W_sent.
  auto [ps, run0] = start_one(overlapped_job("adag", 1));
  run();
  const auto r = result_of(run0);
  CHECK(r.totals.commits == 4);
  auto centre = testing::ask<weights_msg>(*this, ps, weights_atom::value);
  REQUIRE(centre);
  CHECK(centre->weights.values != initial_weights());
  CHECK(r.weights.values == centre->weights.values);
}

TEST_CASE_FIXTURE(fixture, "worker: a job asking averaging to overlap is "
                           "refused with bad_job naming the option") {
  auto [ps, run0] = start_one(overlapped_job("averaging", 1));
  run();
  REQUIRE(self->has_next_message());
  caf::error err;
  run0.receive([&](worker_result&) { FAIL("averaging cannot overlap"); },
               [&](caf::error& e) { err = std::move(e); });
  CHECK(err.code() == static_cast<std::uint8_t>(runtime_errc::bad_job));
  CHECK(describe(sys, err).find("option 'overlap'") != std::string::npos);
}
