// Tests for the distributed trainers' update rules (trainers/*.hpp) and
// make_rule: server states after hand-computed sequences of commits from
// simulated workers, the worker-side payloads, the schedules swept over
// windows, dist-keras's defaults, the seed workload's ADAG commit count and
// commit counts swept over worker counts, option errors, and Averaging's
// rounds swept over worker counts.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "actors/trainers/adag.hpp"
#include "actors/trainers/aeasgd.hpp"
#include "actors/trainers/averaging.hpp"
#include "actors/trainers/downpour.hpp"
#include "actors/trainers/dynsgd.hpp"
#include "actors/trainers/eamsgd.hpp"
#include "actors/trainers/ensemble.hpp"
#include "actors/trainers/single.hpp"
#include "actors/trainers/update_rule.hpp"
#include "test_support.hpp"

namespace actors {

namespace {

using test::check_near;
using test::check_refused;
using vec = std::vector<float>;

rule_options options(const std::string& name) {
  return test::named<rule_options>(name);
}

std::unique_ptr<update_rule> build(const rule_options& opts) {
  return test::built(make_rule(opts));
}

std::unique_ptr<update_rule> build(const std::string& name) {
  return build(options(name));
}

// A push_then_pull worker's commit: the payload of `w` against `w_pull`.
vec payload_of(const update_rule& rule, const vec& w, const vec& w_pull) {
  vec payload(w.size(), -99.0f);
  rule.make_payload(w.data(), w_pull.data(), payload.data(), w.size());
  return payload;
}

// One commit: worker payload, then the server folds it into `centre`.
void commit(update_rule& rule, vec& centre, const vec& w, const vec& w_pull,
            std::uint64_t updates = 0, std::uint64_t last_update = 0) {
  const vec payload = payload_of(rule, w, w_pull);
  rule.apply(centre.data(), payload.data(), centre.size(), updates,
             last_update);
}

// One commit as the server sees it, and the centre it must leave.
struct commit_step {
  vec w;
  vec w_pull;
  std::uint64_t updates;
  std::uint64_t last_update;
  vec centre_after;
};

// Starting from `centre`, folds in each step's commit in turn and checks the
// centre after each.
void check_commits(update_rule& rule, vec centre,
                   const std::vector<commit_step>& steps) {
  for (std::size_t s = 0; s < steps.size(); ++s) {
    CAPTURE(s);
    const commit_step& step = steps[s];
    commit(rule, centre, step.w, step.w_pull, step.updates, step.last_update);
    check_near(centre, step.centre_after);
  }
}

// Payloads one worker sends over `epochs` epochs of `rows` rows, found by
// asking the rule at every batch as the worker loop does (the last partial
// batch is dropped, as in dist-keras).
std::size_t simulate_commits(const update_rule& rule, std::size_t rows,
                             std::size_t batch, std::size_t epochs) {
  const std::size_t batches = rows / batch;
  std::size_t sent = 0;
  for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
    for (std::size_t i = 1; i <= batches; ++i) {
      if (rule.communicate_before(i))
        ++sent;
      // ... train batch i ...
      if (rule.communicate_after(i))
        ++sent;
    }
    if (rule.communicate_at_epoch_end())
      ++sent;
  }
  return sent;
}

} // namespace

