// system_host (runtime/system_host.hpp): the configuration it builds reaches
// the actor system (node settings, scheduler threads, heartbeats, silence
// limit), argv is read before its options win, and a process without an
// abandoned system exits normally. Real (threaded) systems, no sockets.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <caf/all.hpp>

#include "actors/runtime/system_host.hpp"

using namespace actors;

TEST_CASE("system_host: its options reach the actor system's configuration") {
  system_host_options opts;
  opts.node.name = "host-test";
  opts.node.workers = 3;
  opts.node.threads = 2;
  opts.use_transport = false;
  opts.max_threads = 5;
  opts.heartbeat = timespan_of(0.5);
  opts.connection_timeout = timespan_of(1.5);
  auto host = system_host::start(opts);
  REQUIRE(host.has_value());
  const auto& cfg = (*host)->system().config();
  const auto* node = dynamic_cast<const node_config*>(&cfg);
  REQUIRE(node != nullptr);
  CHECK(node->settings().name == "host-test");
  CHECK(node->settings().workers == 3);
  CHECK(node->settings().threads == 2);
  CHECK(caf::get_or(cfg, "scheduler.max-threads", 0) == 5);
  CHECK(caf::get_or(cfg, "middleman.heartbeat-interval", caf::timespan{0})
        == std::chrono::milliseconds(500));
  CHECK(caf::get_or(cfg, "middleman.connection-timeout", caf::timespan{0})
        == std::chrono::milliseconds(1500));
  CHECK(system_host::exit_process(7) == 7);
}

TEST_CASE("system_host: CAF settings from argv, then its own options win") {
  system_host_options opts;
  opts.use_transport = false;
  opts.node.name = "from-options";
  std::string prog = "test";
  std::string policy = "--scheduler.policy=sharing";
  std::string name = "--node.name=from-argv";
  char* argv[] = {prog.data(), policy.data(), name.data(), nullptr};
  auto host = system_host::start(opts, 3, argv);
  REQUIRE(host.has_value());
  const auto& cfg = (*host)->system().config();
  CHECK(caf::get_or(cfg, "scheduler.policy", caf::atom("")) == caf::atom("sharing"));
  CHECK(dynamic_cast<const node_config&>(cfg).settings().name == "from-options");
}

TEST_CASE("system_host: a bad CAF setting in argv is an error, not a system") {
  system_host_options opts;
  opts.use_transport = false;
  std::string prog = "test";
  std::string bad = "--scheduler.max-threads=many";
  char* argv[] = {prog.data(), bad.data(), nullptr};
  auto host = system_host::start(opts, 2, argv);
  CHECK_FALSE(host.has_value());
}
