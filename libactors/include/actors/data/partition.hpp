// partition: seeded shuffles and the split of a data set among workers.
//
// A trainer shuffles the row indices once per epoch with permutation(), hands
// each worker a contiguous slice of that order with partition(), and each
// worker walks its slice in full_batches() mini-batches. Everything here is a
// pure function of its arguments, so equal seeds give equal runs on every
// platform (actors::rng, not std:: distributions, makes the shuffle).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace actors {

/// A deterministic permutation of [0, n) from seed.
///
/// Fisher-Yates driven by actors::rng::below, so it is the same everywhere;
/// n must be < 2^32, since row indices are 32-bit.
std::vector<std::uint32_t> permutation(std::size_t n, std::uint64_t seed);

/// Cuts order into `shards` contiguous ranges whose sizes differ by <= 1.
///
/// Each shard is a list of row indices; shard k holds
/// order[k*n/shards, (k+1)*n/shards), so with n = 10 and three shards the
/// sizes are 3, 3, 4. Some shards are empty when shards > n; shards == 0
/// returns no shard at all.
std::vector<std::vector<std::uint32_t>> partition(
  const std::vector<std::uint32_t>& order, std::size_t shards);

/// Number of full mini-batches in a shard of `rows`: rows / batch.
///
/// The last partial batch is dropped, as dist-keras does, so every step
/// averages gradients over exactly `batch` samples; with rows = 20000 and
/// batch = 16 that is 1250 steps. Returns 0 when batch == 0.
std::size_t full_batches(std::size_t rows, std::size_t batch);

} // namespace actors
