// A sharded parameter server (--ps-shards=N): N parameter server actors,
// each holding one range, applying every commit in the lead's order
// (runtime/ps_shards.cpp), and workers that send each shard its range and
// join the replies (runtime/server_link.cpp), all under CAF's test
// coordinator.
#include "actor_test_support.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "actors/cluster/shard_plan.hpp"
#include "actors/metrics/registry.hpp"
#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/runtime/progress_sink.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/runtime/worker.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/trainers/update_rule.hpp"
#include "actors/util/rng.hpp"

using namespace actors;

namespace {

constexpr std::uint64_t rows_per_worker = 16;

struct fixture : testing::keeping_fixture<testing::sim_config> {
  /// N shards of a server starting from `weights`, introduced to each other;
  /// with `sink`, a snapshot every `every` updates; `fault_timeout`: the
  /// driver's, for the shards' watch of each other.
  std::vector<ps_actor> spawn_shards(const job_spec& job, const std::vector<float>& weights,
                                     std::size_t n, progress_actor sink = {},
                                     std::uint64_t every = 0, double fault_timeout = 0) {
    ps_init init;
    init.job = job;
    init.driver = sink;
    init.checkpoint_every = every;
    init.fault_timeout = fault_timeout;
    return spawn_shards_from(init, weights, n);
  }

  /// N shards made from `init` (its job, driver, counters, ...), each with
  /// its range of `weights`, introduced to each other when there are several.
  std::vector<ps_actor> spawn_shards_from(const ps_init& init,
                                          const std::vector<float>& weights, std::size_t n) {
    const auto ranges = shard_ranges(weights.size(), n);
    std::vector<ps_actor> out;
    for (std::size_t k = 0; k < n; ++k) {
      ps_init shard = init;
      shard.weights.values.assign(weights.begin() + static_cast<long>(ranges[k].offset),
                                  weights.begin() + static_cast<long>(ranges[k].end()));
      shard.shard = static_cast<std::uint32_t>(k);
      shard.shards = static_cast<std::uint32_t>(n);
      out.push_back(keep(spawn_parameter_server(sys, std::move(shard))));
    }
    if (n < 2)
      return out;
    std::vector<caf::actor> all;
    for (auto& s : out)
      all.push_back(caf::actor_cast<caf::actor>(s));
    for (std::size_t k = 0; k < n; ++k) {
      auto idx = testing::ask<std::uint32_t>(*this, out[k], peers_atom::value, all);
      REQUIRE(idx);
      CHECK(*idx == k);
    }
    return out;
  }

  ps_actor spawn_server(const job_spec& job, std::vector<float> weights,
                        progress_actor sink = {}, std::uint64_t every = 0) {
    ps_init init;
    init.job = job;
    init.driver = sink;
    init.checkpoint_every = every;
    init.weights.values = std::move(weights);
    return keep(spawn_parameter_server(sys, std::move(init)));
  }

  std::vector<float> centre_of(const ps_actor& s) {
    auto w = testing::ask<weights_msg>(*this, s, weights_atom::value);
    REQUIRE(w);
    return w->weights.values;
  }

  /// The shards' ranges joined in order.
  std::vector<float> joined(const std::vector<ps_actor>& shards) {
    std::vector<float> out;
    for (auto& s : shards) {
      auto r = centre_of(s);
      out.insert(out.end(), r.begin(), r.end());
    }
    return out;
  }

  void put_shard(const loader_actor& loader, std::uint32_t worker) {
    auto rows = testing::ask<std::uint64_t>(*this, loader, put_atom::value,
                                            testing::make_shard(worker, rows_per_worker));
    REQUIRE(rows);
  }

  /// The down messages the fixture's monitors got so far: source and
  /// reason as describe() renders it.
  std::vector<std::pair<caf::actor_addr, std::string>> downs() {
    std::vector<std::pair<caf::actor_addr, std::string>> out;
    while (self->has_next_message())
      self->receive([&](caf::down_msg& dm) {
        out.emplace_back(dm.source, describe(sys, dm.reason));
      });
    return out;
  }

  /// advance_time(ms), then the messages only (sched.run(), which moves the
  /// simulated clock no further), then the down messages they brought.
  std::vector<std::pair<caf::actor_addr, std::string>> downs_after(int ms) {
    advance_time(std::chrono::milliseconds(ms));
    sched.run();
    return downs();
  }

