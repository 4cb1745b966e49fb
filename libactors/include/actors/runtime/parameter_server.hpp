// parameter_server: the actor that holds the centre variable of a job.
//
// It applies the trainer's server rule (see trainers/update_rule.hpp) to
// every commit in place, never copying the model per commit; a pull costs
// one copy of the centre. Messages are validated before anything is applied:
// a payload of the wrong size, from a worker id outside the job, or holding
// a NaN or infinity is answered with a bad_message error and counted.
// Averaging's pulls wait until every worker's payload of the round is in.
//
// With --partitioning=dynamic it also holds the run's chunk queue
// (cluster/chunk_queue.hpp, which says why it lives here): a worker's first
// lease is a lease_atom request, every later one rides on the reply to its
// commit or exchange (grants, topped up to the worker's lease depth); a
// commit must complete a chunk leased to that worker's incarnation or it is
// refused; reassign puts the replaced worker's chunks back at the front of
// the queue; snapshots carry the queue.
//
// With ps_init::shards = N > 1 it is shard ps_init::shard of a sharded
// server (--ps-shards; src/runtime/ps_shards.cpp): `weights` is its range
// (cluster/shard_plan.hpp), a commit's part is held until the lead (shard 0)
// orders it (cluster/commit_sequencer.hpp), and the driver introduces the
// shards to each other (peers_atom) before any worker starts. The lead
// alone holds the chunk queue, answers leases, reassigns (fencing the
// worker at every shard) and stops; no shard sends snapshots (a cut
// consistent over the shards is not built yet).
#pragma once

#include "actors/runtime/protocol.hpp"

namespace actors {

/// Spawns a parameter server started with `init` (its state lives in the
/// actor: CAF's stateful_actor).
ps_actor spawn_parameter_server(caf::actor_system& sys, ps_init init);

/// The actor factory caf-node registers parameter servers with.
caf::actor_factory parameter_server_factory();

} // namespace actors
