// The job supervisor driven through the fault schedule of
// tests/integration/faults_test.sh, without sockets: three hosts with one
// worker each and the parameter server on host1, as there. Each event's
// actions are rendered as one line each and compared whole, so a test
// states exactly which node, cursor and generation every step gets.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "actors/cluster/job_supervisor.hpp"

using namespace actors;

namespace {

using lines = std::vector<std::string>;

std::string text(const partition_cursor& c) {
  return "batch " + std::to_string(c.batches_done) + " stage "
         + std::to_string(c.stage) + " generation " + std::to_string(c.generation);
}

std::string text(const std::vector<std::uint32_t>& ws) {
  std::string s;
  for (auto w : ws)
    s += (s.empty() ? "" : ",") + std::to_string(w);
  return s;
}

// One line per action, e.g. "worker 2 on node 1 at batch 25 stage 0
// generation 1"; a server's cursors are checked separately.
std::string text(const supervisor_action& a) {
  struct visitor {
    std::string operator()(const act::spawn_server& x) {
      return "server on node " + std::to_string(x.node) + " from update "
             + std::to_string(x.from.updates);
    }
    std::string operator()(const act::place_shards& x) {
      return "shards " + text(x.workers) + " on node " + std::to_string(x.node);
    }
    std::string operator()(const act::spawn_worker& x) {
      return "worker " + std::to_string(x.worker) + " on node "
             + std::to_string(x.node) + " at " + text(x.from);
    }
    std::string operator()(const act::stop_worker& x) {
      return "stop worker " + std::to_string(x.worker);
    }
    std::string operator()(const act::stop_server&) { return "stop server"; }
    std::string operator()(const act::reassign& x) {
      return "reassign " + std::to_string(x.worker);
    }
    std::string operator()(const act::record_fault& x) {
      return "fault: " + x.what + "; " + x.action;
    }
    std::string operator()(const act::fail& x) {
      return std::string{x.why.error_code() == status::code::invalid_argument
                           ? "refuse: "
                           : "fail: "}
             + x.why.message();
    }
    std::string operator()(const act::finish&) { return "finish"; }
  };
  return std::visit(visitor{}, a);
}

lines text(const supervisor_actions& as) {
  lines out;
  for (auto& a : as)
    out.push_back(text(a));
  return out;
}

const std::string lost = "exit_reason(remote_link_unreachable)";
const std::vector<float> initial = {0.5f, -1.0f, 2.0f};

// faults_test.sh's cluster: host1..3 (nodes 0..2), one worker each, the
// server on host1.
supervisor_config three_hosts() {
  supervisor_config c;
  c.nodes = {"host1:4242", "host2:4242", "host3:4242"};
  c.placement = {0, 1, 2};
  c.server_node = 0;
  c.max_restarts = 3;
  c.run_timeout = 300;
  c.initial = initial;
  return c;
}

// A snapshot the server took at `updates` with these batches done per
// partition, its workers in generation `generation`.
server_snapshot snapshot(std::uint64_t updates, std::vector<std::uint64_t> batches,
                         std::uint32_t generation = 0) {
  server_snapshot s;
  s.updates = updates;
  s.weights = {static_cast<float>(updates), 1.0f, -1.0f};
  for (auto b : batches)
    s.cursors.push_back(partition_cursor{b, 0, generation});
  return s;
}

// A supervisor past its start (whose actions the clean-run test checks).
job_supervisor started(supervisor_config cfg) {
  job_supervisor sup{std::move(cfg)};
  sup.start();
  return sup;
}

const act::spawn_server& server_of(const supervisor_actions& as) {
  for (auto& a : as)
    if (auto* s = std::get_if<act::spawn_server>(&a))
      return *s;
  FAIL("no spawn_server among the actions");
  throw;
}

// Every partition returns its result in its current generation.
supervisor_actions finish_all(job_supervisor& sup) {
  supervisor_actions last;
  for (std::uint32_t w = 0; w < sup.partitions(); ++w)
    last = sup.worker_done(w, sup.partition(w).generation);
  return last;
}

} // namespace

