// server_watch: what a worker does when it loses its parameter server, as a
// state machine without CAF (the worker actor, runtime/worker.cpp, feeds it
// the server's down message and asks it again when the grace has passed).
//
// The worker monitors the server. In CAF 0.17.6, when the BASP connection
// to the server's node breaks (the node killed, frozen past
// middleman.connection-timeout, or cut off), the worker's node purges every
// proxy of that node (io/basp_broker.cpp: connection_cleanup ->
// routing_table::erase_direct -> purge_state -> proxy_registry::erase(nid),
// reason exit_reason::remote_link_unreachable) and each monitor gets a
// down message. A request in flight to that proxy is never answered:
// kill_proxy drops the proxy's broker handle and forward_msg then drops
// whatever is sent to it (core/forwarding_actor_proxy.cpp). Without the
// monitor the worker would wait for its --timeout (120 s).
//
// Who acts depends on what the driver sees, which the worker cannot tell:
// - the server's node is lost to the driver too (killed, frozen, its link
//   down): the driver notices within its --fault-timeout (heartbeats), and
//   job_supervisor::server_lost restarts the server from its newest
//   snapshot and stops every worker, this one included;
// - only this node lost it (a partial partition: the driver still reaches
//   the server): nothing happens unless this worker ends. It then ends with
//   an error; job_supervisor::worker_lost reassigns its partition (the
//   server fences this incarnation, so every commit stays exactly-once) and
//   the new worker reaches the server through the driver.
// So the worker waits grace() = the driver's fault timeout + 1 s before it
// ends: by then the driver has stopped it if the server is lost for
// everyone. Ending at once would race the driver's own restart: the
// partition would be reassigned by a request to a dead server, which waits
// for the driver's connect timeout. The 1 s covers the driver's silence
// check (once per heartbeat, 0.5 s by default) and its stop message.
//
// A worker of a sharded server (--ps-shards=N) watches every shard and
// waits 1 s more: when two shards lose each other (a cut between their
// nodes, cluster/shard_watch.hpp), the shards end after the fault timeout
// + 1 s and the driver restarts every shard, stopping this worker; the
// worker, which lost the same node at the same moment, must not end first
// and have its partition reassigned to a server about to restart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace actors {

class server_watch {
public:
  /// `fault_timeout`: the driver's --fault-timeout in seconds (0 when the
  /// driver did not say, e.g. everything in one process); `sharded`: the
  /// server is N > 1 shards (one more second, see above).
  explicit server_watch(double fault_timeout = 0, bool sharded = false);

  /// Seconds between losing the server and ending the worker.
  double grace() const { return grace_; }

  /// The server's actor ended, `reason` as the transport put it, at `now`
  /// (seconds on a steady clock). Returns the seconds after which to call
  /// expired(); nothing if a loss was already seen (its deadline stands).
  std::optional<double> lost(std::string reason, double now);

  /// Whether the server was lost at least grace() before `now`, so that the
  /// worker must end (still running means the driver did not stop it).
  bool expired(double now) const;

  /// The worker's error when it ends: the server's node `server`
  /// ("HOST:PORT", empty when local) and, sharded, which `shard` it lost,
  /// the reason and the grace that passed.
  std::string why(const std::string& server,
                  std::optional<std::uint32_t> shard = std::nullopt) const;

private:
  double grace_;
  std::optional<double> lost_at_;
  std::string reason_;
};

} // namespace actors
