#include "actors/data/partition.hpp"

#include <cassert>
#include <limits>
#include <utility>

#include "actors/util/rng.hpp"

namespace actors {

std::vector<std::uint32_t> permutation(std::size_t n, std::uint64_t seed) {
  assert(n <= std::numeric_limits<std::uint32_t>::max());
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i)
    order[i] = static_cast<std::uint32_t>(i);
  // Fisher-Yates from the back: position i swaps with a uniform j in [0, i].
  rng gen{seed};
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(gen.below(i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

std::vector<std::vector<std::uint32_t>> partition(
  const std::vector<std::uint32_t>& order, std::size_t shards) {
  std::vector<std::vector<std::uint32_t>> out(shards);
  const std::size_t n = order.size();
  for (std::size_t k = 0; k < shards; ++k) {
    // Rounding the boundaries down spreads the remainder over the shards, so
    // sizes differ by at most one.
    const std::size_t begin = n * k / shards;
    const std::size_t end = n * (k + 1) / shards;
    out[k].assign(order.begin() + static_cast<std::ptrdiff_t>(begin),
                  order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

std::size_t full_batches(std::size_t rows, std::size_t batch) {
  return batch == 0 ? 0 : rows / batch;
}

} // namespace actors