TEST_CASE("cluster.job_supervisor: a clean run starts the server on its node "
          "from the initial weights, then each node's shards and workers") {
  job_supervisor sup{three_hosts()};
  auto start = sup.start();
  CHECK(text(start)
        == lines{"server on node 0 from update 0", "shards 0 on node 0",
                 "shards 1 on node 1", "shards 2 on node 2",
                 "worker 0 on node 0 at batch 0 stage 0 generation 0",
                 "worker 1 on node 1 at batch 0 stage 0 generation 0",
                 "worker 2 on node 2 at batch 0 stage 0 generation 0"});
  const auto& server = server_of(start);
  CHECK(server.from.weights == initial);
  CHECK(server.from.cursors.size() == 3);
  CHECK(sup.worker_done(0, 0).empty());
  CHECK(sup.worker_done(1, 0).empty());
  CHECK_FALSE(sup.finished());
  CHECK(text(sup.worker_done(2, 0)) == lines{"finish"});
  // The workers end after their results: nothing to do.
  CHECK(sup.worker_lost(2, 0, exit_cause::normal, "normal").empty());
  CHECK(sup.worker_lost(1, 0, exit_cause::error, "late").empty());
}

TEST_CASE("cluster.job_supervisor: a worker's node killed, frozen or cut off "
          "moves its partition to the least-loaded host from the server's "
          "cursor") {
  // kill-node (SIGKILL host3) is seen at once; stop-node (SIGSTOP host2)
  // and link-down (host3) when heartbeats stop for --fault-timeout and CAF
  // closes the connection: all three arrive as the same events.
  struct fault {
    const char* name;
    std::uint32_t worker;
    std::size_t moves_to;
  };
  for (auto f : {fault{"kill-node host3", 2, 1}, fault{"stop-node host2", 1, 2},
                 fault{"link-down host3", 2, 1}}) {
    CAPTURE(f.name);
    auto sup = started(three_hosts());
    const auto node = f.worker; // worker w runs on node w
    const std::string host = "host" + std::to_string(node + 1) + ":4242";
    const std::string dest = "host" + std::to_string(f.moves_to + 1) + ":4242";
    CHECK(text(sup.node_lost(node, lost))
          == lines{"fault: node " + host + " is unreachable (" + lost
                   + "); its partitions move to the surviving nodes"});
    CHECK_FALSE(sup.node_alive(node));
    CHECK(text(sup.worker_lost(f.worker, 0, exit_cause::unreachable, lost))
          == lines{"reassign " + std::to_string(f.worker)});
    // The server fences generation 0 and answers the last applied commit.
    const auto w = std::to_string(f.worker);
    CHECK(text(sup.reassign_answered(f.worker, partition_cursor{25, 2, 1}))
          == lines{"shards " + w + " on node " + std::to_string(f.moves_to),
                   "fault: worker " + w + " on node " + host + " is gone (" + lost
                     + "); worker " + w + " restarted on node " + dest
                     + " from batch 25 (generation 1)",
                   "worker " + w + " on node " + std::to_string(f.moves_to)
                     + " at batch 25 stage 2 generation 1"});
    CHECK(sup.partition(f.worker).restarts == 1);
    CHECK(text(finish_all(sup)) == lines{"finish"});
  }
}

TEST_CASE("cluster.job_supervisor: a worker lost before its node is reported "
          "records the node once, as the worker's fault") {
  auto sup = started(three_hosts());
  CHECK(text(sup.worker_lost(2, 0, exit_cause::unreachable, lost))
        == lines{"reassign 2"});
  CHECK_FALSE(sup.node_alive(2));
  CHECK(sup.node_lost(2, lost).empty());
}

TEST_CASE("cluster.job_supervisor: messages of a replaced incarnation are "
          "ignored") {
  // stop-node: host2's worker was frozen, not dead, and is replaced; if it
  // thaws, its result, error and exit belong to generation 0.
  auto sup = started(three_hosts());
  sup.node_lost(1, lost);
  sup.worker_lost(1, 0, exit_cause::unreachable, lost);
  sup.reassign_answered(1, partition_cursor{50, 0, 1});
  CHECK(sup.worker_done(1, 0).empty());
  CHECK_FALSE(sup.partition(1).done);
  CHECK(sup.worker_failed(1, 0, "replaced worker 1").empty());
  CHECK(sup.partition(1).last_error.empty());
  CHECK(sup.worker_lost(1, 0, exit_cause::error, "killed").empty());
  CHECK(sup.partition(1).restarts == 1);
  // A second answer to the same reassign is stale too.
  CHECK(sup.reassign_answered(1, partition_cursor{60, 0, 2}).empty());
  CHECK(sup.partition(1).generation == 1);
  CHECK(sup.worker_done(0, 0).empty());
  CHECK(sup.worker_done(2, 0).empty());
  CHECK(text(sup.worker_done(1, 1)) == lines{"finish"});
}

