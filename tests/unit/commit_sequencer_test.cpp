// The lead shard's order of commits (cluster/commit_sequencer.hpp): a commit
// is numbered once every shard holds its part, numbers are consecutive, and
// reports that contradict the pending commit are refused; a fenced worker's
// partial commit never gets a number.
#include <doctest/doctest.h>

#include "actors/cluster/commit_sequencer.hpp"
#include "test_support.hpp"

using namespace actors;

TEST_CASE("a commit is numbered when the last of its shards holds its part") {
  commit_sequencer seq{3, 2, 10};
  CHECK(seq.held(0, 0, 2, 7).kind == sequencer_step::wait);
  CHECK(seq.held(1, 0, 0, 9).kind == sequencer_step::wait);
  CHECK(seq.held(0, 0, 0, 7).kind == sequencer_step::wait);
  CHECK(seq.parts_held(0) == 2);
  const auto a = seq.held(0, 0, 1, 7);
  REQUIRE(a.kind == sequencer_step::ordered);
  CHECK(a.order.seq == 10);
  CHECK(a.order.worker == 0);
  CHECK(a.order.last_update == 7);
  CHECK(seq.parts_held(0) == 0);
  CHECK(seq.held(1, 0, 2, 9).kind == sequencer_step::wait);
  const auto b = seq.held(1, 0, 1, 9);
  REQUIRE(b.kind == sequencer_step::ordered);
  CHECK(b.order.seq == 11);
  CHECK(seq.next() == 12);
}

TEST_CASE("one shard is its own lead: every part is ordered at once") {
  commit_sequencer seq{1, 1, 0};
  for (std::uint64_t q = 0; q < 4; ++q) {
    const auto s = seq.held(0, 0, 0, q);
    REQUIRE(s.kind == sequencer_step::ordered);
    CHECK(s.order.seq == q);
  }
}

TEST_CASE("contradicting reports are refused and leave the pending commit as it was") {
  commit_sequencer seq{2, 2, 5};
  CHECK(seq.held(0, 1, 0, 4).kind == sequencer_step::wait);
  const auto twice = seq.held(0, 1, 0, 4);
  CHECK(twice.kind == sequencer_step::refused);
  CHECK(test::contains(twice.why, "twice"));
  const auto other = seq.held(0, 1, 1, 3);
  CHECK(other.kind == sequencer_step::refused);
  CHECK(test::contains(other.why, "last update 3"));
  const auto older = seq.held(0, 0, 1, 4);
  CHECK(older.kind == sequencer_step::refused);
  CHECK(test::contains(older.why, "replaced"));
  CHECK(seq.held(0, 1, 2, 4).kind == sequencer_step::refused); // no shard 2
  CHECK(seq.held(2, 1, 0, 4).kind == sequencer_step::refused); // no worker 2
  CHECK(seq.held(1, 0, 0, 6).kind == sequencer_step::refused); // ahead of 5
  CHECK(seq.parts_held(0) == 1);
  CHECK(seq.held(0, 1, 1, 4).kind == sequencer_step::ordered);
  CHECK(seq.next() == 6);
}

TEST_CASE("a worker lost halfway through its commit: fenced, never numbered") {
  commit_sequencer seq{3, 1, 0};
  CHECK(seq.held(0, 0, 0, 0).kind == sequencer_step::wait);
  CHECK(seq.held(0, 0, 1, 0).kind == sequencer_step::wait);
  seq.fence(0, 1); // reassigned: shard 2 never got generation 0's part
  CHECK(seq.parts_held(0) == 0);
  // Shard 2's report of the old part crossed the fence: refused.
  const auto stray = seq.held(0, 0, 2, 0);
  CHECK(stray.kind == sequencer_step::refused);
  CHECK(test::contains(stray.why, "replaced"));
  CHECK(seq.next() == 0);
  // The replacement's first commit gets number 0.
  CHECK(seq.held(0, 1, 2, 0).kind == sequencer_step::wait);
  CHECK(seq.held(0, 1, 0, 0).kind == sequencer_step::wait);
  const auto s = seq.held(0, 1, 1, 0);
  REQUIRE(s.kind == sequencer_step::ordered);
  CHECK(s.order.seq == 0);
  CHECK(s.order.generation == 1);
}
