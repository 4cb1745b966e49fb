// chunk_plan: how dynamic partitioning cuts a run into chunks of work.
//
// Every epoch e (0-based) walks one global order of the whole training set,
// permutation(rows, epoch_seed(seed, e)), the same on every node. Its
// full_batches(rows, batch) mini-batches are cut into chunks of `window`
// consecutive batches (the trainer's communication window; the last chunk of
// an epoch is shorter when window does not divide the batches). Chunk ids
// are global over the run: id = e * chunks_per_epoch + k. One chunk is one
// commit, so the commits of an epoch are fixed by the data, whatever the
// number of workers: 60,000 rows, batch 16, window 5 give 3,750 batches and
// 750 chunks per epoch; 8,000 rows give 500 batches and 100 chunks.
//
// The worker (what to train) and the parameter server (how many chunks the
// queue holds, cluster/chunk_queue.hpp) both compute it; everything here is
// a pure function of its arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace actors {

/// The shape of a dynamically partitioned run.
struct chunk_plan {
  std::size_t rows = 0;
  std::size_t batch = 1;
  std::size_t window = 1;
  std::size_t epochs = 1;
  std::uint64_t seed = 0;
  /// full_batches(rows, batch): the partial last batch is dropped.
  std::size_t batches_per_epoch = 0;
  /// ceil(batches_per_epoch / window).
  std::size_t chunks_per_epoch = 0;
  /// chunks_per_epoch * epochs: every id of the run is below it.
  std::uint64_t total_chunks = 0;
};

/// The plan of `epochs` passes over `rows` rows in batches of `batch`, one
/// chunk per `window` batches; window and batch of 0 count as 1.
chunk_plan make_chunk_plan(std::size_t rows, std::size_t batch,
                           std::size_t window, std::size_t epochs,
                           std::uint64_t seed);

/// Where chunk `id` lies: its epoch (0-based), its first batch within the
/// epoch's order and its number of batches (window, or fewer for the last).
struct chunk_span {
  std::size_t epoch = 0;
  std::size_t first_batch = 0;
  std::size_t batches = 0;
};

/// The span of chunk `id` (< plan.total_chunks).
chunk_span span_of(const chunk_plan& plan, std::uint64_t id);

/// Seed of epoch `epoch`'s order (distinct from the static walk's seeds).
std::uint64_t epoch_seed(std::uint64_t seed, std::size_t epoch);

/// Epoch `epoch`'s global order of the rows: row indices into the whole
/// training set. Batch j of the epoch is order[j * batch, (j + 1) * batch).
std::vector<std::uint32_t> epoch_order(const chunk_plan& plan, std::size_t epoch);

/// The rows of chunk `id` in training order, given its epoch's order.
std::vector<std::uint32_t> rows_of(const chunk_plan& plan,
                                   const std::vector<std::uint32_t>& order,
                                   std::uint64_t id);

} // namespace actors
