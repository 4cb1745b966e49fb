#include "actors/cluster/shard_plan.hpp"

#include <cassert>
#include <string>

namespace actors {

status check_shard_count(std::size_t shards, std::size_t values) {
  if (shards >= 1 && shards <= values)
    return status::ok();
  return status::invalid_argument(
    "option 'ps-shards': expected a number of shards from 1 to the model's "
    + std::to_string(values) + " values, got " + std::to_string(shards));
}

std::vector<value_range> shard_ranges(std::size_t values, std::size_t shards) {
  assert(shards >= 1 && shards <= values);
  std::vector<value_range> out;
  out.reserve(shards);
  // k * values fits: a model has far fewer than 2^64 / shards values.
  for (std::size_t k = 0; k < shards; ++k) {
    const std::size_t begin = k * values / shards;
    const std::size_t end = (k + 1) * values / shards;
    out.push_back({begin, end - begin});
  }
  return out;
}

std::size_t shard_node(std::size_t shard, std::size_t first, std::size_t nodes) {
  assert(nodes >= 1 && first < nodes);
  return (first + shard) % nodes;
}

} // namespace actors
