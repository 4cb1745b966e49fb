// worker: trains a model replica on one shard and talks to the parameter
// server as the job's trainer rule says.
//
// A worker runs on its own thread (spawn it detached: a mini-batch blocks
// for milliseconds) with a thread_pool of node.threads compute threads. It
// trains in slices of a few batches, sending itself a step message between
// slices, so requests and exit messages are handled between batches. Every
// request to the parameter server or loader carries the job's timeout; an
// error or timeout ends the worker and is delivered to the driver.
#pragma once

#include "actors/runtime/protocol.hpp"

namespace actors {

/// Behaviour of a worker; trains once it receives run_atom.
worker_actor::behavior_type worker(worker_actor::pointer self);

/// An actor factory that spawns workers detached, for add_actor_factory.
caf::actor_factory detached_worker_factory();

} // namespace actors
