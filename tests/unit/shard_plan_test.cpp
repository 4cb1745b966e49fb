// The sharded server's range split and placement (cluster/shard_plan.hpp):
// the seed model's three ranges, every split of small vectors covering each
// value once with sizes within one, the refusals, and round-robin placement
// with more shards than nodes.
#include <doctest/doctest.h>

#include <cstddef>
#include <vector>

#include "actors/cluster/shard_plan.hpp"
#include "test_support.hpp"

using namespace actors;

TEST_CASE("mnist_cnn's 1,048,853 values split into three ranges by count, not by layer") {
  const auto r = shard_ranges(1048853, 3);
  REQUIRE(r.size() == 3);
  CHECK(r[0] == value_range{0, 349617});
  CHECK(r[1] == value_range{349617, 349618});
  CHECK(r[2] == value_range{699235, 349618});
  CHECK(r[2].end() == 1048853);
}

TEST_CASE("every split covers each value once, in order, sizes within one") {
  for (std::size_t n = 1; n <= 40; ++n)
    for (std::size_t shards = 1; shards <= n; ++shards) {
      CAPTURE(n);
      CAPTURE(shards);
      const auto r = shard_ranges(n, shards);
      REQUIRE(r.size() == shards);
      std::size_t next = 0, smallest = n, largest = 0;
      for (const auto& range : r) {
        CHECK(range.offset == next);
        next = range.end();
        smallest = std::min(smallest, range.count);
        largest = std::max(largest, range.count);
      }
      CHECK(next == n);
      CHECK(smallest == n / shards);
      CHECK(largest == (n + shards - 1) / shards);
    }
}

TEST_CASE("a shard count of 0 or above the model's values is refused, naming the option") {
  CHECK(check_shard_count(1, 1));
  CHECK(check_shard_count(3, 1048853));
  for (std::size_t bad : {std::size_t{0}, std::size_t{11}}) {
    const auto st = check_shard_count(bad, 10);
    REQUIRE_FALSE(st);
    CHECK(st.error_code() == status::code::invalid_argument);
    CHECK(test::contains(st.message(), "ps-shards"));
    CHECK(test::contains(st.message(), std::to_string(bad)));
    CHECK(test::contains(st.message(), "10 values"));
  }
}

TEST_CASE("shards go round-robin over the nodes from the server's node, wrapping") {
  // Three nodes, the server's node is the second: 1, 2, 0, then again.
  std::vector<std::size_t> where;
  for (std::size_t k = 0; k < 5; ++k)
    where.push_back(shard_node(k, 1, 3));
  CHECK(where == std::vector<std::size_t>{1, 2, 0, 1, 2});
  // As many shards as nodes: each node holds one.
  for (std::size_t k = 0; k < 4; ++k)
    CHECK(shard_node(k, 0, 4) == k);
  // One node holds them all.
  CHECK(shard_node(6, 0, 1) == 0);
}
