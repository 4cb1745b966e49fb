// worker: trains a model replica on one shard and talks to the parameter
// server as the job's trainer rule says.
//
// A worker runs on the CAF scheduler, whose thread it holds for a slice of
// 8 mini-batches (tens of milliseconds), so a process hosting W workers runs
// W + 2 scheduler threads; its compute runs on a thread_pool of node.threads
// threads. Between slices it sends itself a step message, so requests and
// exit messages are handled between batches. (Detached workers were tried:
// CAF 0.17 could then hang at shutdown waiting for a finished detached actor
// whose last reference a remote peer still held.) Every
// request to the parameter server or loader carries the job's timeout; an
// error or timeout ends the worker and is delivered to the driver.
//
// What it trains next: with static partitions (dist-keras) it walks its
// shard, reshuffled every epoch, and resumes a partition from the cursor it
// is started at; with --partitioning=dynamic its shard is the whole training
// set and it trains the chunks the parameter server leases to it
// (cluster/chunk_source.hpp: its first lease is a lease_atom request, later
// ones ride on the replies), committing each chunk with its id; it returns
// when it holds no chunk, has no exchange in flight and was granted nothing
// more. worker_result::chunks counts the chunks it completed.
#pragma once

#include "actors/runtime/protocol.hpp"

namespace actors {

/// Spawns a worker (its state lives in the actor: CAF's stateful_actor);
/// it trains once it receives run_atom.
worker_actor spawn_worker(caf::actor_system& sys);

/// The actor factory caf-node registers workers with; it spawns detached
/// when the actor_config it is given carries CAF's detached flag.
caf::actor_factory worker_factory();

} // namespace actors
