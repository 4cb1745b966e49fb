// shard_watch: a shard of a sharded server that lost a peer shard waits the
// driver's fault timeout + 1 s for the driver's restart, then ends, so the
// driver restarts every shard (see the header for why, and for what CAF
// 0.17.6 does to a lost node's proxies); a worker of a sharded server waits
// 1 s longer (server_watch).
#include <doctest/doctest.h>

#include "actors/cluster/server_watch.hpp"
#include "actors/cluster/shard_watch.hpp"

using namespace actors;

namespace {
const std::string lost = "exit_reason(remote_link_unreachable)";
using shards = std::vector<std::uint32_t>;
} // namespace

TEST_CASE("cluster.shard_watch: the lead watches every shard, the others the lead") {
  CHECK(shard_watch{5, 0, 3}.watched() == shards{1, 2});
  CHECK(shard_watch{5, 1, 3}.watched() == shards{0});
  CHECK(shard_watch{5, 2, 3}.watched() == shards{0});
  CHECK(shard_watch{5, 0, 2}.watched() == shards{1});
  // Unsharded: nothing to watch (the driver and the workers watch it).
  CHECK(shard_watch{5, 0, 1}.watched().empty());
  CHECK(shard_watch{}.watched().empty());
}

TEST_CASE("cluster.shard_watch: the grace is the driver's fault timeout plus "
          "one second, a sharded worker's one more") {
  CHECK(shard_watch{5, 1, 3}.grace() == doctest::Approx(6.0));
  CHECK(shard_watch{0, 1, 3}.grace() == doctest::Approx(1.0));
  CHECK(shard_watch{-2, 1, 3}.grace() == doctest::Approx(1.0));
  // The two watches see a cut at the same moment (one node purges the
  // other's proxies): the shards must end first.
  CHECK(server_watch{5, true}.grace() == doctest::Approx(7.0));
  CHECK(server_watch{5, true}.grace() > shard_watch{5, 1, 3}.grace());
  CHECK(server_watch{5, false}.grace() == doctest::Approx(6.0));
}

TEST_CASE("cluster.shard_watch: a lost peer expires after the grace, not before") {
  // faults_shards_test's partition: host2 (shard 1) and host1 (the lead)
  // cut at 4 s, each node drops the silent link after 5 s.
  shard_watch w{5, 1, 3};
  CHECK_FALSE(w.expired(1e9));
  auto after = w.lost(0, "10.213.0.11:4242", lost, 9.4);
  REQUIRE(after);
  CHECK(*after == doctest::Approx(6.0));
  CHECK_FALSE(w.expired(9.4));
  CHECK_FALSE(w.expired(15.3));
  CHECK(w.expired(15.4));
}

TEST_CASE("cluster.shard_watch: only watched peers count, the first loss stands") {
  shard_watch w{5, 1, 3};
  // Shard 2 and shard 1 itself are not watched by shard 1; nor is a shard
  // that does not exist.
  CHECK_FALSE(w.lost(2, "10.213.0.13:4242", lost, 1.0));
  CHECK_FALSE(w.lost(1, "", lost, 1.0));
  CHECK_FALSE(w.lost(7, "", lost, 1.0));
  CHECK_FALSE(w.expired(100));
  REQUIRE(w.lost(0, "10.213.0.11:4242", lost, 2.0));
  // A second down message must not push the end further out nor rename it.
  CHECK_FALSE(w.lost(0, "10.213.0.11:4242", "exit_reason(kill)", 7.0));
  CHECK(w.expired(8.0));
  CHECK(w.why().find("(" + lost + ")") != std::string::npos);
}

TEST_CASE("cluster.shard_watch: the lead's loss of one shard") {
  shard_watch w{5, 0, 3};
  CHECK_FALSE(w.lost(0, "", lost, 1.0));
  REQUIRE(w.lost(2, "10.213.0.13:4242", lost, 1.0));
  CHECK_FALSE(w.lost(1, "10.213.0.12:4242", lost, 1.5));
  CHECK(w.why()
        == "parameter server shard 0 lost shard 2 on node 10.213.0.13:4242 (" + lost
             + ") and no restart came within 6.0 s");
}

TEST_CASE("cluster.shard_watch: the error names the shard, the peer, its node, "
          "the reason and the grace") {
  shard_watch w{5, 1, 3};
  w.lost(0, "10.213.0.11:4242", lost, 0);
  CHECK(w.why()
        == "parameter server shard 1 lost the lead shard 0 on node 10.213.0.11:4242 ("
             + lost + ") and no restart came within 6.0 s");
  // In one process the driver names no nodes.
  shard_watch local{0, 2, 3};
  local.lost(0, "", "exit_reason(unknown)", 0);
  CHECK(local.why()
        == "parameter server shard 2 lost the lead shard 0 (exit_reason(unknown)) "
           "and no restart came within 1.0 s");
}

TEST_CASE("cluster.server_watch: a sharded worker's error names the shard") {
  server_watch w{5, true};
  w.lost(lost, 0);
  CHECK(w.why("10.213.0.11:4242", 0)
        == "lost the parameter server's shard 0 on 10.213.0.11:4242 (" + lost
             + ") and no restart came within 7.0 s");
  CHECK(w.why("", 2)
        == "lost the parameter server's shard 2 (" + lost
             + ") and no restart came within 7.0 s");
}
