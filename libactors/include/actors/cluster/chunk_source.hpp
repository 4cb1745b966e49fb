// chunk_source: what a worker trains next under dynamic partitioning, as a
// state machine without CAF (the worker actor, runtime/worker.cpp, feeds it
// the server's grants and does what it answers).
//
// The worker holds the chunks the parameter server leased to it
// (cluster/chunk_queue.hpp), oldest first. next() walks the current chunk's
// batches (train: epoch and batch of the epoch's global order, see
// cluster/chunk_plan.hpp); after its last batch it answers commit with the
// chunk's id, and the worker sends that chunk's commit. The reply's grants
// go to replied(). With an overlapped exchange the worker may go on with the
// next held chunk while the commit is in flight (at most one in flight: a
// second commit due while one is in flight is answered with wait).
//
// The worker is finished when it holds no chunk, has no commit in flight
// and its last reply granted nothing: the queue is drained, or the rest is
// leased to others (a chunk a lost worker held goes to its replacement).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "actors/cluster/chunk_plan.hpp"

namespace actors {

/// What the worker does next.
struct chunk_step {
  enum kind_type {
    /// Train batch `batch` of epoch `epoch`'s order (part of chunk `chunk`).
    train,
    /// The chunk `chunk` is trained: send its commit.
    commit,
    /// A commit is in flight and nothing else may start: wait for its reply.
    wait,
    /// Nothing left: return the result.
    finished,
  };
  kind_type kind = finished;
  std::uint64_t chunk = 0;
  std::size_t epoch = 0;
  std::size_t batch = 0;
};

class chunk_source {
public:
  explicit chunk_source(chunk_plan plan) : plan_(plan) {}

  /// Chunks newly leased (the first lease's answer); appended in order.
  void grant(const std::vector<std::uint64_t>& chunks);

  /// The reply to the commit in flight arrived with `grants`.
  void replied(const std::vector<std::uint64_t>& grants);

  /// The next thing to do; train advances past the batch it names, commit
  /// marks that chunk's commit in flight.
  chunk_step next();

  /// Chunks whose commit was sent and answered.
  std::uint64_t completed() const { return completed_; }

  bool in_flight() const { return in_flight_; }

  const chunk_plan& plan() const { return plan_; }

private:
  chunk_plan plan_;
  std::deque<std::uint64_t> held_;
  /// The chunk being trained and its batches trained so far.
  std::optional<std::uint64_t> current_;
  std::size_t trained_ = 0;
  bool in_flight_ = false;
  std::uint64_t completed_ = 0;
};

} // namespace actors
