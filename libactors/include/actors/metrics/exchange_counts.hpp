// metrics/exchange_counts: what a worker's exchanges with the parameter
// server amount to (commits, time waiting, bytes each way, chunks, the
// staleness of its commits), as the worker reports it to the driver in each
// progress message (the growth since the previous one) and as the status
// page sums it per worker (metrics/run_status.hpp). A plain value; its
// inspect lets CAF carry it without this header including CAF.
#pragma once

#include <cstdint>

namespace actors::metrics {

/// A worker's exchanges with the server, counted: what grew since its
/// previous progress message (runtime/protocol.hpp's progress_msg carries
/// it), or summed in its row.
struct exchange_counts {
  std::uint64_t commits = 0;
  double wait_seconds = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  /// Dynamic partitioning: chunks completed.
  std::uint64_t chunks = 0;
  /// Sum and count of the staleness of the commits applied (updates the
  /// server applied between the commit's pull and the commit).
  std::uint64_t staleness_sum = 0;
  std::uint64_t staleness_count = 0;

  exchange_counts& operator+=(const exchange_counts& x) {
    commits += x.commits;
    wait_seconds += x.wait_seconds;
    bytes_sent += x.bytes_sent;
    bytes_received += x.bytes_received;
    chunks += x.chunks;
    staleness_sum += x.staleness_sum;
    staleness_count += x.staleness_count;
    return *this;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exchange_counts& x) {
  return f(x.commits, x.wait_seconds, x.bytes_sent, x.bytes_received, x.chunks,
           x.staleness_sum, x.staleness_count);
}

} // namespace actors::metrics