TEST_SUITE("trainers") {

// -- server state after a known sequence of commits ---------------------------

TEST_CASE("downpour server: C += W - W_pull, whatever the staleness") {
  const vec c0 = {1.0f, 2.0f, 3.0f};
  check_commits(*build("downpour"), c0,
    {// Worker A pulled C0: delta = {1.5, 1, 3.25} - C0 = {0.5, -1, 0.25}.
     {{1.5f, 1.0f, 3.25f}, c0, 0, 0, {1.5f, 1.0f, 3.25f}},
     // Worker B also pulled C0 (two updates ago; DOWNPOUR ignores that):
     // delta = {0, 2.5, 2} - C0 = {-1, 0.5, -1} -> C = {0.5, 1.5, 2.25}.
     {{0.0f, 2.5f, 2.0f}, c0, 1, 0, {0.5f, 1.5f, 2.25f}},
     // Worker A again, having pulled {1.5, 1, 3.25}: delta = {0.5, 0, -0.25}
     // -> C = {1, 1.5, 2}.
     {{2.0f, 1.0f, 3.0f}, {1.5f, 1.0f, 3.25f}, 2, 1, {1.0f, 1.5f, 2.0f}}});
}

TEST_CASE("adag server: C += (W - W_pull) / window (window 4, 3 workers)") {
  auto opts = options("adag");
  opts.window = 4;
  const vec c0 = {1.0f, 2.0f, 3.0f};
  check_commits(*build(opts), c0,
    {// A: ({3, 0, 3.5} - C0) / 4 = {2, -2, 0.5} / 4 = {0.5, -0.5, 0.125}.
     {{3.0f, 0.0f, 3.5f}, c0, 0, 0, {1.5f, 1.5f, 3.125f}},
     // B: ({1, 6, -1} - C0) / 4 = {0, 4, -4} / 4 = {0, 1, -1}.
     {{1.0f, 6.0f, -1.0f}, c0, 0, 0, {1.5f, 2.5f, 2.125f}},
     // C pulled after A's commit: ({2.5, 1.5, 3.125} - {1.5, 1.5, 3.125}) / 4
     // = {0.25, 0, 0}.
     {{2.5f, 1.5f, 3.125f}, {1.5f, 1.5f, 3.125f}, 0, 0,
      {1.75f, 2.5f, 2.125f}}});
}

TEST_CASE("dynsgd server: C += (W - W_pull) / ((updates - last_update) + 1)") {
  // Workers A, B and C all pulled C0 when updates was 0.
  const vec c0 = {1.0f, 2.0f, 3.0f};
  check_commits(*build("dynsgd"), c0,
    {// A, fresh (updates 0, last 0, s = 1): r = {0.5, -0.25, 1}.
     {{1.5f, 1.75f, 4.0f}, c0, 0, 0, {1.5f, 1.75f, 4.0f}},
     // B, one update stale (updates 1, last 0, s = 2): r = {1, 0.5, -0.5},
     // r / 2 = {0.5, 0.25, -0.25}.
     {{2.0f, 2.5f, 2.5f}, c0, 1, 0, {2.0f, 2.0f, 3.75f}},
     // C, pulled at updates 0 and the server has since applied 2 (s = 3):
     // r = {0.75, -0.75, 0.75}, r / 3 = {0.25, -0.25, 0.25}.
     {{1.75f, 1.25f, 3.75f}, c0, 2, 0, {2.25f, 1.75f, 4.0f}},
     // A again, pulled {1.5, 1.75, 4} at updates 1; now updates 3 (s = 3):
     // r = {1.125, 2.5, 5.5} - {1.5, 1.75, 4} = {-0.375, 0.75, 1.5},
     // r / 3 = {-0.125, 0.25, 0.5}.
     {{1.125f, 2.5f, 5.5f}, {1.5f, 1.75f, 4.0f}, 3, 1, {2.125f, 2.0f, 4.5f}}});
  CHECK(dynsgd::staleness_divisor(7, 7) == 1);
  CHECK(dynsgd::staleness_divisor(7, 2) == 6);
  CHECK(dynsgd::staleness_divisor(2, 7) == 1); // A count from the future.
}

TEST_CASE("aeasgd: elastic steps of 2 workers and the server's C += E") {
  // rho 2.5, elastic_lr 0.1: a = 0.25 (not 0.5, where W - E = C + E and a
  // sign error on either side could go unseen).
  auto opts = options("aeasgd");
  opts.rho = 2.5;
  opts.elastic_lr = 0.1;
  auto rule = build(opts);
  CHECK(static_cast<const aeasgd&>(*rule).alpha()
        == doctest::Approx(0.25).epsilon(1e-12));
  vec centre = {1.0f, 2.0f, 3.0f};
  vec e(3);
  auto step = [&](vec& w) {
    rule->elastic_step(w.data(), centre.data(), e.data(), w.size());
    rule->apply(centre.data(), e.data(), centre.size(), 0, 0);
  };
  // A: W - C = {3, 2, -1} - {1, 2, 3} = {2, 0, -4}; E = {0.5, 0, -1};
  // W = {2.5, 2, 0}; C = {1.5, 2, 2}.
  vec a = {3.0f, 2.0f, -1.0f};
  step(a);
  check_near(e, {0.5f, 0.0f, -1.0f});
  check_near(a, {2.5f, 2.0f, 0.0f});
  check_near(centre, {1.5f, 2.0f, 2.0f});
  // B: W - C = {-0.5, 4, 2} - {1.5, 2, 2} = {-2, 2, 0}; E = {-0.5, 0.5, 0};
  // W = {0, 3.5, 2}; C = {1, 2.5, 2}.
  vec b = {-0.5f, 4.0f, 2.0f};
  step(b);
  check_near(b, {0.0f, 3.5f, 2.0f});
  check_near(centre, {1.0f, 2.5f, 2.0f});
  // A after training to {3, 2.5, 0}: W - C = {2, 0, -2}; E = {0.5, 0, -0.5};
  // W = {2.5, 2.5, 0.5}; C = {1.5, 2.5, 1.5}.
  a = {3.0f, 2.5f, 0.0f};
  step(a);
  check_near(a, {2.5f, 2.5f, 0.5f});
  check_near(centre, {1.5f, 2.5f, 1.5f});
}

TEST_CASE("averaging server: C = the mean of each round, 1 to 8 workers") {
  const vec unused = {-7.0f, -7.0f, -7.0f}; // W_pull: averaging ignores it.
  for (std::size_t workers = 1; workers <= 8; ++workers) {
    CAPTURE(workers);
    auto opts = options("averaging");
    opts.workers = workers;
    auto rule = build(opts);
    vec centre = {1.0f, 1.0f, 1.0f};
    for (int round = 1; round <= 2; ++round) {
      CAPTURE(round);
      // Worker k sends {k, -2k, round}; the mean of k = 0 .. workers - 1 is
      // {(workers - 1) / 2, -(workers - 1), round}, exact in binary.
      const vec before = centre;
      for (std::size_t k = 0; k < workers; ++k) {
        CHECK(rule->round_complete() == (k == 0));
        check_near(centre, before); // Held until the round is complete.
        const auto x = static_cast<float>(k);
        commit(*rule, centre, {x, -2.0f * x, static_cast<float>(round)},
               unused);
      }
      CHECK(rule->round_complete());
      const auto half = static_cast<float>(workers - 1) / 2.0f;
      check_near(centre, {half, -2.0f * half, static_cast<float>(round)});
    }
  }
}

// -- worker side --------------------------------------------------------------

TEST_CASE("payloads: adag divides by the window, downpour and dynsgd do not") {
  const vec w = {2.0f, 4.0f, 6.0f, -1.0f};
  const vec w_pull = {1.0f, 1.0f, 1.0f, 1.0f};
  auto opts = options("adag");
  opts.window = 5;
  // {1, 3, 5, -2} / 5.
  check_near(payload_of(*build(opts), w, w_pull), {0.2f, 0.6f, 1.0f, -0.4f});
  check_near(payload_of(*build("downpour"), w, w_pull),
              {1.0f, 3.0f, 5.0f, -2.0f});
  check_near(payload_of(*build("dynsgd"), w, w_pull),
              {1.0f, 3.0f, 5.0f, -2.0f});
  // Averaging sends the weights themselves.
  check_near(payload_of(*build("averaging"), w, w_pull), w);
  // Default adag window 12: {1, 3, 5, -2} / 12.
  check_near(payload_of(*build("adag"), w, w_pull),
              {1.0f / 12, 3.0f / 12, 5.0f / 12, -2.0f / 12});
}

TEST_CASE("eamsgd: the same elastic step as aeasgd (a = 5 * 0.1 = 0.5)") {
  auto rule = build("eamsgd");
  vec w = {4.0f, 0.0f, 1.0f};
  const vec centre = {2.0f, 2.0f, 1.0f};
  vec e(3);
  rule->elastic_step(w.data(), centre.data(), e.data(), w.size());
  // E = 0.5 ({4, 0, 1} - {2, 2, 1}) = {1, -1, 0}; W = {3, 1, 1}.
  check_near(e, {1.0f, -1.0f, 0.0f});
  check_near(w, {3.0f, 1.0f, 1.0f});
  CHECK(rule->worker_optimizer() == "sgd");
  CHECK(build("aeasgd")->worker_optimizer().empty());
  CHECK(build("adag")->worker_optimizer().empty());
}

TEST_CASE("schedules: every window-th batch, before or after it, windows "
          "1 to 16 and the default") {
  struct windowed {
    const char* name;
    std::size_t default_window;
    bool before; // Communicates before the batch (else after it).
    exchange_kind kind;
  };
  for (const auto& t :
       {windowed{"downpour", 5, true, exchange_kind::push_then_pull},
        windowed{"adag", 12, false, exchange_kind::push_then_pull},
        windowed{"dynsgd", 5, false, exchange_kind::push_then_pull},
        windowed{"aeasgd", 32, true, exchange_kind::pull_then_push},
        windowed{"eamsgd", 32, true, exchange_kind::pull_then_push}}) {
    for (std::size_t window = 0; window <= 16; ++window) { // 0: the default.
      CAPTURE(t.name);
      CAPTURE(window);
      auto opts = options(t.name);
      opts.window = window;
      auto rule = build(opts);
      const std::size_t w = window == 0 ? t.default_window : window;
      CHECK(rule->kind() == t.kind);
      CHECK_FALSE(rule->communicate_at_epoch_end());
      // Batch numbers start at 1: batch 0 never communicates.
      for (std::size_t i = 0; i <= 3 * w + 1; ++i) {
        CAPTURE(i);
        const bool due = i != 0 && i % w == 0;
        CHECK(rule->communicate_before(i) == (t.before && due));
        CHECK(rule->communicate_after(i) == (!t.before && due));
      }
    }
  }
}

TEST_CASE("schedules of the trainers without a window") {
  SUBCASE("averaging: only at the end of each epoch") {
    auto rule = build("averaging");
    CHECK(rule->communicate_at_epoch_end());
    for (std::size_t i = 1; i <= 64; ++i) {
      CAPTURE(i);
      CHECK_FALSE(rule->communicate_before(i));
      CHECK_FALSE(rule->communicate_after(i));
    }
  }
  SUBCASE("single and ensemble: never, no server") {
    for (const char* name : {"single", "ensemble"}) {
      CAPTURE(name);
      auto rule = build(name);
      CHECK(rule->kind() == exchange_kind::none);
      CHECK_FALSE(rule->communicate_before(5));
      CHECK_FALSE(rule->communicate_after(5));
      CHECK_FALSE(rule->communicate_at_epoch_end());
      CHECK(commits_per_epoch(*rule, 100) == 0);
    }
  }
}

TEST_CASE("the default payload and elastic step are harmless no-ops") {
  // ADAG is push_then_pull: elastic_step must not move W and sends zeros.
  auto push = build("adag");
  vec w = {1.0f, 2.0f, 3.0f};
  const vec centre = {5.0f, 5.0f, 5.0f};
  vec payload = {9.0f, 9.0f, 9.0f};
  push->elastic_step(w.data(), centre.data(), payload.data(), 3);
  check_near(w, {1.0f, 2.0f, 3.0f});
  check_near(payload, {0.0f, 0.0f, 0.0f});
  // AEASGD is pull_then_push: make_payload writes zeros.
  auto pull = build("aeasgd");
  payload = {9.0f, 9.0f, 9.0f};
  pull->make_payload(w.data(), centre.data(), payload.data(), 3);
  check_near(payload, {0.0f, 0.0f, 0.0f});
}

// -- defaults and names -------------------------------------------------------

TEST_CASE("make_rule fills in dist-keras's defaults for 0 and negatives") {
  struct expected_defaults {
    const char* name;
    std::size_t window;
  };
  // Windows from dist-keras 0.2.1; 0 for trainers without one.
  for (const auto& d : {expected_defaults{"single", 0},
                        expected_defaults{"averaging", 0},
                        expected_defaults{"ensemble", 0},
                        expected_defaults{"downpour", 5},
                        expected_defaults{"adag", 12},
                        expected_defaults{"dynsgd", 5},
                        expected_defaults{"aeasgd", 32},
                        expected_defaults{"eamsgd", 32}}) {
    CAPTURE(d.name);
    rule_options opts = options(d.name);
    opts.window = 0;
    opts.rho = -1;
    opts.elastic_lr = -2.5;
    opts.momentum = -0.5;
    opts.num_ensembles = 0;
    auto rule = build(opts);
    CHECK(rule->name() == d.name);
    CHECK(rule->options().name == d.name);
    CHECK(rule->options().window == d.window);
    CHECK(rule->options().rho == 5.0);
    CHECK(rule->options().elastic_lr == 0.1);
    CHECK(rule->options().momentum == 0.9);
    CHECK(rule->options().num_ensembles == 2);
    CHECK(rule->options().workers == 1);
  }
  CHECK(static_cast<const aeasgd&>(*build("aeasgd")).alpha()
        == doctest::Approx(0.5));
  CHECK(static_cast<const eamsgd&>(*build("eamsgd")).momentum() == 0.9);
  CHECK(static_cast<const ensemble&>(*build("ensemble")).num_ensembles() == 2);
}

TEST_CASE("make_rule keeps values that were set") {
  rule_options opts = options("eamsgd");
  opts.window = 1; // Any window >= 1 is accepted.
  opts.rho = 2.0;
  opts.elastic_lr = 0.05;
  opts.momentum = 0.0; // 0 is a momentum, not "unset".
  opts.workers = 7;
  auto rule = build(opts);
  CHECK(rule->options().window == 1);
  CHECK(rule->options().rho == 2.0);
  CHECK(rule->options().elastic_lr == 0.05);
  CHECK(rule->options().momentum == 0.0);
  CHECK(rule->options().workers == 7);
  CHECK(rule->communicate_before(1));
  CHECK(rule->communicate_before(2));
  opts = options("ensemble");
  opts.num_ensembles = 5;
  CHECK(build(opts)->options().num_ensembles == 5);
}

// -- commit counts ------------------------------------------------------------

TEST_CASE("adag commit counts: the seed workload and uneven shards") {
  struct workload {
    std::vector<std::size_t> shard_rows; // One shard per worker.
    std::size_t commits;                 // Over 5 epochs, batch 16, window 5.
  };
  for (const auto& load : {
         // Fashion-MNIST's 60000 training rows over 3 workers: 20000 rows
         // each, batch 16 -> 1250 batches an epoch, window 5 -> 250 commits,
         // 5 epochs: 3 x 250 x 5 = 3750.
         workload{{20000, 20000, 20000}, 3750},
         // 8000 rows: 2667, 2667, 2666 rows -> 166 batches of 16 each (last
         // partial dropped) -> floor(166 / 5) = 33 commits an epoch
         // -> 3 x 33 x 5 = 495.
         workload{{2667, 2667, 2666}, 495}}) {
    CAPTURE(load.commits);
    auto opts = options("adag");
    opts.window = 5;
    opts.workers = load.shard_rows.size();
    auto rule = build(opts);
    std::size_t total = 0;
    std::size_t by_formula = 0;
    for (std::size_t rows : load.shard_rows) {
      total += simulate_commits(*rule, rows, 16, 5);
      by_formula += commits_per_epoch(*rule, rows / 16) * 5;
    }
    CHECK(total == load.commits);
    CHECK(by_formula == load.commits);
  }
}

TEST_CASE("commit counts: 8000 rows over 1 to 8 workers, windows 1 to 16") {
  // Worker k of n gets 8000 / n rows, plus one of the remainder if k is
  // below it; each sends floor(floor(rows / 16) / window) payloads an epoch.
  for (const char* name : {"downpour", "adag", "dynsgd", "aeasgd"}) {
    for (std::size_t workers = 1; workers <= 8; ++workers) {
      for (std::size_t window = 1; window <= 16; ++window) {
        CAPTURE(name);
        CAPTURE(workers);
        CAPTURE(window);
        auto opts = options(name);
        opts.window = window;
        opts.workers = workers;
        auto rule = build(opts);
        std::size_t total = 0;
        std::size_t expected = 0;
        for (std::size_t k = 0; k < workers; ++k) {
          const std::size_t rows =
            8000 / workers + (k < 8000 % workers ? 1 : 0);
          total += simulate_commits(*rule, rows, 16, 2);
          expected += 2 * (rows / 16 / window);
        }
        CHECK(total == expected);
      }
    }
  }
}

TEST_CASE("commits_per_epoch for each kind of schedule") {
  CHECK(commits_per_epoch(*build("downpour"), 12) == 2);  // Before 5, 10.
  CHECK(commits_per_epoch(*build("downpour"), 4) == 0);
  CHECK(commits_per_epoch(*build("adag"), 24) == 2);      // After 12, 24.
  CHECK(commits_per_epoch(*build("dynsgd"), 15) == 3);
  CHECK(commits_per_epoch(*build("aeasgd"), 100) == 3);   // 32, 64, 96.
  CHECK(commits_per_epoch(*build("eamsgd"), 31) == 0);
  CHECK(commits_per_epoch(*build("averaging"), 1250) == 1); // Epoch end.
  CHECK(commits_per_epoch(*build("averaging"), 0) == 1);
  CHECK(commits_per_epoch(*build("single"), 1250) == 0);
  // The simulated loop agrees for every trainer on an awkward size.
  for (const char* name : {"single", "averaging", "ensemble", "downpour",
                           "adag", "dynsgd", "aeasgd", "eamsgd"}) {
    CAPTURE(name);
    auto rule = build(name);
    CHECK(simulate_commits(*rule, 1237 * 16 + 9, 16, 3)
          == 3 * commits_per_epoch(*rule, 1237));
  }
}

// -- errors -------------------------------------------------------------------

TEST_CASE("make_rule rejects bad options, naming the option and value") {
  SUBCASE("unknown name, listing the eight trainers") {
    check_refused(make_rule(options("easgd")),
                  {"name", "'easgd'",
                   "single, averaging, ensemble, downpour, adag, dynsgd, "
                   "aeasgd, eamsgd"});
    check_refused(make_rule(options("ADAG")), {"'ADAG'"});
    check_refused(make_rule(options("")), {"''"});
  }
  SUBCASE("values out of range") {
    using bad = test::bad_options<rule_options>;
    test::check_refusals<rule_options>(make_rule, {
      // Negatives mean the default, 0 is a value.
      bad{"aeasgd", [](rule_options& o) { o.rho = 0.0; }, {"rho", "got 0"}},
      bad{"eamsgd", [](rule_options& o) { o.elastic_lr = 0.0; },
          {"elastic_lr", "got 0"}},
      bad{"eamsgd", [](rule_options& o) { o.momentum = 1.0; }, {"momentum"}},
      bad{"eamsgd", [](rule_options& o) { o.momentum = 1.5; },
          {"momentum", "1.5", "[0, 1)"}},
      bad{"averaging", [](rule_options& o) { o.workers = 0; },
          {"workers", "got 0"}},
      // A bad value is rejected even where the trainer ignores it.
      bad{"adag", [](rule_options& o) { o.rho = 0.0; }, {"rho"}}});
  }
}

// -- averaging rounds ---------------------------------------------------------

TEST_CASE("averaging: C holds until a round is complete; rounds repeat") {
  auto opts = options("averaging");
  opts.workers = 3;
  auto rule = build(opts);
  vec centre = {1.0f, 1.0f, 1.0f};
  const vec unused(3, 0.0f);
  CHECK(rule->round_complete()); // The initial centre may be pulled.
  // Round 1.
  commit(*rule, centre, {3.0f, 0.0f, 6.0f}, unused);
  CHECK_FALSE(rule->round_complete());
  check_near(centre, {1.0f, 1.0f, 1.0f}); // 1 of 3: unchanged.
  commit(*rule, centre, {0.0f, 3.0f, -3.0f}, unused);
  CHECK_FALSE(rule->round_complete());
  check_near(centre, {1.0f, 1.0f, 1.0f}); // 2 of 3: unchanged.
  commit(*rule, centre, {6.0f, 6.0f, 0.0f}, unused);
  CHECK(rule->round_complete());
  check_near(centre, {3.0f, 3.0f, 1.0f}); // {9, 9, 3} / 3.
  // Round 2 starts from an empty sum: round 1 must not leak into it.
  commit(*rule, centre, {1.0f, 2.0f, 3.0f}, unused);
  CHECK_FALSE(rule->round_complete());
  check_near(centre, {3.0f, 3.0f, 1.0f});
  commit(*rule, centre, {2.0f, 3.0f, 4.0f}, unused);
  CHECK_FALSE(rule->round_complete());
  commit(*rule, centre, {6.0f, 1.0f, 2.0f}, unused);
  CHECK(rule->round_complete());
  check_near(centre, {3.0f, 2.0f, 3.0f}); // {9, 6, 9} / 3.
  // One worker: every payload is a complete round.
  auto alone = build("averaging");
  commit(*alone, centre, {0.5f, 0.25f, 8.0f}, unused);
  CHECK(alone->round_complete());
  check_near(centre, {0.5f, 0.25f, 8.0f});
}

} // TEST_SUITE("trainers")