TEST_CASE("cluster.job_supervisor: the server's node killed or frozen restarts "
          "the server from the newest snapshot and every worker from its "
          "cursors") {
  // kill-ps / stop-ps: host1 holds the server and worker 0.
  auto sup = started(three_hosts());
  sup.snapshot_stored(snapshot(60, {20, 21, 19}));
  sup.snapshot_stored(snapshot(120, {40, 41, 39}));
  // A late snapshot from before the newest does not win.
  sup.snapshot_stored(snapshot(90, {30, 31, 29}));
  CHECK(sup.restart_point() == 120);
  sup.worker_done(1, 0); // finished, yet its commits after 120 died too
  auto acts = sup.server_lost(exit_cause::unreachable, lost);
  // host2 and host3 carry one partition each; host2 comes first. Worker 0
  // leaves the lost host1 for host3, which has fewer than host2 + server.
  CHECK(text(acts)
        == lines{"stop worker 0", "stop worker 1", "stop worker 2",
                 "fault: the parameter server on node host1:4242 is gone (" + lost
                   + "); restarted the parameter server on node host2:4242 from "
                     "the checkpoint at update 120; every worker resumes from it",
                 "server on node 1 from update 120", "shards 1 on node 1",
                 "shards 0,2 on node 2",
                 "worker 0 on node 2 at batch 40 stage 0 generation 1",
                 "worker 1 on node 1 at batch 41 stage 0 generation 1",
                 "worker 2 on node 2 at batch 39 stage 0 generation 1"});
  // Exactly once: the server holds the snapshot's centre and cursors, and
  // fences every old incarnation.
  const auto& server = server_of(acts);
  CHECK(server.from.weights == snapshot(120, {}).weights);
  REQUIRE(server.from.cursors.size() == 3);
  for (std::size_t w = 0; w < 3; ++w)
    CHECK(server.from.cursors[w].generation == 1);
  CHECK(sup.server_node() == 1);
  CHECK_FALSE(sup.node_alive(0));
  // Worker 0's own loss on host1 arrives after the restart: stale.
  CHECK(sup.worker_lost(0, 0, exit_cause::unreachable, lost).empty());
  CHECK(sup.server_restarts() == 1);
  CHECK(text(finish_all(sup)) == lines{"finish"});
}

TEST_CASE("cluster.job_supervisor: with dynamic partitioning a restarted or "
          "resumed server gets the newest snapshot's chunk queue") {
  // Worker slots whose cursors carry only generations; the queue had handed
  // out chunks up to 180 and 150, 161 and 179 were leased or returned.
  auto snap = snapshot(177, {0, 0, 0});
  snap.queue = {180, {150, 161, 179}};
  auto sup = started(three_hosts());
  sup.snapshot_stored(snap);
  auto acts = sup.server_lost(exit_cause::unreachable, lost);
  CHECK(server_of(acts).from.queue == snap.queue);
  auto cfg = three_hosts();
  cfg.dynamic = true;
  cfg.resume_from = snap;
  job_supervisor resumed{cfg};
  CHECK(server_of(resumed.start()).from.queue == snap.queue);
  // A lost worker's slot: the fault names the queue, not a batch.
  resumed.node_lost(2, lost);
  resumed.worker_lost(2, 1, exit_cause::unreachable, lost);
  CHECK(text(resumed.reassign_answered(2, partition_cursor{0, 0, 2}))[1]
        == "fault: worker 2 on node host3:4242 is gone (" + lost
             + "); worker 2 restarted on node host2:4242 (its chunks back in "
               "the queue) (generation 2)");
}

