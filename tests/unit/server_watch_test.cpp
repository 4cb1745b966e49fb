// server_watch: a worker that lost its parameter server waits the driver's
// fault timeout + 1 s for the driver's restart, then ends (see the header
// for why, and for what CAF 0.17.6 does to a lost node's proxies).
#include <doctest/doctest.h>

#include "actors/cluster/server_watch.hpp"

using namespace actors;

namespace {
const std::string lost = "exit_reason(remote_link_unreachable)";
} // namespace

TEST_CASE("cluster.server_watch: the grace is the driver's fault timeout "
          "plus one second") {
  CHECK(server_watch{5}.grace() == doctest::Approx(6.0));
  CHECK(server_watch{0.2}.grace() == doctest::Approx(1.2));
  // No fault timeout given (everything in one process): one second.
  CHECK(server_watch{}.grace() == doctest::Approx(1.0));
  CHECK(server_watch{-3}.grace() == doctest::Approx(1.0));
}

TEST_CASE("cluster.server_watch: nothing expires before the server is lost") {
  server_watch w{5};
  CHECK_FALSE(w.expired(0));
  CHECK_FALSE(w.expired(1e9));
}

TEST_CASE("cluster.server_watch: a loss expires after the grace, not before") {
  // partition_test's cut at 4 s: host2 drops the silent link after its
  // connection timeout (5 s), at 10.3 s of the worker's clock.
  server_watch w{5};
  auto after = w.lost(lost, 10.3);
  REQUIRE(after);
  CHECK(*after == doctest::Approx(6.0));
  CHECK_FALSE(w.expired(10.3));
  CHECK_FALSE(w.expired(16.2));
  CHECK(w.expired(16.3));
  CHECK(w.expired(200));
}

TEST_CASE("cluster.server_watch: a second loss keeps the first deadline") {
  // The worker monitors one server; a repeated down message (or a second
  // proxy of it) must not push the end further out.
  server_watch w{5};
  REQUIRE(w.lost(lost, 2.0));
  CHECK_FALSE(w.lost("exit_reason(kill)", 7.0));
  CHECK(w.expired(8.0));
  CHECK(w.why("10.213.0.11:4242").find("(" + lost + ")") != std::string::npos);
}

TEST_CASE("cluster.server_watch: the error names the server's node, the "
          "reason and the grace") {
  server_watch w{5};
  w.lost(lost, 0);
  CHECK(w.why("10.213.0.11:4242")
        == "lost the parameter server on 10.213.0.11:4242 (" + lost
             + ") and no restart came within 6.0 s");
  // A server on the worker's own node has no address to name.
  CHECK(w.why("") == "lost the parameter server (" + lost
                       + ") and no restart came within 6.0 s");
}
