// node_config: the CAF configuration of a process that takes part in jobs.
//
// It loads the middleman, registers every wire type and declares the node.*
// options (name, host, port, workers, threads, data-dir, detached-actors),
// so they can be given in an INI file or as --node.key=value and reach the
// actors through the actor system's configuration. caf-node additionally
// calls serve_actors() so drivers can spawn the runtime's actors there by
// name; nothing else can be spawned on a node.
//
// node.detached-actors (default true) spawns every served worker and
// parameter server with CAF's `detached` option: each runs on a thread of
// its own that sleeps on a condition variable while its mailbox is empty and
// drains the mailbox without a throughput limit when woken
// (caf/detail/private_thread.cpp). The scheduler's threads then only carry
// the light actors (data loader, spawn server), so a worker's training slice
// never waits for a scheduler thread, and fewer threads poll for work
// (CAF 0.17's work stealing polls its queues between jobs). Shutdown is as
// before: stop_served_actors() ends them, and the actor system waits for
// their threads after its scheduler (actor_system::await_detached_threads);
// a detached actor only holds its thread between messages, like any
// event-based actor, so a slice of batches is the longest it can delay a
// stop.
#pragma once

#include <cstdint>
#include <string>

#include <caf/all.hpp>

#include "actors/metrics/registry.hpp"

namespace actors {

/// Settings of one node, with caf-node's defaults.
struct node_settings {
  /// Address to listen on; loopback unless the operator opens it up.
  std::string host = "127.0.0.1";
  /// Port for drivers to connect to.
  std::uint16_t port = 4242;
  /// Name in logs and reports; default: the host name.
  std::string name;
  /// Worker slots: workers a driver places here unless it says otherwise.
  std::size_t workers = 1;
  /// Compute threads per worker.
  std::size_t threads = 1;
  /// Where the node looks for data sets (mnist/, fashion/).
  std::string data_dir = "data";
  /// Served workers and parameter servers run on threads of their own
  /// (CAF's detached spawn) instead of the shared scheduler.
  bool detached_actors = true;
};

/// actor_system_config with the runtime's types and node.* options.
class node_config : public caf::actor_system_config {
public:
  node_config();

  /// Writes `s` into the configuration (embedded nodes set it in code).
  void apply(const node_settings& s);

  /// Reads node.* back from the configuration.
  node_settings settings() const;

  /// Lets remote drivers spawn parameter_server, worker and data_loader;
  /// workers and servers detached if node.detached-actors is true when they
  /// are spawned.
  void serve_actors();

  /// The registry this process's actors report to (metrics/meters.hpp);
  /// null: metrics off. It must outlive the actor system.
  void metrics_registry(actors::metrics::registry* r) { metrics_ = r; }
  actors::metrics::registry* metrics_registry() const { return metrics_; }

private:
  actors::metrics::registry* metrics_ = nullptr;
};

/// Sends an exit to every actor that drivers spawned on this process, so a
/// node shutting down does not wait for jobs that will never finish.
void stop_served_actors();

} // namespace actors