TEST_CASE("cluster.job_supervisor: a worker lost with the server restarts the "
          "server when the reassign fails") {
  // kill-ps with worker 0's loss reported first: reassign at a server that
  // is gone fails, and the server restarts from the origin (no snapshot).
  auto sup = started(three_hosts());
  CHECK(text(sup.worker_lost(0, 0, exit_cause::unreachable, lost))
        == lines{"reassign 0"});
  // Worker 0 went to host2 (host2 and host3 tied); that leaves host3 the
  // least loaded for the server, and the partition on host3 then moves to
  // host2, which ties with the server's host3 and comes first.
  auto acts = sup.reassign_failed(0, "connection lost");
  CHECK(text(acts)
        == lines{"stop server", "stop worker 1", "stop worker 2",
                 "fault: worker 0 on node host1:4242 is gone (" + lost
                   + "); then reassigning partition 0: connection lost; "
                     "restarted the parameter server on node host3:4242 from the "
                     "checkpoint at update 0; every worker resumes from it",
                 "server on node 2 from update 0", "shards 0,1,2 on node 1",
                 "worker 0 on node 1 at batch 0 stage 0 generation 1",
                 "worker 1 on node 1 at batch 0 stage 0 generation 1",
                 "worker 2 on node 1 at batch 0 stage 0 generation 1"});
  CHECK(server_of(acts).from.weights == initial);
  // The answer to the failed reassign is no longer awaited.
  CHECK(sup.reassign_answered(0, partition_cursor{5, 0, 1}).empty());
}

TEST_CASE("cluster.job_supervisor: a partial partition restarts the cut-off "
          "worker on its own node, once, without a server restart") {
  // faults_test.sh's partition: host2 cannot reach host1 (the server's),
  // both reach the driver. The driver sees every node alive; host2's worker
  // lost the server (cluster/server_watch.hpp) and ended with an error.
  auto sup = started(three_hosts());
  const std::string why = "error(server_lost, worker 1 lost the parameter server "
                          "on host1:4242 ("
                          + lost + ") and no restart came within 6.0 s)";
  CHECK(sup.worker_failed(1, 0, why).empty());
  CHECK(text(sup.worker_lost(1, 0, exit_cause::error, why)) == lines{"reassign 1"});
  // Its node is not marked lost: the replacement runs on host2 again and
  // reaches the server through the driver.
  CHECK(sup.node_alive(1));
  CHECK(text(sup.reassign_answered(1, partition_cursor{0, 0, 1}))
        == lines{"shards 1 on node 1",
                 "fault: worker 1 on node host2:4242 is gone (" + why
                   + "); worker 1 restarted on node host2:4242 from batch 0 "
                     "(generation 1)",
                 "worker 1 on node 1 at batch 0 stage 0 generation 1"});
  CHECK(sup.partition(1).restarts == 1);
  CHECK(sup.server_restarts() == 0);
  CHECK(text(finish_all(sup)) == lines{"finish"});
}

TEST_CASE("cluster.job_supervisor: a cut-off worker's late report after the "
          "server's restart changes nothing") {
  // kill-ps or stop-ps: the driver saw the server's node go and restarted
  // it (every worker one generation up) before a worker's grace ran out;
  // had that worker's error come anyway, it is of a replaced incarnation.
  auto sup = started(three_hosts());
  sup.node_lost(0, lost);
  CHECK(text(sup.server_lost(exit_cause::unreachable, lost)).front() == "stop worker 0");
  CHECK(sup.server_restarts() == 1);
  CHECK(sup.worker_lost(1, 0, exit_cause::error, "error(server_lost, ...)").empty());
  CHECK(sup.partition(1).restarts == 0);
  CHECK(sup.partition(1).generation == 1);
  CHECK(text(finish_all(sup)) == lines{"finish"});
}

