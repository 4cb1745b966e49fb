// shard_watch: what a shard of a sharded parameter server (--ps-shards=N)
// does when it loses a peer shard, as a state machine without CAF (the
// server actor, runtime/parameter_server.cpp, feeds it the peer's down
// message and asks it again when the grace has passed).
//
// Shard 0, the lead, orders every commit and every other shard holds its
// part of a commit until that order comes (runtime/ps_shards.cpp). So the
// lead watches (monitors) every other shard and each other shard watches
// the lead; shards other than the lead never talk to each other and do not
// watch each other. A shard that cannot reach the lead, or the lead that
// cannot reach a shard, stalls every exchange: each worker's part stays
// held forever.
//
// CAF 0.17.6 tells the shard: when the BASP connection to a peer's node
// breaks (the node killed, frozen past middleman.connection-timeout, or cut
// off from this node only), this node purges every proxy of that node
// (io/basp_broker.cpp connection_cleanup -> routing_table::erase_direct ->
// purge_state -> proxy_registry::erase), even while a route through the
// driver remains, and each monitor gets a down message
// (remote_link_unreachable).
//
// As for a worker that loses its server (cluster/server_watch.hpp), who
// acts depends on what the driver sees:
// - the peer's node is lost to the driver too: the driver notices within
//   its --fault-timeout and restarts every shard from the newest snapshot
//   (job_supervisor::server_lost), stopping this one;
// - only the two nodes lost each other (a partial partition): the driver,
//   which still reaches both, sees nothing until a shard ends. This shard
//   then ends with an error naming the peer and its node; to the driver
//   that is a shard lost, which is the server lost: every shard restarts
//   from the newest snapshot (a consistent cut), so the commit counts stay
//   exactly-once. The restarted shards reach each other through the driver
//   when the cut is still there (CAF routes a handle it learned from the
//   driver through the driver when no direct connection exists).
// So the shard waits grace() = the driver's fault timeout + 1 s before it
// ends: by then the driver has stopped it if the node is lost for everyone,
// and one restart happens, not two (a restart for a node the driver still
// believes alive would place a shard on it). Both shards of a cut pair end
// at about the same time; the driver restarts on the first down message
// and no longer watches the other (runtime/job_runner.cpp on_shard_lost).
// A worker that lost a shard waits 1 s longer (server_watch), so this
// restart, which stops it, comes first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace actors {

class shard_watch {
public:
  /// Shard `shard` of `shards`; `fault_timeout`: the driver's
  /// --fault-timeout in seconds (0 when the driver did not say).
  explicit shard_watch(double fault_timeout = 0, std::uint32_t shard = 0,
                       std::uint32_t shards = 1);

  /// The peer shards this shard watches: every other one at the lead (shard
  /// 0), the lead at any other; none when unsharded.
  std::vector<std::uint32_t> watched() const;

  /// Seconds between losing a peer and ending the shard.
  double grace() const { return grace_; }

  /// Peer shard `peer` on node `node` ("host:port", may be empty) ended,
  /// `reason` as the transport put it, at `now` (seconds on a steady
  /// clock). Returns the seconds after which to call expired(); nothing if
  /// a loss was already seen (its deadline stands) or `peer` is not
  /// watched.
  std::optional<double> lost(std::uint32_t peer, std::string node, std::string reason,
                             double now);

  /// Whether a peer was lost at least grace() before `now`, so that the
  /// shard must end (still running means the driver did not restart it).
  bool expired(double now) const;

  /// The shard's error when it ends: itself, the peer, its node, the
  /// reason and the grace that passed.
  std::string why() const;

private:
  bool watches(std::uint32_t peer) const;

  double grace_;
  std::uint32_t shard_;
  std::uint32_t shards_;
  std::optional<double> lost_at_;
  std::uint32_t peer_ = 0;
  std::string node_;
  std::string reason_;
};

} // namespace actors
