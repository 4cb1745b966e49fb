// float_pool (util/float_pool.hpp): a large vector given back is the one
// taken next (same storage, its values not zeroed when the size is the
// same); small vectors are not kept, nor more than pooled_floats_max.
#include <doctest/doctest.h>

#include <cstddef>
#include <vector>

#include "actors/util/float_pool.hpp"

using namespace actors;

namespace {

void drain() {
  while (pooled_floats() > 0)
    take_floats(pooled_floats_min);
}

} // namespace

TEST_CASE("float_pool: a vector given back is taken again, storage and values") {
  drain();
  const std::size_t n = pooled_floats_min + 5;
  std::vector<float> v(n, 2.5f);
  const float* storage = v.data();
  give_floats(std::move(v));
  CHECK(v.empty());
  CHECK(pooled_floats() == 1);
  auto again = take_floats(n);
  CHECK(pooled_floats() == 0);
  CHECK(again.data() == storage);
  CHECK(again.size() == n);
  CHECK(again[n - 1] == 2.5f); // the same size: nothing zeroed
  // A smaller request takes it too (the smallest that fits).
  give_floats(std::move(again));
  std::vector<float> bigger(2 * n);
  const float* bigger_storage = bigger.data();
  give_floats(std::move(bigger));
  CHECK(take_floats(n - 1).data() == storage);
  // Nothing kept holds more: a new vector.
  const auto fresh = take_floats(4 * n);
  CHECK(fresh.data() != bigger_storage);
  CHECK(fresh.size() == 4 * n);
  drain();
}

TEST_CASE("float_pool: small vectors are freed, and at most pooled_floats_max kept") {
  drain();
  give_floats(std::vector<float>(pooled_floats_min - 1));
  CHECK(pooled_floats() == 0);
  for (std::size_t i = 0; i < pooled_floats_max + 3; ++i)
    give_floats(std::vector<float>(pooled_floats_min));
  CHECK(pooled_floats() == pooled_floats_max);
  drain();
  CHECK(pooled_floats() == 0);
}