  /// Sends shard k of `shards` the commit part(k), all at once, runs them
  /// and returns the update numbers the shards answered, in shard order.
  std::vector<std::uint64_t> commit_each(const std::vector<ps_actor>& shards,
                                         const std::function<commit_msg(std::size_t)>& part) {
    using handle_type = decltype(self->request(shards[0], caf::infinite,
                                               exchange_atom::value, commit_msg{}));
    std::vector<handle_type> replies;
    for (std::size_t k = 0; k < shards.size(); ++k)
      replies.push_back(self->request(shards[k], caf::infinite, exchange_atom::value, part(k)));
    run();
    std::vector<std::uint64_t> versions;
    for (auto& h : replies) {
      REQUIRE(self->has_next_message());
      h.receive([&](weights_msg& w) { versions.push_back(w.version); },
                [&](caf::error& err) { FAIL(describe(sys, err)); });
    }
    return versions;
  }

  /// A driver's progress sink for a server of `shards` shards, keeping
  /// every snapshot it stores in `kept`.
  progress_actor snapshot_sink(std::size_t shards, std::vector<ps_snapshot>& kept) {
    progress_sink_config cfg;
    cfg.workers = 1;
    cfg.shards = shards;
    cfg.on_checkpoint = [&kept](const ps_snapshot& s) {
      kept.push_back(s);
      return status::ok();
    };
    return keep(spawn_progress_sink(sys, std::move(cfg)));
  }

  /// Runs `workers` workers of `job` against `shards` (or the unsharded
  /// `ps` when shards is empty) to the end; their results.
  std::vector<worker_result> train(const job_spec& job, const ps_actor& ps,
                                   const std::vector<ps_actor>& shards,
                                   std::uint32_t workers) {
    auto loader = keep(spawn_data_loader(sys));
    using handle_type = decltype(self->request(std::declval<worker_actor>(),
                                               caf::infinite, run_atom::value,
                                               worker_job{}));
    std::vector<handle_type> runs;
    for (std::uint32_t w = 0; w < workers; ++w) {
      put_shard(loader, w);
      worker_job wj;
      wj.job = job;
      wj.worker = w;
      wj.ps = ps;
      wj.shards = shards;
      wj.loader = loader;
      auto hdl = keep(spawn_worker(sys));
      runs.push_back(self->request(hdl, caf::infinite, run_atom::value, std::move(wj)));
    }
    run();
    std::vector<worker_result> out;
    for (auto& h : runs) {
      REQUIRE(self->has_next_message());
      h.receive([&](worker_result& r) { out.push_back(std::move(r)); },
                [&](caf::error& err) { FAIL(describe(sys, err)); });
    }
    return out;
  }
};

// One commit of the low-level test: who sent it, what, and the update it
// claimed; the sequence number the shards' replies gave it.
struct sent_commit {
  std::uint32_t worker = 0;
  std::uint64_t last_update = 0;
  std::vector<float> payload;
  std::uint64_t seq = 0;
};

job_spec job_for(const std::string& trainer, std::uint32_t workers) {
  return testing::tiny_job(trainer, workers, 2, 11);
}

/// job_for(trainer, workers) for each of `trainers`, without and, where the
/// trainer allows it, with overlap.
std::vector<job_spec> jobs_for(std::initializer_list<const char*> trainers,
                               std::uint32_t workers) {
  std::vector<job_spec> out;
  for (const char* trainer : trainers)
    for (bool overlap : {false, true}) {
      if (overlap && !find_trainer(trainer)->overlap)
        continue;
      out.push_back(job_for(trainer, workers));
      out.back().schedule.overlap = overlap;
    }
  return out;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "ps_shards: commits whose parts reach the shards in "
                           "different orders are applied in the lead's one "
                           "order: the ranges join bit for bit to one server "
                           "fed that sequence, update counts equal") {
  const std::vector<float> initial = testing::tiny_weights(3); // 51 values
  for (const char* trainer : {"dynsgd", "adag", "downpour", "aeasgd"}) {
    for (std::size_t n : {2u, 3u}) {
      CAPTURE(trainer);
      CAPTURE(n);
      constexpr std::uint32_t workers = 3;
      const auto job = job_for(trainer, workers);
      auto shards = spawn_shards(job, initial, n);
      const auto ranges = shard_ranges(initial.size(), n);
      rng gen{42 + n};
      std::vector<std::uint64_t> last(workers, 0);
      std::vector<sent_commit> log;
      for (int round = 0; round < 6; ++round) {
        // Every worker's part for every shard, sent in a shuffled order, so
        // shard 1 may see worker 2 first and shard 2 worker 0 first.
        using send = std::pair<std::uint32_t, std::size_t>; // worker, shard
        using values = std::vector<float>;
        std::vector<send> sends;
        std::vector<values> payloads(workers);
        for (std::uint32_t w = 0; w < workers; ++w) {
          for (std::size_t i = 0; i < initial.size(); ++i)
            payloads[w].push_back(static_cast<float>(gen.uniform() - 0.5) * 0.1f);
          for (std::size_t k = 0; k < n; ++k)
            sends.emplace_back(w, k);
        }
        for (std::size_t i = sends.size(); i > 1; --i)
          std::swap(sends[i - 1], sends[gen.next() % i]);
        using handle_type = decltype(self->request(shards[0], caf::infinite,
                                                   exchange_atom::value, commit_msg{}));
        using pending_commit = std::tuple<std::uint32_t, std::size_t, handle_type>;
        std::vector<pending_commit> pending;
        for (auto [w, k] : sends) {
          commit_msg m;
          m.worker = w;
          m.last_update = last[w];
          m.payload.values.assign(payloads[w].begin() + static_cast<long>(ranges[k].offset),
                                  payloads[w].begin() + static_cast<long>(ranges[k].end()));
          pending.emplace_back(w, k, self->request(shards[k], caf::infinite,
                                                   exchange_atom::value, std::move(m)));
        }
        run();
        // Every shard answers each commit with the same update number.
        std::map<std::uint32_t, std::uint64_t> version;
        for (auto& [w, k, h] : pending) {
          REQUIRE(self->has_next_message());
          h.receive(
            [&, w = w](weights_msg& r) {
              if (version.count(w) == 0)
                version[w] = r.version;
              CHECK(version[w] == r.version);
            },
            [&](caf::error& err) { FAIL(describe(sys, err)); });
        }
        for (std::uint32_t w = 0; w < workers; ++w) {
          log.push_back({w, last[w], payloads[w], version[w] - 1});
          last[w] = version[w];
        }
      }
      // The sequence numbers are 0 .. 17, each once.
      std::sort(log.begin(), log.end(),
                [](const sent_commit& a, const sent_commit& b) { return a.seq < b.seq; });
      for (std::size_t i = 0; i < log.size(); ++i)
        REQUIRE(log[i].seq == i);
      // One server fed the same commits in that order.
      auto one = spawn_server(job, initial);
      for (auto& c : log) {
        commit_msg m;
        m.worker = c.worker;
        m.last_update = c.last_update;
        m.payload.values = c.payload;
        REQUIRE(testing::ask<weights_msg>(*this, one, exchange_atom::value, std::move(m)));
      }
      const auto want = centre_of(one);
      const auto got = joined(shards);
      REQUIRE(got.size() == want.size());
      CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);
      CHECK(got != initial);
      for (auto& s : shards) {
        CHECK(stats(s).updates == log.size());
        CHECK(stats(s).rejected == 0);
      }
    }
  }
}

