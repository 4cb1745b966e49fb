// chunk_queue: the work queue of dynamic partitioning (--partitioning=
// dynamic), as a state machine without CAF.
//
// Work is handed out in chunks (cluster/chunk_plan.hpp: `window` consecutive
// mini-batches of an epoch's global order, one commit each), so a faster
// worker simply takes more of them and nobody idles at the end of a static
// slice. Ids are handed out in increasing order; a chunk that comes back
// (its worker was replaced) is handed out again before any fresh one.
//
// Where it lives and why: in the parameter server (runtime/
// parameter_server.cpp). Every worker already talks to the server at the end
// of each chunk, so new leases ride on the commit's reply (no extra round
// trip, nothing extra on the critical path), and a lost server is already
// restarted from its newest snapshot, which now carries the queue as well.
// A loader or the driver would cost a second message per chunk and a second
// piece of state to keep consistent with the applied commits.
//
// Exactly-once: a chunk is leased to one incarnation (worker, generation)
// at a time; complete() accepts it only from that incarnation, so a worker
// that was replaced (a frozen node waking up) cannot apply it a second time,
// and release() on reassign puts the lost worker's leased chunks back at the
// front. A lost queue owner (the server) restarts from its newest snapshot:
// chunks applied after it are redone (their commits died with the server,
// as static cursors rewind today) and chunks leased at the snapshot go back
// to the queue, because snapshot() counts them as not applied.
//
// Not thread-safe: the parameter server owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "actors/util/status.hpp"

namespace actors {

/// What a restarted queue needs: the next fresh id and the ids below it
/// that were not applied (returned or leased when the snapshot was taken),
/// ascending. Everything else below next_fresh was applied.
struct chunk_queue_state {
  std::uint64_t next_fresh = 0;
  std::vector<std::uint64_t> pending;

  friend bool operator==(const chunk_queue_state& a, const chunk_queue_state& b) {
    return a.next_fresh == b.next_fresh && a.pending == b.pending;
  }
};

/// Serialization and printing (CAF's inspect protocol), without naming CAF.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_queue_state& x) {
  return f(x.next_fresh, x.pending);
}

/// Whether complete() applied a chunk.
enum class chunk_outcome {
  /// It was leased to that incarnation: apply its commit.
  applied,
  /// It was not (never leased, already applied, leased to another worker or
  /// to an older incarnation): refuse the commit.
  stale,
};

/// The queue of one run: see the file comment.
class chunk_queue {
public:
  /// A queue of chunks [0, total) for worker ids [0, workers), starting
  /// from `from` (a fresh run: the default). Use check() on a restored
  /// state first.
  chunk_queue(std::uint64_t total, std::size_t workers, chunk_queue_state from = {});

  /// Whether `s` can start a queue of `total` chunks: next_fresh <= total,
  /// pending ascending, unique and below next_fresh.
  static status check(const chunk_queue_state& s, std::uint64_t total);

  /// Tops `worker`'s lease up to `depth` chunks for incarnation
  /// `generation` and returns the chunks newly leased (oldest first; empty
  /// when the queue is drained). A newer generation first releases what an
  /// older one held; an older generation, or a worker id out of range, gets
  /// nothing.
  std::vector<std::uint64_t> lease(std::uint32_t worker, std::uint32_t generation,
                                   std::size_t depth);

  /// `worker`'s incarnation `generation` finished `chunk`: applied once,
  /// stale otherwise (see chunk_outcome).
  chunk_outcome complete(std::uint32_t worker, std::uint32_t generation,
                         std::uint64_t chunk);

  /// Whether complete() would apply `chunk` for that incarnation now
  /// (nothing changes): a sharded server's lead checks a commit's part when
  /// it holds it and completes the chunk only when the commit is ordered,
  /// so a commit that never gets an order leaves the chunk leased.
  bool leased(std::uint32_t worker, std::uint32_t generation,
              std::uint64_t chunk) const;

  /// `worker` was replaced: its leased chunks go back to the front of the
  /// queue, in their order, and its lease is empty.
  void release(std::uint32_t worker);

  /// The state to restart from (see chunk_queue_state).
  chunk_queue_state snapshot() const;

  /// Every chunk was applied.
  bool done() const;

  /// Chunks applied so far (those of a restored state included).
  std::uint64_t applied() const;

  /// Chunks leased to `worker` now.
  std::size_t held(std::uint32_t worker) const;

  std::uint64_t total() const { return total_; }

private:
  struct lease_of {
    std::uint32_t generation = 0;
    std::deque<std::uint64_t> chunks;
  };
  /// The next chunk to hand out, if any.
  bool take(std::uint64_t& id);

  std::uint64_t total_ = 0;
  std::uint64_t next_fresh_ = 0;
  /// Chunks handed back, handed out again first.
  std::deque<std::uint64_t> returned_;
  std::vector<lease_of> leases_;
};

} // namespace actors
