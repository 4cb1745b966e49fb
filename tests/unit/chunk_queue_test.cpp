// The chunk queue of dynamic partitioning: leases, refusals, releases,
// snapshots, and a randomized fault schedule proving that every chunk of a
// run is applied exactly once, whatever fails.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "actors/cluster/chunk_queue.hpp"
#include "actors/util/rng.hpp"

using namespace actors;

using ids = std::vector<std::uint64_t>;

TEST_CASE("leases are topped up to their depth in increasing order") {
  chunk_queue q{5, 2};
  CHECK(q.lease(0, 0, 2) == ids{0, 1});
  CHECK(q.lease(1, 0, 1) == ids{2});
  CHECK(q.lease(0, 0, 2).empty()); // already holds two
  CHECK(q.complete(0, 0, 0) == chunk_outcome::applied);
  CHECK(q.lease(0, 0, 2) == ids{3});
  CHECK(q.held(0) == 2);
  CHECK(q.applied() == 1);
}

TEST_CASE("a chunk is applied once, and only from the incarnation it was leased to") {
  chunk_queue q{4, 2};
  q.lease(0, 0, 1); // 0
  q.lease(1, 0, 1); // 1
  CHECK(q.complete(1, 0, 0) == chunk_outcome::stale); // worker 0's
  CHECK(q.complete(0, 1, 0) == chunk_outcome::stale); // a newer generation
  CHECK(q.complete(0, 0, 3) == chunk_outcome::stale); // never leased
  CHECK(q.complete(0, 0, 0) == chunk_outcome::applied);
  CHECK(q.complete(0, 0, 0) == chunk_outcome::stale); // twice
  CHECK(q.complete(5, 0, 1) == chunk_outcome::stale); // unknown worker
  CHECK(q.applied() == 1);
}

TEST_CASE("leased() answers what complete() would, and changes nothing: a "
          "sharded lead's check of a part whose commit is not ordered yet") {
  chunk_queue q{4, 2};
  q.lease(0, 0, 2); // 0, 1
  CHECK(q.leased(0, 0, 1));
  CHECK_FALSE(q.leased(1, 0, 1)); // worker 0's
  CHECK_FALSE(q.leased(0, 1, 1)); // another generation
  CHECK_FALSE(q.leased(0, 0, 3)); // never leased
  CHECK_FALSE(q.leased(7, 0, 1)); // unknown worker
  CHECK(q.leased(0, 0, 1));       // asking twice is still yes
  CHECK(q.held(0) == 2);
  CHECK(q.applied() == 0);
  // The worker is replaced before its commit is ordered: the chunk goes
  // back to the queue, not lost.
  q.release(0);
  CHECK_FALSE(q.leased(0, 0, 1));
  CHECK(q.lease(1, 0, 2) == ids{0, 1});
}

TEST_CASE("a replaced worker's chunks go back to the front, in order") {
  chunk_queue q{6, 2};
  CHECK(q.lease(0, 0, 2) == ids{0, 1});
  CHECK(q.lease(1, 0, 1) == ids{2});
  q.release(0);
  CHECK(q.held(0) == 0);
  // The replacement (generation 1) gets them back before fresh chunk 3.
  CHECK(q.lease(0, 1, 1) == ids{0});
  CHECK(q.lease(1, 0, 2) == ids{1});
  // The old incarnation's late commit is refused.
  CHECK(q.complete(0, 0, 1) == chunk_outcome::stale);
  // A lease from the old incarnation gets nothing.
  CHECK(q.lease(0, 0, 2).empty());
}

TEST_CASE("a newer generation's first lease releases what the older one held") {
  chunk_queue q{4, 1};
  CHECK(q.lease(0, 0, 2) == ids{0, 1});
  CHECK(q.lease(0, 3, 1) == ids{0});
  CHECK(q.snapshot().pending == ids{0, 1});
}

TEST_CASE("a snapshot counts leased and returned chunks as not applied") {
  chunk_queue q{10, 3};
  q.lease(0, 0, 2); // 0 1
  q.lease(1, 0, 2); // 2 3
  q.lease(2, 0, 1); // 4
  q.complete(0, 0, 0);
  q.complete(1, 0, 3);
  q.release(2);
  const auto s = q.snapshot();
  CHECK(s.next_fresh == 5);
  CHECK(s.pending == ids{1, 2, 4});
  CHECK(chunk_queue::check(s, 10));
  chunk_queue back{10, 3, s};
  CHECK(back.applied() == 2);
  CHECK(back.lease(2, 1, 4) == ids{1, 2, 4, 5});
}

