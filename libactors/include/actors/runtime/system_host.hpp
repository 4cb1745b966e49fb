// system_host: owns one process's CAF actor system, from its configuration
// to its end, with CAF 0.17's shutdown workarounds in one place.
//
// It builds the actor_system_config (node_config: the wire types and node.*
// settings; CAF's own settings from argv or a config file; TLS or plain via
// transport.hpp; scheduler threads; heartbeats and the silence limit), starts
// the system and stops it. CAF 0.17's middleman waits at shutdown until every
// connection has sent what it holds, and one to a host that vanished (link
// cut, frozen) never does. Two ways out, both here:
// - abandon(): after a fault the system is left to the process exit, which
//   must then come through exit_process() (std::_Exit, no destructors: the
//   abandoned system's threads still run). train_mnist does this.
// - shutdown_grace: if stopping the system still waits after this long, the
//   process exits with shutdown_exit_code. caf-node does this.
// One host per system; construct and destroy it on the main thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/runtime/node_config.hpp"
#include "actors/runtime/transport.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// How a process's actor system is configured and shut down.
struct system_host_options {
  /// node.* settings written into the configuration.
  node_settings node;
  /// Let drivers spawn the runtime's actors here (caf-node).
  bool serve_actors = false;
  /// TLS settings (checked by check_tls); applied only if `use_transport`.
  tls_settings tls;
  /// Load the transport (TLS when `tls` asks for it): false for a process
  /// that never talks to another one.
  bool use_transport = true;
  /// CAF's scheduler.max-threads; 0 = as configured (CAF's default).
  std::size_t max_threads = 0;
  /// CAF's work-stealing.moderate-poll-attempts, if set here (else as
  /// configured; CAF's default 500). An idle scheduler thread of CAF 0.17
  /// polls its queue 100 times, then this many times 50 us apart, then
  /// waits on a condition variable that new work signals; each of those
  /// short sleeps is a wakeup that costs CPU.
  std::optional<std::size_t> moderate_polls;
  /// middleman.heartbeat-interval, if set here (else as configured).
  std::optional<caf::timespan> heartbeat;
  /// middleman.connection-timeout, if set here (else as configured).
  std::optional<caf::timespan> connection_timeout;
  /// Exit the process this long after shutdown began if the system still
  /// waits for a peer; zero = wait.
  std::chrono::seconds shutdown_grace{0};
  /// Exit code of that forced exit.
  int shutdown_exit_code = 0;
  /// Who speaks in that exit's message ("node n1").
  std::string log_name = "actor system";
  /// The registry the actors report to; null = metrics off. Must outlive
  /// the host.
  metrics::registry* metrics = nullptr;
};

/// A seconds value as CAF's timespan.
caf::timespan timespan_of(double seconds);

/// Owns an actor system; see the header comment.
class system_host {
public:
  /// Configures and starts a system. With argv, CAF's own settings are read
  /// from it (and from its --config-file) first; `opts` then wins.
  static result<std::unique_ptr<system_host>>
  start(const system_host_options& opts, int argc = 0, char** argv = nullptr);

  ~system_host();
  system_host(const system_host&) = delete;
  system_host& operator=(const system_host&) = delete;

  caf::actor_system& system() { return *sys_; }

  /// Leaves the system to the process exit instead of stopping it (after a
  /// fault: a connection to a vanished peer would block the shutdown).
  /// The process must then end through exit_process().
  void abandon() { abandon_ = true; }

  /// Returns `rc` for main to return, or, if any system was abandoned,
  /// flushes stdout and stderr and ends the process with `rc` at once.
  static int exit_process(int rc);

private:
  system_host(const system_host_options& opts, std::unique_ptr<node_config> cfg);

  system_host_options opts_;
  std::unique_ptr<node_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  bool abandon_ = false;
};

} // namespace actors
