#include "actors/metrics/node_bytes.hpp"

#include <algorithm>

namespace actors::metrics {

void book_exchange(std::vector<node_bytes>& rows, std::size_t worker_node,
                   std::size_t server_node, const worker_totals& t) {
  const auto need = std::max(worker_node, server_node) + 1;
  if (rows.size() < need)
    rows.resize(need);
  auto& worker = rows[worker_node];
  auto& server = rows[server_node];
  worker.sent_between_nodes += t.between_nodes.sent;
  worker.received_between_nodes += t.between_nodes.received;
  server.received_between_nodes += t.between_nodes.sent;
  server.sent_between_nodes += t.between_nodes.received;
  worker.within_node += t.within_node.total();
}

} // namespace actors::metrics