TEST_CASE("restored states that cannot be are refused") {
  CHECK_FALSE(chunk_queue::check({11, {}}, 10));
  CHECK_FALSE(chunk_queue::check({5, {5}}, 10));
  CHECK_FALSE(chunk_queue::check({5, {2, 1}}, 10));
  CHECK_FALSE(chunk_queue::check({5, {2, 2}}, 10));
  CHECK(chunk_queue::check({10, {}}, 10));
}

namespace {

// One worker incarnation of the simulation: what it holds, in order.
struct sim_worker {
  std::uint32_t id = 0;
  std::uint32_t generation = 0;
  std::vector<std::uint64_t> held;
};

// A run of `total` chunks on `workers` workers with lease depth `depth`
// under random faults: commits, lost workers (released, replaced with the
// next generation), late commits of replaced incarnations, snapshots, and
// server losses (queue and applied counts back to the newest snapshot, every
// worker replaced). Returns how often each chunk ended up applied.
std::vector<int> run_with_faults(std::uint64_t total, std::uint32_t workers,
                                 std::size_t depth, std::uint64_t seed) {
  rng gen{seed};
  chunk_queue q{total, workers};
  std::vector<int> applied(total, 0);
  chunk_queue_state snap = q.snapshot();
  std::vector<int> applied_at_snap = applied;
  std::vector<sim_worker> ws(workers);
  std::vector<sim_worker> ghosts; // replaced incarnations, still sending
  for (std::uint32_t w = 0; w < workers; ++w) {
    ws[w].id = w;
    ws[w].held = q.lease(w, 0, depth);
  }
  for (int step = 0; step < 100000 && !q.done(); ++step) {
    const auto w = static_cast<std::uint32_t>(gen.below(workers));
    auto& me = ws[w];
    const auto roll = gen.below(100);
    if (roll < 80) { // the oldest held chunk is committed
      if (!me.held.empty()) {
        const auto c = me.held.front();
        me.held.erase(me.held.begin());
        REQUIRE(q.complete(w, me.generation, c) == chunk_outcome::applied);
        ++applied[c];
      }
      for (auto c : q.lease(w, me.generation, depth))
        me.held.push_back(c);
    } else if (roll < 86) { // the worker is lost and replaced
      ghosts.push_back(me);
      q.release(w);
      me.held.clear();
      ++me.generation;
      me.held = q.lease(w, me.generation, depth);
    } else if (roll < 92) { // a replaced incarnation's late commit
      if (!ghosts.empty()) {
        auto& g = ghosts[gen.below(ghosts.size())];
        if (!g.held.empty())
          CHECK(q.complete(g.id, g.generation, g.held.front()) == chunk_outcome::stale);
      }
    } else if (roll < 97) { // a snapshot
      snap = q.snapshot();
      applied_at_snap = applied;
    } else { // the server is lost: back to the snapshot, every worker anew
      q = chunk_queue{total, workers, snap};
      applied = applied_at_snap;
      for (std::uint32_t v = 0; v < workers; ++v) {
        ghosts.push_back(ws[v]);
        ++ws[v].generation;
        ws[v].held = q.lease(v, ws[v].generation, depth);
      }
    }
  }
  REQUIRE(q.done());
  return applied;
}

} // namespace

TEST_CASE("under a random fault schedule every chunk is applied exactly once") {
  for (std::uint32_t workers : {1u, 2u, 3u, 4u})
    for (std::size_t depth : {1u, 2u})
      for (std::uint64_t seed = 1; seed <= 25; ++seed) {
        CAPTURE(workers);
        CAPTURE(depth);
        CAPTURE(seed);
        const auto applied = run_with_faults(300, workers, depth, seed);
        for (std::size_t c = 0; c < applied.size(); ++c)
          REQUIRE(applied[c] == 1);
      }
}

TEST_CASE("the commits of a run are its chunks, whatever the worker count") {
  // 60,000 rows, batch 16, window 5: 750 chunks per epoch; without faults
  // 1 to 4 workers apply exactly 750.
  for (std::uint32_t workers = 1; workers <= 4; ++workers) {
    chunk_queue q{750, workers};
    std::uint64_t commits = 0;
    std::vector<ids> held(workers);
    for (std::uint32_t w = 0; w < workers; ++w)
      held[w] = q.lease(w, 0, 2);
    for (bool any = true; any;) {
      any = false;
      for (std::uint32_t w = 0; w < workers; ++w) {
        if (held[w].empty())
          continue;
        any = true;
        CHECK(q.complete(w, 0, held[w].front()) == chunk_outcome::applied);
        held[w].erase(held[w].begin());
        ++commits;
        for (auto c : q.lease(w, 0, 2))
          held[w].push_back(c);
      }
    }
    CHECK(commits == 750);
    CHECK(q.done());
  }
}