TEST_CASE_FIXTURE(fixture, "ps_shards: a reassign at the lead fences the "
                           "replaced worker at every shard: its half-held "
                           "commit is applied nowhere") {
  const std::vector<float> initial = testing::tiny_weights(3);
  const auto job = job_for("adag", 2);
  auto shards = spawn_shards(job, initial, 3);
  const auto ranges = shard_ranges(initial.size(), 3);
  // Worker 0 sends its parts to shards 1 and 2 only, then is replaced.
  using handle_type = decltype(self->request(shards[0], caf::infinite,
                                             exchange_atom::value, commit_msg{}));
  std::vector<handle_type> parts;
  for (std::size_t k : {1u, 2u}) {
    commit_msg m;
    m.worker = 0;
    m.payload.values.assign(ranges[k].count, 1.0f);
    parts.push_back(self->request(shards[k], caf::infinite, exchange_atom::value, m));
  }
  run();
  CHECK_FALSE(self->has_next_message()); // held, waiting for the lead
  auto cursor = testing::ask<partition_cursor>(*this, shards[0], reassign_atom::value,
                                               std::uint32_t{0});
  REQUIRE(cursor);
  CHECK(cursor->generation == 1);
  // Both held parts are answered with an error (the worker was replaced).
  for (auto& h : parts) {
    REQUIRE(self->has_next_message());
    h.receive([&](weights_msg&) { FAIL("a fenced part was applied"); },
              [&](caf::error& err) {
                CHECK(describe(sys, err).find("replaced") != std::string::npos);
              });
  }
  // The replacement's commit goes through on every shard.
  const auto versions = commit_each(shards, [&](std::size_t k) {
    commit_msg m;
    m.worker = 0;
    m.cursor.generation = 1;
    m.payload.values.assign(ranges[k].count, 0.5f);
    return m;
  });
  CHECK(versions == std::vector<std::uint64_t>(3, 1));
  auto got = joined(shards);
  for (std::size_t i = 0; i < got.size(); ++i)
    CHECK(got[i] == initial[i] + 0.5f); // ADAG's server adds the payload
  for (auto& s : shards)
    CHECK(stats(s).updates == 1);
}

