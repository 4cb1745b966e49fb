// metrics/worker_totals: what one worker's training and exchanges with the
// parameter server amount to (samples, commits, time waiting, chunks, the
// staleness of its commits, and the bytes each way), in one type for every
// place that counts them: the worker's running totals and its result
// (runtime/protocol.hpp's worker_result), the growth it sends in each
// progress message (progress_msg), its row on the status page
// (metrics/run_status.hpp), its Prometheus series (metrics/meters.hpp) and
// the report's sums (train_mnist's report).
//
// Bytes are the exchange payload (the codec's bytes of the float buffers,
// wire/codec.hpp), split by where the server is: `between_nodes` when it
// runs on another node (CAF serialized the message onto a socket),
// `within_node` when it runs on the worker's own node (the message was
// passed in memory, nothing serialized; counted at fp32's 4 bytes a value).
// Which one is decided by the node ids of the worker and the server, not
// by configuration. Message headers, progress messages, shards and the
// final model are not counted.
//
// A plain value without CAF: runtime/protocol.hpp holds its inspect, so
// this layer stays below the runtime.
#pragma once

#include <cstdint>

namespace actors::metrics {

/// Bytes one way and the other, from the worker's side: `sent` to the
/// server (commits), `received` from it (centres).
struct byte_counts {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;

  std::uint64_t total() const { return sent + received; }

  byte_counts& operator+=(const byte_counts& x) {
    sent += x.sent;
    received += x.received;
    return *this;
  }
};

/// A worker's totals, or what grew between two of them; see the header.
struct worker_totals {
  std::uint64_t samples = 0;
  /// Exchanges completed (commits the server applied).
  std::uint64_t commits = 0;
  /// Time spent waiting for the parameter server.
  double wait_seconds = 0;
  /// Dynamic partitioning: chunks completed.
  std::uint64_t chunks = 0;
  /// Sum and count of the staleness of the commits applied (updates the
  /// server applied between the commit's pull and the commit).
  std::uint64_t staleness_sum = 0;
  std::uint64_t staleness_count = 0;
  /// Exchange payload to and from a server on another node ...
  byte_counts between_nodes;
  /// ... and on the worker's own node (in memory).
  byte_counts within_node;

  /// Both kinds: what the worker's exchanges amount to wherever the server is.
  std::uint64_t bytes_sent() const { return between_nodes.sent + within_node.sent; }
  std::uint64_t bytes_received() const {
    return between_nodes.received + within_node.received;
  }

  worker_totals& operator+=(const worker_totals& x);
  /// What grew from `earlier` to this (every count is non-decreasing).
  worker_totals since(const worker_totals& earlier) const;
};

inline worker_totals& worker_totals::operator+=(const worker_totals& x) {
  samples += x.samples;
  commits += x.commits;
  wait_seconds += x.wait_seconds;
  chunks += x.chunks;
  staleness_sum += x.staleness_sum;
  staleness_count += x.staleness_count;
  between_nodes += x.between_nodes;
  within_node += x.within_node;
  return *this;
}

inline worker_totals worker_totals::since(const worker_totals& earlier) const {
  worker_totals d;
  d.samples = samples - earlier.samples;
  d.commits = commits - earlier.commits;
  d.wait_seconds = wait_seconds - earlier.wait_seconds;
  d.chunks = chunks - earlier.chunks;
  d.staleness_sum = staleness_sum - earlier.staleness_sum;
  d.staleness_count = staleness_count - earlier.staleness_count;
  d.between_nodes.sent = between_nodes.sent - earlier.between_nodes.sent;
  d.between_nodes.received = between_nodes.received - earlier.between_nodes.received;
  d.within_node.sent = within_node.sent - earlier.within_node.sent;
  d.within_node.received = within_node.received - earlier.within_node.received;
  return d;
}

} // namespace actors::metrics
