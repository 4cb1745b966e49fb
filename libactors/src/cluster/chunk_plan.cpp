#include "actors/cluster/chunk_plan.hpp"

#include <algorithm>
#include <cassert>

#include "actors/data/partition.hpp"

namespace actors {

chunk_plan make_chunk_plan(std::size_t rows, std::size_t batch,
                           std::size_t window, std::size_t epochs,
                           std::uint64_t seed) {
  chunk_plan p;
  p.rows = rows;
  p.batch = std::max<std::size_t>(batch, 1);
  p.window = std::max<std::size_t>(window, 1);
  p.epochs = epochs;
  p.seed = seed;
  p.batches_per_epoch = full_batches(rows, p.batch);
  p.chunks_per_epoch = (p.batches_per_epoch + p.window - 1) / p.window;
  p.total_chunks = static_cast<std::uint64_t>(p.chunks_per_epoch) * epochs;
  return p;
}

chunk_span span_of(const chunk_plan& plan, std::uint64_t id) {
  assert(id < plan.total_chunks);
  chunk_span s;
  s.epoch = static_cast<std::size_t>(id / plan.chunks_per_epoch);
  const auto k = static_cast<std::size_t>(id % plan.chunks_per_epoch);
  s.first_batch = k * plan.window;
  s.batches = std::min(plan.window, plan.batches_per_epoch - s.first_batch);
  return s;
}

std::uint64_t epoch_seed(std::uint64_t seed, std::size_t epoch) {
  // The static walk seeds with seed * 1000003 + worker * 7919 + epoch; this
  // odd constant keeps the global orders apart from those.
  return seed * 1000003ULL + 0x9e3779b97f4a7c15ULL * (epoch + 1);
}

std::vector<std::uint32_t> epoch_order(const chunk_plan& plan, std::size_t epoch) {
  return permutation(plan.rows, epoch_seed(plan.seed, epoch));
}

std::vector<std::uint32_t> rows_of(const chunk_plan& plan,
                                   const std::vector<std::uint32_t>& order,
                                   std::uint64_t id) {
  const auto s = span_of(plan, id);
  const auto begin = order.begin()
                     + static_cast<std::ptrdiff_t>(s.first_batch * plan.batch);
  return {begin, begin + static_cast<std::ptrdiff_t>(s.batches * plan.batch)};
}

} // namespace actors
