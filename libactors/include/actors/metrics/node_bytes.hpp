// metrics/node_bytes: the exchange bytes of a distributed run per node and
// direction, for the report: what each node sent to and received from
// other nodes, and what its actors passed to each other in memory.
//
// Made from each worker incarnation's totals (metrics/worker_totals.hpp)
// and where the worker and its server ran: a worker's commits between
// nodes leave the worker's node and reach the server's, its centres the
// reverse, so each byte between nodes is counted once as sent (at one
// node) and once as received (at the other), and the nodes' sent and
// received sums are equal. Bytes within a node count once, at that node.
// Which kind a byte is was decided by the worker from node ids; the node
// here is only where to book it. A worker relayed through the driver
// (worker_result::relayed) also loaded the driver's links, which are not
// in this table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/metrics/worker_totals.hpp"

namespace actors::metrics {

/// One node's row.
struct node_bytes {
  std::string node;
  /// Exchange payload this node sent to / received from other nodes.
  std::uint64_t sent_between_nodes = 0;
  std::uint64_t received_between_nodes = 0;
  /// Exchange payload passed in memory between its own actors.
  std::uint64_t within_node = 0;
};

/// Books the exchange bytes `t` of a worker on node `worker_node` whose
/// server ran on node `server_node` (indices into `rows`, which grows to
/// hold them; rows it adds have an empty name).
void book_exchange(std::vector<node_bytes>& rows, std::size_t worker_node,
                   std::size_t server_node, const worker_totals& t);

} // namespace actors::metrics
