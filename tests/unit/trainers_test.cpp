// Tests for the distributed trainers' update rules (trainers/*.hpp) and
// make_rule: server states after hand-computed sequences of commits from
// simulated workers, the worker-side payloads and schedules, dist-keras's
// defaults, the seed workload's ADAG commit count, option errors, and
// Averaging's rounds.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
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

namespace actors {

namespace {

using vec = std::vector<float>;

rule_options options(const std::string& name) {
  rule_options opts;
  opts.name = name;
  return opts;
}

std::unique_ptr<update_rule> build(const rule_options& opts) {
  auto made = make_rule(opts);
  if (!made.has_value())
    FAIL(made.error().message());
  return std::move(made).value();
}

std::unique_ptr<update_rule> build(const std::string& name) {
  return build(options(name));
}

// The error message of a rejected option set.
std::string rejection(const rule_options& opts) {
  auto made = make_rule(opts);
  REQUIRE_FALSE(made.has_value());
  CHECK(made.error().error_code() == status::code::invalid_argument);
  return made.error().message();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void check_equal(const vec& actual, const vec& expected) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t k = 0; k < actual.size(); ++k) {
    CAPTURE(k);
    CHECK(actual[k] == doctest::Approx(expected[k]).epsilon(1e-6));
  }
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
  auto rule = build("downpour");
  vec centre = {1.0f, 2.0f, 3.0f};
  const vec c0 = centre;
  // Worker A pulled C0: delta = {1.5, 1, 3.25} - C0 = {0.5, -1, 0.25}.
  commit(*rule, centre, {1.5f, 1.0f, 3.25f}, c0, 0, 0);
  check_equal(centre, {1.5f, 1.0f, 3.25f});
  // Worker B also pulled C0 (two updates ago; DOWNPOUR ignores that):
  // delta = {0, 2.5, 2} - C0 = {-1, 0.5, -1} -> C = {0.5, 1.5, 2.25}.
  commit(*rule, centre, {0.0f, 2.5f, 2.0f}, c0, 1, 0);
  check_equal(centre, {0.5f, 1.5f, 2.25f});
  // Worker A again, having pulled {1.5, 1, 3.25}: delta = {0.5, 0, -0.25}
  // -> C = {1, 1.5, 2}.
  commit(*rule, centre, {2.0f, 1.0f, 3.0f}, {1.5f, 1.0f, 3.25f}, 2, 1);
  check_equal(centre, {1.0f, 1.5f, 2.0f});
}

TEST_CASE("adag server: C += (W - W_pull) / window (window 4, 3 workers)") {
  auto opts = options("adag");
  opts.window = 4;
  auto rule = build(opts);
  vec centre = {1.0f, 2.0f, 3.0f};
  const vec c0 = centre;
  // A: ({3, 0, 3.5} - C0) / 4 = {2, -2, 0.5} / 4 = {0.5, -0.5, 0.125}.
  commit(*rule, centre, {3.0f, 0.0f, 3.5f}, c0);
  check_equal(centre, {1.5f, 1.5f, 3.125f});
  // B: ({1, 6, -1} - C0) / 4 = {0, 4, -4} / 4 = {0, 1, -1}.
  commit(*rule, centre, {1.0f, 6.0f, -1.0f}, c0);
  check_equal(centre, {1.5f, 2.5f, 2.125f});
  // C pulled after A's commit: ({2.5, 1.5, 3.125} - {1.5, 1.5, 3.125}) / 4
  // = {0.25, 0, 0}.
  commit(*rule, centre, {2.5f, 1.5f, 3.125f}, {1.5f, 1.5f, 3.125f});
  check_equal(centre, {1.75f, 2.5f, 2.125f});
}

TEST_CASE("dynsgd server: C += (W - W_pull) / ((updates - last_update) + 1)") {
  auto rule = build("dynsgd");
  vec centre = {1.0f, 2.0f, 3.0f};
  const vec c0 = centre;
  // Workers A, B and C all pulled C0 when updates was 0.
  // A, fresh (updates 0, last 0, s = 1): r = {0.5, -0.25, 1}.
  commit(*rule, centre, {1.5f, 1.75f, 4.0f}, c0, 0, 0);
  check_equal(centre, {1.5f, 1.75f, 4.0f});
  // B, one update stale (updates 1, last 0, s = 2): r = {1, 0.5, -0.5},
  // r / 2 = {0.5, 0.25, -0.25}.
  commit(*rule, centre, {2.0f, 2.5f, 2.5f}, c0, 1, 0);
  check_equal(centre, {2.0f, 2.0f, 3.75f});
  // C, pulled at updates 0 and the server has since applied 2 (s = 3):
  // r = {0.75, -0.75, 0.75}, r / 3 = {0.25, -0.25, 0.25}.
  commit(*rule, centre, {1.75f, 1.25f, 3.75f}, c0, 2, 0);
  check_equal(centre, {2.25f, 1.75f, 4.0f});
  // A again, pulled {1.5, 1.75, 4} at updates 1; now updates 3 (s = 3):
  // r = {1.125, 2.5, 5.5} - {1.5, 1.75, 4} = {-0.375, 0.75, 1.5},
  // r / 3 = {-0.125, 0.25, 0.5}.
  commit(*rule, centre, {1.125f, 2.5f, 5.5f}, {1.5f, 1.75f, 4.0f}, 3, 1);
  check_equal(centre, {2.125f, 2.0f, 4.5f});
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
  check_equal(e, {0.5f, 0.0f, -1.0f});
  check_equal(a, {2.5f, 2.0f, 0.0f});
  check_equal(centre, {1.5f, 2.0f, 2.0f});
  // B: W - C = {-0.5, 4, 2} - {1.5, 2, 2} = {-2, 2, 0}; E = {-0.5, 0.5, 0};
  // W = {0, 3.5, 2}; C = {1, 2.5, 2}.
  vec b = {-0.5f, 4.0f, 2.0f};
  step(b);
  check_equal(b, {0.0f, 3.5f, 2.0f});
  check_equal(centre, {1.0f, 2.5f, 2.0f});
  // A after training to {3, 2.5, 0}: W - C = {2, 0, -2}; E = {0.5, 0, -0.5};
  // W = {2.5, 2.5, 0.5}; C = {1.5, 2.5, 1.5}.
  a = {3.0f, 2.5f, 0.0f};
  step(a);
  check_equal(a, {2.5f, 2.5f, 0.5f});
  check_equal(centre, {1.5f, 2.5f, 1.5f});
}

TEST_CASE("averaging server: 3 workers, C = mean of the round's weights") {
  auto opts = options("averaging");
  opts.workers = 3;
  auto rule = build(opts);
  vec centre = {1.0f, 1.0f, 1.0f};
  const vec unused = {-7.0f, -7.0f, -7.0f}; // W_pull: averaging ignores it.
  commit(*rule, centre, {3.0f, 0.0f, 6.0f}, unused);
  commit(*rule, centre, {0.0f, 3.0f, -3.0f}, unused);
  commit(*rule, centre, {6.0f, 6.0f, 0.0f}, unused);
  // ({3, 0, 6} + {0, 3, -3} + {6, 6, 0}) / 3 = {9, 9, 3} / 3.
  check_equal(centre, {3.0f, 3.0f, 1.0f});
}

// -- worker side --------------------------------------------------------------

TEST_CASE("payloads: adag divides by the window, downpour and dynsgd do not") {
  const vec w = {2.0f, 4.0f, 6.0f, -1.0f};
  const vec w_pull = {1.0f, 1.0f, 1.0f, 1.0f};
  auto opts = options("adag");
  opts.window = 5;
  // {1, 3, 5, -2} / 5.
  check_equal(payload_of(*build(opts), w, w_pull), {0.2f, 0.6f, 1.0f, -0.4f});
  check_equal(payload_of(*build("downpour"), w, w_pull),
              {1.0f, 3.0f, 5.0f, -2.0f});
  check_equal(payload_of(*build("dynsgd"), w, w_pull),
              {1.0f, 3.0f, 5.0f, -2.0f});
  // Averaging sends the weights themselves.
  check_equal(payload_of(*build("averaging"), w, w_pull), w);
  // Default adag window 12: {1, 3, 5, -2} / 12.
  check_equal(payload_of(*build("adag"), w, w_pull),
              {1.0f / 12, 3.0f / 12, 5.0f / 12, -2.0f / 12});
}

TEST_CASE("eamsgd: the same elastic step as aeasgd (a = 5 * 0.1 = 0.5)") {
  auto rule = build("eamsgd");
  vec w = {4.0f, 0.0f, 1.0f};
  const vec centre = {2.0f, 2.0f, 1.0f};
  vec e(3);
  rule->elastic_step(w.data(), centre.data(), e.data(), w.size());
  // E = 0.5 ({4, 0, 1} - {2, 2, 1}) = {1, -1, 0}; W = {3, 1, 1}.
  check_equal(e, {1.0f, -1.0f, 0.0f});
  check_equal(w, {3.0f, 1.0f, 1.0f});
  CHECK(rule->worker_optimizer() == "sgd");
  CHECK(build("aeasgd")->worker_optimizer().empty());
  CHECK(build("adag")->worker_optimizer().empty());
}

TEST_CASE("schedules: the batches at which each trainer communicates") {
  SUBCASE("adag, window 5: after batches 5 and 10, not 4, 6 or before") {
    auto opts = options("adag");
    opts.window = 5;
    auto rule = build(opts);
    CHECK(rule->communicate_after(5));
    CHECK(rule->communicate_after(10));
    CHECK_FALSE(rule->communicate_after(4));
    CHECK_FALSE(rule->communicate_after(6));
    CHECK_FALSE(rule->communicate_after(0));
    CHECK_FALSE(rule->communicate_before(5));
    CHECK_FALSE(rule->communicate_at_epoch_end());
    CHECK(rule->kind() == exchange_kind::push_then_pull);
  }
  SUBCASE("adag, default window 12: after 12 and 24, not 5") {
    auto rule = build("adag");
    CHECK(rule->communicate_after(12));
    CHECK(rule->communicate_after(24));
    CHECK_FALSE(rule->communicate_after(5));
    CHECK_FALSE(rule->communicate_after(13));
  }
  SUBCASE("downpour, window 5: before batches 5 and 10, never after") {
    auto rule = build("downpour");
    CHECK(rule->communicate_before(5));
    CHECK(rule->communicate_before(10));
    CHECK_FALSE(rule->communicate_before(4));
    CHECK_FALSE(rule->communicate_before(6));
    CHECK_FALSE(rule->communicate_after(5));
    CHECK(rule->kind() == exchange_kind::push_then_pull);
  }
  SUBCASE("dynsgd, window 5: after batches 5 and 10") {
    auto rule = build("dynsgd");
    CHECK(rule->communicate_after(5));
    CHECK(rule->communicate_after(10));
    CHECK_FALSE(rule->communicate_after(4));
    CHECK_FALSE(rule->communicate_before(5));
  }
  SUBCASE("aeasgd and eamsgd, window 32: before 32 and 64, pull first") {
    for (const char* name : {"aeasgd", "eamsgd"}) {
      CAPTURE(name);
      auto rule = build(name);
      CHECK(rule->communicate_before(32));
      CHECK(rule->communicate_before(64));
      CHECK_FALSE(rule->communicate_before(31));
      CHECK_FALSE(rule->communicate_before(33));
      CHECK_FALSE(rule->communicate_after(32));
      CHECK(rule->kind() == exchange_kind::pull_then_push);
    }
  }
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
  check_equal(w, {1.0f, 2.0f, 3.0f});
  check_equal(payload, {0.0f, 0.0f, 0.0f});
  // AEASGD is pull_then_push: make_payload writes zeros.
  auto pull = build("aeasgd");
  payload = {9.0f, 9.0f, 9.0f};
  pull->make_payload(w.data(), centre.data(), payload.data(), 3);
  check_equal(payload, {0.0f, 0.0f, 0.0f});
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

TEST_CASE("adag commit count for the seed workload: 3 x 250 x 5 = 3750") {
  // Fashion-MNIST's 60000 training rows over 3 workers: 20000 rows each,
  // batch 16 -> 1250 batches an epoch, window 5 -> 250 commits, 5 epochs.
  auto opts = options("adag");
  opts.window = 5;
  opts.workers = 3;
  auto rule = build(opts);
  std::size_t total = 0;
  for (std::size_t rows : {20000, 20000, 20000})
    total += simulate_commits(*rule, rows, 16, 5);
  CHECK(total == 3750);
  CHECK(commits_per_epoch(*rule, 20000 / 16) * 5 * 3 == 3750);
}

TEST_CASE("adag commit count, uneven shards: 8000 rows over 3 workers = 495") {
  // 2667, 2667, 2666 rows -> 166 batches of 16 each (last partial dropped)
  // -> floor(166 / 5) = 33 commits an epoch -> 3 x 33 x 5 = 495.
  auto opts = options("adag");
  opts.window = 5;
  opts.workers = 3;
  auto rule = build(opts);
  std::size_t total = 0;
  std::size_t by_formula = 0;
  for (std::size_t rows : {2667, 2667, 2666}) {
    total += simulate_commits(*rule, rows, 16, 5);
    by_formula += commits_per_epoch(*rule, rows / 16) * 5;
  }
  CHECK(total == 495);
  CHECK(by_formula == 495);
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
    const auto msg = rejection(options("easgd"));
    CHECK(contains(msg, "name"));
    CHECK(contains(msg, "'easgd'"));
    CHECK(contains(msg, "single, averaging, ensemble, downpour, adag, dynsgd, "
                        "aeasgd, eamsgd"));
    CHECK(contains(rejection(options("ADAG")), "'ADAG'"));
    CHECK(contains(rejection(options("")), "''"));
  }
  SUBCASE("rho 0 (negatives mean the default, 0 is a value)") {
    auto opts = options("aeasgd");
    opts.rho = 0.0;
    const auto msg = rejection(opts);
    CHECK(contains(msg, "rho"));
    CHECK(contains(msg, "got 0"));
  }
  SUBCASE("elastic_lr 0") {
    auto opts = options("eamsgd");
    opts.elastic_lr = 0.0;
    const auto msg = rejection(opts);
    CHECK(contains(msg, "elastic_lr"));
    CHECK(contains(msg, "got 0"));
  }
  SUBCASE("momentum 1 and 1.5") {
    auto opts = options("eamsgd");
    opts.momentum = 1.0;
    CHECK(contains(rejection(opts), "momentum"));
    opts.momentum = 1.5;
    const auto msg = rejection(opts);
    CHECK(contains(msg, "momentum"));
    CHECK(contains(msg, "1.5"));
    CHECK(contains(msg, "[0, 1)"));
  }
  SUBCASE("workers 0") {
    auto opts = options("averaging");
    opts.workers = 0;
    const auto msg = rejection(opts);
    CHECK(contains(msg, "workers"));
    CHECK(contains(msg, "got 0"));
  }
  SUBCASE("a bad value is rejected even where the trainer ignores it") {
    auto opts = options("adag");
    opts.rho = 0.0;
    CHECK(contains(rejection(opts), "rho"));
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
  check_equal(centre, {1.0f, 1.0f, 1.0f}); // 1 of 3: unchanged.
  commit(*rule, centre, {0.0f, 3.0f, -3.0f}, unused);
  CHECK_FALSE(rule->round_complete());
  check_equal(centre, {1.0f, 1.0f, 1.0f}); // 2 of 3: unchanged.
  commit(*rule, centre, {6.0f, 6.0f, 0.0f}, unused);
  CHECK(rule->round_complete());
  check_equal(centre, {3.0f, 3.0f, 1.0f}); // {9, 9, 3} / 3.
  // Round 2 starts from an empty sum: round 1 must not leak into it.
  commit(*rule, centre, {1.0f, 2.0f, 3.0f}, unused);
  CHECK_FALSE(rule->round_complete());
  check_equal(centre, {3.0f, 3.0f, 1.0f});
  commit(*rule, centre, {2.0f, 3.0f, 4.0f}, unused);
  CHECK_FALSE(rule->round_complete());
  commit(*rule, centre, {6.0f, 1.0f, 2.0f}, unused);
  CHECK(rule->round_complete());
  check_equal(centre, {3.0f, 2.0f, 3.0f}); // {9, 6, 9} / 3.
  // One worker: every payload is a complete round.
  auto alone = build("averaging");
  commit(*alone, centre, {0.5f, 0.25f, 8.0f}, unused);
  CHECK(alone->round_complete());
  check_equal(centre, {0.5f, 0.25f, 8.0f});
}

} // TEST_SUITE("trainers")

} // namespace actors
