// metrics_hooks: how the runtime's actors find their meters
// (metrics/meters.hpp). The registry hangs off the actor system's
// node_config (system_host_options::metrics), not a global, so two systems
// in one process (tests) keep their figures apart; an actor system without
// one gets meters that do nothing.
#pragma once

#include <cstdint>
#include <string>

#include <caf/all.hpp>

#include "actors/metrics/meters.hpp"

namespace actors {

/// The registry of `sys`'s configuration; null if metrics are off or `sys`
/// was not configured by a node_config (actor tests).
metrics::registry* metrics_of(caf::actor_system& sys);

/// The meter of worker `worker` on this node (node.name).
metrics::worker_meter worker_meter_of(caf::actor_system& sys, std::uint32_t worker);

/// The meter of a parameter server on this node.
metrics::server_meter server_meter_of(caf::actor_system& sys);

} // namespace actors