TEST_CASE_FIXTURE(fixture, "ps_shards: one worker against 3 shards ends with "
                           "exactly the centre of one server, for every "
                           "shardable trainer, with and without overlap") {
  const auto initial = testing::tiny_weights(5);
  for (const auto& job : jobs_for({"downpour", "adag", "dynsgd", "aeasgd", "eamsgd"}, 1)) {
    CAPTURE(job.trainer.name);
    CAPTURE(job.schedule.overlap);
    auto one = spawn_server(job, initial);
    const auto alone = train(job, one, {}, 1);
    auto shards = spawn_shards(job, initial, 3);
    const auto sharded = train(job, shards[0], shards, 1);
    REQUIRE(alone.size() == 1);
    REQUIRE(sharded.size() == 1);
    CHECK(sharded[0].totals.commits == alone[0].totals.commits);
    const auto want = centre_of(one);
    const auto got = joined(shards);
    REQUIRE(got.size() == want.size());
    CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);
    CHECK(sharded[0].weights.values == alone[0].weights.values);
    for (auto& s : shards)
      CHECK(stats(s).updates == stats(one).updates);
  }
}

TEST_CASE_FIXTURE(fixture, "ps_shards: two workers against 3 shards: every "
                           "commit applied once on every shard, equal update "
                           "counts, as the rule says") {
  const auto initial = testing::tiny_weights(5);
  for (const auto& job : jobs_for({"adag", "dynsgd", "eamsgd"}, 2)) {
    CAPTURE(job.trainer.name);
    CAPTURE(job.schedule.overlap);
    auto shards = spawn_shards(job, initial, 3);
    const auto results = train(job, shards[0], shards, 2);
    auto rule = make_rule(job.trainer);
    REQUIRE(rule);
    const auto commits =
      commits_per_epoch(*rule.value(), rows_per_worker / job.schedule.batch_size)
      * job.schedule.epochs;
    CHECK(commits > 0);
    for (auto& r : results)
      CHECK(r.totals.commits == commits);
    for (auto& s : shards) {
      const auto st = stats(s);
      CHECK(st.updates == 2 * commits);
      CHECK(st.rejected == 0);
    }
    CHECK(joined(shards) != initial);
  }
}

TEST_CASE_FIXTURE(fixture, "ps_shards: the metrics count every commit once: "
                           "with 3 shards in one process actors_ps_updates_total "
                           "equals the updates each shard applied, not 3 times") {
  static metrics::registry reg; // outlives the actors the fixture keeps
  cfg.metrics_registry(&reg);
  const auto job = jobs_for({"adag"}, 2).front();
  auto shards = spawn_shards(job, testing::tiny_weights(5), 3);
  train(job, shards[0], shards, 2);
  const auto updates = stats(shards[0]).updates;
  CHECK(updates > 0);
  for (auto& s : shards)
    CHECK(stats(s).updates == updates);
  const std::string text = reg.render();
  CHECK(text.find("actors_ps_updates_total{node=\"sim\"} " + std::to_string(updates) + "\n")
        != std::string::npos);
  CHECK(text.find("actors_update_staleness_count{node=\"sim\"} " + std::to_string(updates)
                  + "\n")
        != std::string::npos);
  cfg.metrics_registry(nullptr);
}

TEST_CASE_FIXTURE(fixture, "ps_shards: snapshots are a consistent cut: the "
                           "sink joins 3 shards' parts into exactly the "
                           "snapshots one server takes after the same updates") {
  const auto initial = testing::tiny_weights(5);
  for (const auto& job : jobs_for({"adag", "dynsgd", "eamsgd"}, 1)) {
    CAPTURE(job.trainer.name);
    CAPTURE(job.schedule.overlap);
    std::vector<ps_snapshot> alone, sharded;
    auto one = spawn_server(job, initial, snapshot_sink(1, alone), 2);
    train(job, one, {}, 1);
    auto shards = spawn_shards(job, initial, 3, snapshot_sink(3, sharded), 2);
    train(job, shards[0], shards, 1);
    REQUIRE(alone.size() >= 2);
    REQUIRE(sharded.size() == alone.size());
    for (std::size_t i = 0; i < alone.size(); ++i) {
      CAPTURE(i);
      CHECK(sharded[i].updates == alone[i].updates);
      CHECK(sharded[i].updates == 2 * (i + 1));
      REQUIRE(sharded[i].weights.values.size() == initial.size());
      CHECK(std::memcmp(sharded[i].weights.values.data(), alone[i].weights.values.data(),
                        initial.size() * sizeof(float)) == 0);
      CHECK(sharded[i].cursors == alone[i].cursors);
    }
  }
}

