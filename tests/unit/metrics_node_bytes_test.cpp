// metrics/node_bytes: booking each worker's exchange bytes at the nodes
// they left and reached.
#include <doctest/doctest.h>

#include "actors/metrics/node_bytes.hpp"

using namespace actors::metrics;

namespace {

worker_totals exchanged(std::uint64_t between_sent, std::uint64_t between_received,
                        std::uint64_t within_sent, std::uint64_t within_received) {
  worker_totals t;
  t.between_nodes = {between_sent, between_received};
  t.within_node = {within_sent, within_received};
  return t;
}

} // namespace

TEST_CASE("node_bytes: a byte between nodes is sent at one node and received "
          "at the other; bytes within a node count once there") {
  // The server on node 0; worker 0 beside it, workers 1 and 2 on nodes 1
  // and 2 (int8: 1,000 bytes a commit, 4,000 the first centre).
  std::vector<node_bytes> rows;
  book_exchange(rows, 0, 0, exchanged(0, 0, 40000, 44000));
  book_exchange(rows, 1, 0, exchanged(10000, 14000, 0, 0));
  book_exchange(rows, 2, 0, exchanged(9000, 13000, 0, 0));
  REQUIRE(rows.size() == 3);
  // Node 0 received both remote workers' commits and sent their centres.
  CHECK(rows[0].received_between_nodes == 10000 + 9000);
  CHECK(rows[0].sent_between_nodes == 14000 + 13000);
  CHECK(rows[0].within_node == 40000 + 44000);
  CHECK(rows[1].sent_between_nodes == 10000);
  CHECK(rows[1].received_between_nodes == 14000);
  CHECK(rows[1].within_node == 0);
  CHECK(rows[2].sent_between_nodes == 9000);
  CHECK(rows[2].received_between_nodes == 13000);
  // What the nodes sent to each other is what they received.
  std::uint64_t sent = 0, received = 0;
  for (auto& r : rows) {
    sent += r.sent_between_nodes;
    received += r.received_between_nodes;
  }
  CHECK(sent == received);
  CHECK(sent == 10000 + 14000 + 9000 + 13000);
}

TEST_CASE("node_bytes: a replacement worker is booked with its own server") {
  // Worker 0 on node 2; its first incarnation's server ran on node 0, the
  // replacement's (after node 0 was lost) on node 1.
  std::vector<node_bytes> rows;
  book_exchange(rows, 2, 0, exchanged(300, 500, 0, 0));
  book_exchange(rows, 2, 1, exchanged(70, 110, 0, 0));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].received_between_nodes == 300);
  CHECK(rows[0].sent_between_nodes == 500);
  CHECK(rows[1].received_between_nodes == 70);
  CHECK(rows[1].sent_between_nodes == 110);
  CHECK(rows[2].sent_between_nodes == 370);
  CHECK(rows[2].received_between_nodes == 610);
}

TEST_CASE("worker_totals: since() is what grew, += adds every field") {
  worker_totals a = exchanged(10, 20, 30, 40);
  a.samples = 64;
  a.commits = 2;
  a.wait_seconds = 0.5;
  a.chunks = 1;
  a.staleness_sum = 3;
  a.staleness_count = 2;
  worker_totals b = a;
  b += exchanged(1, 2, 3, 4);
  b.samples += 16;
  b.staleness_count += 1;
  const auto d = b.since(a);
  CHECK(d.samples == 16);
  CHECK(d.commits == 0);
  CHECK(d.staleness_count == 1);
  CHECK(d.between_nodes.sent == 1);
  CHECK(d.between_nodes.received == 2);
  CHECK(d.within_node.sent == 3);
  CHECK(d.within_node.received == 4);
  CHECK(b.bytes_sent() == 11 + 33);
  CHECK(b.bytes_received() == 22 + 44);
}
