// The sharded server's rule (train/centre_shard.hpp) against one server: for
// every trainer that allows sharding, N shards fed the parts of the same
// commits in scrambled arrival orders, ordered by the lead's sequencer
// (cluster/commit_sequencer.hpp), end bit for bit on one server's centre
// after the same sequence, with the same update count on every shard and
// DynSGD's staleness the same number on every shard; the trainers that do
// not allow it are refused; a worker lost halfway through a commit leaves it
// applied nowhere.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "actors/cluster/commit_sequencer.hpp"
#include "actors/cluster/shard_plan.hpp"
#include "actors/train/centre_shard.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/util/rng.hpp"
#include "test_support.hpp"

using namespace actors;
using actors::test::check_refused;

namespace {

using vec = std::vector<float>;

struct ordered_commit {
  commit_order order;
  vec payload;
};

// A run of `commits` commits by `workers` workers over a centre of `n`
// values cut into `shards` shards; each worker's parts reach the shards in a
// random interleaving with the other workers'. Returns the commits in the
// order the sequencer gave them; `out` gets the shards, `stale` per commit
// the staleness each shard applied it with.
std::vector<ordered_commit> run_sharded(const rule_options& trainer, const vec& start,
                                        std::size_t shards, std::size_t workers,
                                        std::size_t commits, std::uint64_t seed,
                                        std::vector<centre_shard>& out,
                                        std::vector<std::vector<std::uint64_t>>& stale) {
  const auto ranges = shard_ranges(start.size(), shards);
  for (const auto& r : ranges)
    out.push_back(test::built(centre_shard::make(
      trainer, r.offset, vec(start.begin() + r.offset, start.begin() + r.end()), 0,
      workers)));
  commit_sequencer lead{shards, workers, 0};
  rng random{seed};
  // Per worker: its commit in flight, the shards still to receive it, and the
  // version of its last reply (DynSGD's last_update).
  std::vector<vec> payload(workers);
  std::vector<std::vector<std::size_t>> undelivered(workers);
  std::vector<std::uint64_t> seen(workers, 0);
  std::vector<ordered_commit> sequence;
  std::size_t started = 0;
  auto start_commit = [&](std::size_t w) {
    payload[w].resize(start.size());
    for (auto& v : payload[w])
      v = random.uniform(-0.01f, 0.01f);
    for (std::size_t k = 0; k < shards; ++k)
      undelivered[w].push_back(k);
    ++started;
  };
  for (std::size_t w = 0; w < workers && started < commits; ++w)
    start_commit(w);
  while (sequence.size() < commits) {
    // Deliver one part: a random worker's part to a random remaining shard.
    std::size_t w = random.below(workers);
    while (undelivered[w].empty())
      w = (w + 1) % workers;
    auto& left = undelivered[w];
    const std::size_t pick = random.below(left.size());
    const std::size_t k = left[pick];
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(pick));
    const auto& r = ranges[k];
    REQUIRE(out[k].hold(static_cast<std::uint32_t>(w), 0,
                        vec(payload[w].begin() + r.offset, payload[w].begin() + r.end())));
    const auto step = lead.held(static_cast<std::uint32_t>(w), 0, k, seen[w]);
    REQUIRE(step.kind != sequencer_step::refused);
    if (step.kind != sequencer_step::ordered)
      continue;
    // The order reaches every shard; each applies its part and replies.
    stale.emplace_back();
    for (auto& shard : out) {
      const auto& o = step.order;
      auto done = test::built(shard.apply(o.seq, o.worker, o.generation, o.last_update));
      stale.back().push_back(done.staleness);
    }
    sequence.push_back({step.order, payload[w]});
    seen[w] = step.order.seq + 1; // every shard's reply carries this version
    if (started < commits)
      start_commit(w);
  }
  return sequence;
}

} // namespace

TEST_CASE("N shards end bit for bit on one server's centre, for every shardable trainer") {
  const std::size_t n = 1037; // not a multiple of any shard count below
  rng random{7};
  vec start(n);
  for (auto& v : start)
    v = random.uniform(-1.0f, 1.0f);
  std::size_t trainers = 0;
  for (const auto& entry : trainer_registry()) {
    if (!entry.sharding)
      continue;
    ++trainers;
    for (std::size_t shards : {2, 3, 7}) {
      CAPTURE(entry.name);
      CAPTURE(shards);
      auto trainer = test::named<rule_options>(entry.name);
      trainer.workers = 4;
      std::vector<centre_shard> parts;
      std::vector<std::vector<std::uint64_t>> stale;
      const auto sequence = run_sharded(trainer, start, shards, 4, 60,
                                        shards * 1000 + trainers, parts, stale);
      // One server applies the same commits in the same order.
      auto rule = test::built(make_rule(trainer));
      vec centre = start;
      std::uint64_t updates = 0;
      std::size_t stale_commits = 0;
      for (std::size_t q = 0; q < sequence.size(); ++q) {
        const auto& c = sequence[q];
        REQUIRE(c.order.seq == updates);
        rule->apply(centre.data(), c.payload.data(), n, updates, c.order.last_update);
        // Every shard applied commit q with the server's staleness.
        for (auto s : stale[q])
          CHECK(s == updates - c.order.last_update);
        stale_commits += updates > c.order.last_update ? 1 : 0;
        ++updates;
      }
      CHECK(stale_commits > 0); // the interleaving did make commits stale
      vec joined;
      for (const auto& shard : parts) {
        CHECK(shard.updates() == 60);
        CHECK(shard.offset() == joined.size());
        joined.insert(joined.end(), shard.values().begin(), shard.values().end());
      }
      REQUIRE(joined.size() == n);
      CHECK(std::memcmp(joined.data(), centre.data(), n * sizeof(float)) == 0);
      CHECK(std::memcmp(centre.data(), start.data(), n * sizeof(float)) != 0);
    }
  }
  CHECK(trainers == 5); // downpour, adag, dynsgd, aeasgd, eamsgd
}

