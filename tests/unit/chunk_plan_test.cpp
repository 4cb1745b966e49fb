// The chunk plan of dynamic partitioning: commits per epoch fixed by the
// data, every row once per epoch, the same order on every node.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "actors/cluster/chunk_plan.hpp"

using namespace actors;

TEST_CASE("the seed workload has 750 chunks per epoch and 3,750 in all") {
  // 60,000 rows, batch 16, ADAG window 5, 5 epochs: 3,750 batches per epoch.
  const auto p = make_chunk_plan(60000, 16, 5, 5, 42);
  CHECK(p.batches_per_epoch == 3750);
  CHECK(p.chunks_per_epoch == 750);
  CHECK(p.total_chunks == 3750);
  // The test's MNIST: 8,000 rows -> 500 batches -> 100 chunks per epoch.
  CHECK(make_chunk_plan(8000, 16, 5, 1, 42).chunks_per_epoch == 100);
}

TEST_CASE("the last chunk of an epoch is shorter when the window does not divide it") {
  // 8,000 rows / 16 = 500 batches; window 12 -> 41 chunks of 12 and one of 8.
  const auto p = make_chunk_plan(8000, 16, 12, 2, 1);
  CHECK(p.chunks_per_epoch == 42);
  CHECK(span_of(p, 40).batches == 12);
  const auto last = span_of(p, 41);
  CHECK(last.epoch == 0);
  CHECK(last.first_batch == 492);
  CHECK(last.batches == 8);
  const auto next = span_of(p, 42);
  CHECK(next.epoch == 1);
  CHECK(next.first_batch == 0);
}

TEST_CASE("the chunks of an epoch cover its full batches' rows exactly once") {
  const auto p = make_chunk_plan(1000, 16, 5, 2, 7); // 62 batches, 13 chunks
  for (std::size_t e = 0; e < p.epochs; ++e) {
    const auto order = epoch_order(p, e);
    std::vector<int> seen(p.rows, 0);
    for (std::uint64_t k = 0; k < p.chunks_per_epoch; ++k)
      for (auto r : rows_of(p, order, e * p.chunks_per_epoch + k))
        ++seen[r];
    // 62 * 16 = 992 rows once; the 8 of the partial batch not at all.
    CHECK(std::count(seen.begin(), seen.end(), 1) == 992);
    CHECK(std::count(seen.begin(), seen.end(), 0) == 8);
  }
}

TEST_CASE("epoch orders are the same on every node and differ between epochs") {
  const auto p = make_chunk_plan(500, 10, 5, 3, 9);
  CHECK(epoch_order(p, 1) == epoch_order(make_chunk_plan(500, 10, 5, 3, 9), 1));
  CHECK(epoch_order(p, 0) != epoch_order(p, 1));
  CHECK(epoch_order(p, 0) != epoch_order(make_chunk_plan(500, 10, 5, 3, 10), 0));
}