TEST_CASE_FIXTURE(fixture, "ps_shards: shards started from a joined snapshot "
                           "go on as one server started from it") {
  const auto initial = testing::tiny_weights(5);
  auto job = job_for("dynsgd", 1);
  std::vector<ps_snapshot> kept;
  auto shards = spawn_shards(job, initial, 3, snapshot_sink(3, kept), 3);
  train(job, shards[0], shards, 1);
  REQUIRE_FALSE(kept.empty());
  const auto& cut = kept.front();
  // A commit on top of the cut, into 3 shards restarted from it and into
  // one server restarted from it: the same centre.
  auto restart = [&](std::size_t n) {
    ps_init init;
    init.job = job;
    init.updates = cut.updates;
    init.cursors = cut.cursors;
    auto out = spawn_shards_from(init, cut.weights.values, n);
    const auto ranges = shard_ranges(initial.size(), n);
    const auto versions = commit_each(out, [&](std::size_t k) {
      commit_msg m;
      m.cursor = cut.cursors[0];
      m.last_update = cut.updates - 1; // one stale: DynSGD divides by 2
      m.payload.values.assign(ranges[k].count, 0.25f);
      return m;
    });
    CHECK(versions == std::vector<std::uint64_t>(n, cut.updates + 1));
    return joined(out);
  };
  const auto one = restart(1);
  const auto three = restart(3);
  CHECK(std::memcmp(one.data(), three.data(), one.size() * sizeof(float)) == 0);
  CHECK(one != cut.weights.values);
}

TEST_CASE_FIXTURE(fixture, "ps_shards: a shard that lost the lead, and the lead "
                           "that lost a shard, end with server_lost after the "
                           "driver's fault timeout + 1 s") {
  // Across nodes a cut between two shards' nodes purges the proxies with
  // remote_link_unreachable (cluster/shard_watch.hpp); here the peer ends
  // with that reason. No driver restarts anything: each watching shard
  // ends by itself, which the driver would see as the server lost.
  // sched.run(): messages only, the simulated clock moves by advance_time
  // alone (the fixture's run() would fire every timeout at once).
  const auto job = job_for("adag", 2);
  auto shards = spawn_shards(job, testing::tiny_weights(3), 3, {}, 0, 5);
  for (auto& s : shards)
    self->monitor(s);
  SUBCASE("shard 2 is lost: the lead ends, then shard 1, which lost it") {
    caf::anon_send_exit(shards[2], caf::exit_reason::remote_link_unreachable);
    sched.run();
    auto d = downs();
    REQUIRE(d.size() == 1);
    CHECK(d[0].first == shards[2].address());
    for (auto ms : {0, 5900})
      CHECK(downs_after(ms).empty());
    d = downs_after(200);
    REQUIRE(d.size() == 1);
    CHECK(d[0].first == shards[0].address());
    CHECK(d[0].second
          == "server_lost: parameter server shard 0 lost shard 2 "
             "(exit_reason(remote_link_unreachable)) and no restart came within 6.0 s");
    // Shard 1 did not watch shard 2; it lost the lead just now.
    CHECK(downs_after(5900).empty());
    d = downs_after(200);
    REQUIRE(d.size() == 1);
    CHECK(d[0].first == shards[1].address());
    CHECK(d[0].second.find("parameter server shard 1 lost the lead shard 0 (server_lost: ")
          != std::string::npos);
  }
  SUBCASE("the lead is lost: every other shard ends") {
    caf::anon_send_exit(shards[0], caf::exit_reason::remote_link_unreachable);
    sched.run();
    REQUIRE(downs().size() == 1);
    CHECK(downs_after(5900).empty());
    auto d = downs_after(200);
    REQUIRE(d.size() == 2);
    for (auto& [who, why] : d) {
      CHECK((who == shards[1].address() || who == shards[2].address()));
      CHECK(why.find("lost the lead shard 0 (exit_reason(remote_link_unreachable))")
            != std::string::npos);
    }
  }
  SUBCASE("a shard killed (the driver's restart, the run's end) ends nobody") {
    caf::anon_send_exit(shards[0], caf::exit_reason::kill);
    sched.run();
    REQUIRE(downs().size() == 1);
    CHECK(downs_after(60000).empty());
  }
}
