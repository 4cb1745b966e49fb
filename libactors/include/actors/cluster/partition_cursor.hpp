// partition_cursor: where one data partition of a job stands, as the
// parameter server, the workers and the job supervisor see it.
//
// A plain value without CAF, so that the supervisor (job_supervisor.hpp)
// and its unit tests use it without the actor runtime; protocol.hpp
// includes it, and its `inspect` (CAF's inspect protocol) serializes it.
#pragma once

#include <cstdint>

namespace actors {

/// Where one data partition stands: the point of its worker's last commit
/// the server applied. A replacement worker resumes from here, so every
/// commit of a run is applied exactly once whatever fails.
struct partition_cursor {
  /// Mini-batches of this partition trained, counted over all epochs.
  std::uint64_t batches_done = 0;
  /// What was already exchanged at that point: 0 nothing (or the exchange
  /// after the last batch), 1 the epoch-end exchange, 2 the exchange before
  /// the next batch.
  std::uint32_t stage = 0;
  /// Incarnation of the partition's worker; the server refuses commits from
  /// an older one (a worker on a node that was frozen, not dead).
  std::uint32_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_cursor& x) {
  return f(x.batches_done, x.stage, x.generation);
}

inline bool operator==(const partition_cursor& a, const partition_cursor& b) {
  return a.batches_done == b.batches_done && a.stage == b.stage
         && a.generation == b.generation;
}

inline bool operator!=(const partition_cursor& a, const partition_cursor& b) {
  return !(a == b);
}

} // namespace actors
