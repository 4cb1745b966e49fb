// shard_fan_in: a worker's gather of one reply from each of N shards, with
// numbered rounds and a deadline (see the header).
#include <doctest/doctest.h>

#include "actors/cluster/shard_fan_in.hpp"
#include "test_support.hpp"

using namespace actors;
using outcome = shard_fan_in::outcome;

TEST_CASE("cluster.shard_fan_in: a round completes with the last of N replies, "
          "in any order") {
  for (std::size_t n : {1, 2, 3, 7}) {
    CAPTURE(n);
    shard_fan_in g{n};
    const auto r = g.start(0, 10);
    CHECK(r == 1);
    CHECK(g.open());
    // Replies from the last shard down: every one but the last waits.
    for (std::size_t k = n; k-- > 1;) {
      CHECK(g.arrived(r, k) == outcome::wait);
      CHECK(g.received() == n - k);
    }
    CHECK(g.arrived(r, 0) == outcome::complete);
    CHECK_FALSE(g.open());
    // A reply after the round ended changes nothing.
    CHECK(g.arrived(r, 0) == outcome::ignored);
  }
}

TEST_CASE("cluster.shard_fan_in: a shard answering twice does not complete "
          "the round for a shard that is missing") {
  shard_fan_in g{3};
  const auto r = g.start(0, 10);
  CHECK(g.arrived(r, 1) == outcome::wait);
  CHECK(g.arrived(r, 1) == outcome::ignored);
  CHECK(g.arrived(r, 2) == outcome::wait);
  CHECK(g.received() == 2);
  CHECK(g.missing() == "0");
  CHECK(g.arrived(r, 3) == outcome::ignored); // no such shard
  CHECK(g.arrived(r, 0) == outcome::complete);
}

TEST_CASE("cluster.shard_fan_in: a late reply of an earlier round is ignored, "
          "also when the shard's reply of the new round is still missing") {
  shard_fan_in g{2};
  const auto first = g.start(0, 10);
  CHECK(g.arrived(first, 0) == outcome::wait);
  // The caller gave up on the first round (e.g. the worker was stopped and
  // started over); shard 1's reply to it comes late.
  const auto second = g.start(1, 10);
  CHECK(second == first + 1);
  CHECK(g.arrived(first, 1) == outcome::ignored);
  CHECK(g.received() == 0);
  CHECK(g.arrived(second, 1) == outcome::wait);
  CHECK(g.arrived(second, 0) == outcome::complete);
}

TEST_CASE("cluster.shard_fan_in: the first error fails the round once and "
          "names the shard; later replies and errors of it are ignored") {
  shard_fan_in g{3};
  const auto r = g.start(0, 10);
  CHECK(g.arrived(r, 0) == outcome::wait);
  CHECK(g.failed(r, 2, "commit refused") == outcome::failed);
  CHECK_FALSE(g.open());
  CHECK(test::contains(g.why(), "shard 2 of 3"));
  CHECK(test::contains(g.why(), "commit refused"));
  CHECK(g.failed(r, 1, "request_timeout") == outcome::ignored);
  CHECK(g.arrived(r, 1) == outcome::ignored);
  CHECK(test::contains(g.why(), "shard 2 of 3"));
}

TEST_CASE("cluster.shard_fan_in: a lost shard reply ends the round at its "
          "deadline, naming the shards that did not answer") {
  shard_fan_in g{4};
  const auto r = g.start(100, 120);
  CHECK(g.arrived(r, 0) == outcome::wait);
  CHECK(g.arrived(r, 2) == outcome::wait);
  CHECK(g.check(100) == outcome::wait);
  CHECK(g.check(219.9) == outcome::wait);
  CHECK(g.check(220) == outcome::failed);
  CHECK(test::contains(g.why(), "no reply from shard 1, 3 of 4"));
  CHECK_FALSE(g.open());
  // The reply that was lost turns up after all: too late.
  CHECK(g.arrived(r, 1) == outcome::ignored);
  CHECK(g.check(500) == outcome::ignored);
}

TEST_CASE("cluster.shard_fan_in: a complete round has no deadline left") {
  shard_fan_in g{2};
  const auto r = g.start(0, 1);
  CHECK(g.arrived(r, 0) == outcome::wait);
  CHECK(g.arrived(r, 1) == outcome::complete);
  CHECK(g.check(1000) == outcome::ignored);
  CHECK(g.why().empty());
}