TEST_CASE("DynSGD's divisor differs with the order, so the shards must share one") {
  // The same two commits applied in the two orders give different values:
  // shards left to their own arrival order would disagree with any single
  // server. The sequencer is what makes them agree (test above).
  auto trainer = test::named<rule_options>("dynsgd");
  auto rule = test::built(make_rule(trainer));
  vec ab{1.0f}, ba{1.0f};
  const vec a{0.3f}, b{0.7f};
  rule->apply(ab.data(), a.data(), 1, 0, 0);
  rule->apply(ab.data(), b.data(), 1, 1, 0); // b waited for a: s = 2
  rule->apply(ba.data(), b.data(), 1, 0, 0);
  rule->apply(ba.data(), a.data(), 1, 1, 0);
  CHECK(ab[0] == doctest::Approx(1.0f + 0.3f + 0.35f));
  CHECK(ba[0] == doctest::Approx(1.0f + 0.7f + 0.15f));
}

TEST_CASE("trainers without an element-wise server rule refuse --ps-shards above 1") {
  for (const char* name : {"averaging", "single", "ensemble"}) {
    CAPTURE(name);
    CHECK(check_shards(name, 1));
    const auto st = check_shards(name, 3);
    REQUIRE_FALSE(st);
    CHECK(test::contains(st.message(), "option 'ps-shards'"));
    CHECK(test::contains(st.message(), std::string{"'"} + name + "'"));
    CHECK(test::contains(st.message(), "got 3"));
    CHECK(test::contains(st.message(), "downpour, adag, dynsgd, aeasgd, eamsgd"));
    check_refused(centre_shard::make(test::named<rule_options>(name), 0, vec(4), 0, 1),
                  {"ps-shards", name});
  }
  CHECK(test::contains(check_shards("averaging", 2).message(), "once an epoch"));
  CHECK(test::contains(check_shards("single", 2).message(), "no parameter server"));
  for (const char* name : {"downpour", "adag", "dynsgd", "aeasgd", "eamsgd"})
    CHECK(check_shards(name, 64));
}

TEST_CASE("a worker lost halfway through a commit leaves it applied on no shard") {
  auto trainer = test::named<rule_options>("adag");
  trainer.workers = 1;
  std::vector<centre_shard> shards;
  for (std::size_t k = 0; k < 3; ++k)
    shards.push_back(test::built(centre_shard::make(trainer, 2 * k, vec(2, 1.0f), 0, 1)));
  commit_sequencer lead{3, 1, 0};
  // Generation 0's parts reach shards 0 and 1; then its node is lost.
  for (std::size_t k = 0; k < 2; ++k) {
    REQUIRE(shards[k].hold(0, 0, vec(2, 0.5f)));
    CHECK(lead.held(0, 0, k, 0).kind == sequencer_step::wait);
  }
  // reassign: every shard and the lead fence generation 0.
  lead.fence(0, 1);
  for (auto& s : shards)
    s.fence(0, 1);
  CHECK_FALSE(shards[0].holds(0));
  CHECK_FALSE(shards[2].hold(0, 0, vec(2, 0.5f))); // the late third part
  // The replacement commits once, everywhere.
  sequencer_step step;
  for (std::size_t k = 0; k < 3; ++k) {
    REQUIRE(shards[k].hold(0, 1, vec(2, 0.25f)));
    step = lead.held(0, 1, k, 0);
  }
  REQUIRE(step.kind == sequencer_step::ordered);
  for (auto& s : shards) {
    REQUIRE(s.apply(step.order.seq, 0, 1, 0).has_value());
    CHECK(s.updates() == 1);
    CHECK(s.values() == vec(2, 1.25f));
  }
}

TEST_CASE("a shard refuses parts and orders that do not fit") {
  auto trainer = test::named<rule_options>("downpour");
  trainer.workers = 2;
  auto shard = test::built(centre_shard::make(trainer, 10, vec(3, 0.0f), 5, 2));
  CHECK(shard.updates() == 5);
  CHECK_FALSE(shard.hold(0, 0, vec(2, 1.0f)));  // wrong size
  CHECK_FALSE(shard.hold(2, 0, vec(3, 1.0f)));  // no worker 2
  vec bad(3, 1.0f);
  bad[1] = std::numeric_limits<float>::quiet_NaN();
  CHECK_FALSE(shard.hold(0, 0, bad));
  REQUIRE(shard.hold(0, 0, vec(3, 1.0f)));
  CHECK_FALSE(shard.hold(0, 0, vec(3, 1.0f)));  // already held
  check_refused(shard.apply(4, 0, 0, 0), {"out of sequence", "update 5"});
  check_refused(shard.apply(5, 1, 0, 0), {"does not hold"});
  check_refused(shard.apply(5, 0, 1, 0), {"does not hold"}); // other generation
  CHECK(shard.apply(5, 0, 0, 3)->staleness == 2);
  CHECK(shard.values() == vec(3, 1.0f));
  check_refused(centre_shard::make(trainer, 0, {}, 0, 1), {"at least one value"});
}