TEST_CASE("applies_by_value: a rule that says so gives the same centre, bit "
          "for bit, applied in ranges as in one call; Averaging does not say so") {
  const std::size_t n = 1000;
  vec centre(n), payload(n);
  for (std::size_t k = 0; k < n; ++k) {
    centre[k] = 0.01f * static_cast<float>(k % 37) - 0.2f;
    payload[k] = 1e-3f * static_cast<float>((k * 7) % 101) - 0.05f;
  }
  for (const char* name : {"downpour", "adag", "dynsgd", "aeasgd", "eamsgd", "averaging"}) {
    CAPTURE(name);
    auto whole = build(name);
    auto ranged = build(name);
    CHECK(whole->applies_by_value() == (std::string{name} != "averaging"));
    if (!whole->applies_by_value())
      continue;
    vec a = centre, b = centre;
    // Staleness 3 (DynSGD divides by 4); the others ignore the counts.
    whole->apply(a.data(), payload.data(), n, 5, 2);
    for (std::size_t first = 0; first < n; first += 96)
      ranged->apply(b.data() + first, payload.data() + first, std::min<std::size_t>(96, n - first),
                    5, 2);
    CHECK(std::memcmp(a.data(), b.data(), n * sizeof(float)) == 0);
    CHECK(a != centre);
  }
}

} // namespace actors