TEST_CASE("cluster.job_supervisor: a cascade of two faults ends on the last "
          "host with every commit accounted for") {
  // cascade: SIGKILL host3 at 3 s, host1 (server) link down at 6 s.
  auto sup = started(three_hosts());
  sup.node_lost(2, lost);
  sup.worker_lost(2, 0, exit_cause::unreachable, lost);
  CHECK(text(sup.reassign_answered(2, partition_cursor{18, 0, 1})).back()
        == "worker 2 on node 1 at batch 18 stage 0 generation 1");
  // The server's snapshot after the first fault carries worker 2's new
  // generation.
  sup.snapshot_stored(snapshot(96, {33, 32, 30}, 1));
  auto acts = sup.server_lost(exit_cause::unreachable, lost);
  CHECK(text(acts)
        == lines{"stop worker 0", "stop worker 1", "stop worker 2",
                 "fault: the parameter server on node host1:4242 is gone (" + lost
                   + "); restarted the parameter server on node host2:4242 from "
                     "the checkpoint at update 96; every worker resumes from it",
                 "server on node 1 from update 96", "shards 0,1,2 on node 1",
                 "worker 0 on node 1 at batch 33 stage 0 generation 1",
                 "worker 1 on node 1 at batch 32 stage 0 generation 1",
                 "worker 2 on node 1 at batch 30 stage 0 generation 2"});
  CHECK(sup.partition(2).restarts == 1);
  CHECK(text(sup.node_lost(0, lost)).empty());
  CHECK(text(finish_all(sup)) == lines{"finish"});
}

TEST_CASE("cluster.job_supervisor: a partition that fails more than "
          "--max-restarts times fails the run with its last error") {
  auto cfg = three_hosts();
  cfg.max_restarts = 2;
  auto sup = started(cfg);
  for (std::uint32_t g = 0; g < 2; ++g) {
    sup.worker_failed(1, g, "timeout waiting for the server");
    // Its node is still there: the replacement stays on it.
    CHECK(text(sup.worker_lost(1, g, exit_cause::error, "boom")) == lines{"reassign 1"});
    auto acts = sup.reassign_answered(1, partition_cursor{10 * g, 0, g + 1});
    CHECK(text(acts).back()
          == "worker 1 on node 1 at batch " + std::to_string(10 * g)
               + " stage 0 generation " + std::to_string(g + 1));
  }
  sup.worker_failed(1, 2, "timeout waiting for the server");
  CHECK(text(sup.worker_lost(1, 2, exit_cause::error, "boom"))
        == lines{"fail: worker 1 on node host2:4242 is gone (boom); partition 1 "
                 "was restarted 2 times already (--max-restarts); last error: "
                 "timeout waiting for the server"});
}

TEST_CASE("cluster.job_supervisor: a server that fails more than "
          "--max-restarts times fails the run") {
  auto cfg = three_hosts();
  cfg.max_restarts = 1;
  auto sup = started(cfg);
  // The server failed on a host that is still there: host1 still carries
  // the server's share, so host2 takes it.
  CHECK(text(sup.server_lost(exit_cause::error, "crash"))[4]
        == "server on node 1 from update 0");
  CHECK(sup.node_alive(0));
  CHECK(text(sup.server_lost(exit_cause::error, "crash"))
        == lines{"fail: the parameter server on node host2:4242 is gone (crash); "
                 "the parameter server was restarted 1 times already "
                 "(--max-restarts)"});
}

TEST_CASE("cluster.job_supervisor: losing the last node fails the run") {
  auto cfg = three_hosts();
  cfg.nodes = {"solo:4242"};
  cfg.placement = {0, 0};
  auto sup = started(cfg);
  SUBCASE("a worker's loss") {
    CHECK(text(sup.worker_lost(1, 0, exit_cause::unreachable, lost))
          == lines{"fail: worker 1 on node solo:4242 is gone (" + lost
                   + "); no node is left to run it on"});
  }
  SUBCASE("the server's loss") {
    CHECK(text(sup.server_lost(exit_cause::unreachable, lost))
          == lines{"fail: the parameter server on node solo:4242 is gone (" + lost
                   + "); no node is left to restart the server on"});
  }
}

TEST_CASE("cluster.job_supervisor: the run fails when --run-timeout passes") {
  auto sup = started(three_hosts());
  CHECK(text(sup.run_timed_out())
        == lines{"fail: training did not finish within --run-timeout "
                 "(300.000000 s)"});
}

