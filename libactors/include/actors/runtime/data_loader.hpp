// data_loader: one per node and job; the handshake and the node's shards.
//
// The driver first says hello (protocol version, byte order) and gets the
// node's name and capacity back. It then either asks the loader to cut the
// workers' shards from the node's own copy of the data set (after proving
// that copy equals the driver's: same rows, same label checksum), or sends
// the shards itself. Workers on the node fetch their shard from here without
// serialization. Node settings come from the actor system's configuration:
// node.name, node.data-dir, node.workers, node.threads.
#pragma once

#include "actors/data/dataset.hpp"
#include "actors/runtime/protocol.hpp"

namespace actors {

/// Spawns a node's data loader (its state lives in the actor: CAF's
/// stateful_actor).
loader_actor spawn_data_loader(caf::actor_system& sys);

/// The actor factory caf-node registers data loaders with.
caf::actor_factory data_loader_factory();

/// The rows `rows` of `d`, in that order, as worker `worker`'s shard.
shard_data cut_shard(const dataset& d, std::uint32_t worker,
                     const std::vector<std::uint32_t>& rows);

/// CRC-32 of a data set's labels: cheap proof that two copies agree.
std::uint32_t labels_checksum(const std::vector<std::uint8_t>& labels);

} // namespace actors