TEST_CASE("cluster.job_supervisor: Single and Ensemble have no server; a lost "
          "member starts over on a surviving node") {
  auto cfg = three_hosts();
  cfg.has_server = false;
  cfg.nodes = {"a:1", "b:1"};
  // Ensemble of 5 on two nodes of 2 slots: the fifth goes round again.
  cfg.placement = place_workers({2, 2}, 5);
  CHECK(cfg.placement == std::vector<std::size_t>{0, 0, 1, 1, 0});
  job_supervisor sup{cfg};
  CHECK(text(sup.start())
        == lines{"shards 0,1,4 on node 0", "shards 2,3 on node 1",
                 "worker 0 on node 0 at batch 0 stage 0 generation 0",
                 "worker 1 on node 0 at batch 0 stage 0 generation 0",
                 "worker 2 on node 1 at batch 0 stage 0 generation 0",
                 "worker 3 on node 1 at batch 0 stage 0 generation 0",
                 "worker 4 on node 0 at batch 0 stage 0 generation 0"});
  CHECK(text(sup.worker_lost(4, 0, exit_cause::unreachable, lost))
        == lines{"shards 4 on node 1",
                 "fault: worker 4 on node a:1 is gone (" + lost
                   + "); worker 4 restarted on node b:1 from batch 0 "
                     "(generation 1)",
                 "worker 4 on node 1 at batch 0 stage 0 generation 1"});
  CHECK(sup.server_lost(exit_cause::error, "none").empty());
}

TEST_CASE("cluster.job_supervisor: workers are placed by slots, capped at a "
          "trainer's fixed count") {
  CHECK(place_workers({1, 1, 1}, 0) == std::vector<std::size_t>{0, 1, 2});
  CHECK(place_workers({2, 0, 3}, 0) == std::vector<std::size_t>{0, 0, 2, 2, 2});
  // Single: one worker, on the first node.
  CHECK(place_workers({2, 2}, 1) == std::vector<std::size_t>{0});
  CHECK(place_workers({0, 0}, 0).empty());
}

TEST_CASE("cluster.job_supervisor: a resumed run starts from the checkpoint "
          "with every partition one generation on") {
  auto cfg = three_hosts();
  auto from = snapshot(150, {50, 49, 51});
  from.cursors[1].generation = 2;
  cfg.resume_from = from;
  job_supervisor sup{cfg};
  auto acts = sup.start();
  CHECK(text(acts)
        == lines{"server on node 0 from update 150", "shards 0 on node 0",
                 "shards 1 on node 1", "shards 2 on node 2",
                 "worker 0 on node 0 at batch 50 stage 0 generation 1",
                 "worker 1 on node 1 at batch 49 stage 0 generation 3",
                 "worker 2 on node 2 at batch 51 stage 0 generation 1"});
  CHECK(server_of(acts).from.weights == from.weights);
  CHECK(sup.restart_point() == 150);
  // Snapshots of before the resume point are not newer.
  sup.snapshot_stored(snapshot(140, {1, 1, 1}));
  CHECK(sup.restart_point() == 150);
}

TEST_CASE("cluster.job_supervisor: a checkpoint that does not fit the job is "
          "refused") {
  auto cfg = three_hosts();
  cfg.resume_from = snapshot(10, {1, 2});
  CHECK(text(job_supervisor{cfg}.start())
        == lines{"refuse: the checkpoint has 2 partitions but the nodes offer 3 "
                 "workers; use --workers-per-node so that they match"});
  cfg.resume_from = snapshot(10, {1, 2, 3});
  cfg.resume_from->weights.push_back(0);
  CHECK(text(job_supervisor{cfg}.start())
        == lines{"refuse: the checkpoint's model has 4 parameters, the job's 3"});
}

TEST_CASE("cluster.job_supervisor: every recorded fault names its kind, the "
          "label of actors_faults_total") {
  auto kinds = [](const supervisor_actions& as) {
    std::vector<std::string> out;
    for (auto& a : as)
      if (auto* f = std::get_if<act::record_fault>(&a))
        out.push_back(f->kind);
    return out;
  };
  using names = std::vector<std::string>;
  auto sup = started(three_hosts());
  CHECK(kinds(sup.node_lost(2, lost)) == names{"node"});
  sup.worker_lost(2, 0, exit_cause::unreachable, lost);
  CHECK(kinds(sup.reassign_answered(2, partition_cursor{25, 2, 1})) == names{"worker"});
  auto again = started(three_hosts());
  CHECK(kinds(again.server_lost(exit_cause::unreachable, lost)) == names{"server"});
}
