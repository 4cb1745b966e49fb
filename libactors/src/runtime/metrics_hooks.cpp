#include "actors/runtime/metrics_hooks.hpp"

#include "actors/runtime/node_config.hpp"

namespace actors {

namespace {

std::string node_name(caf::actor_system& sys) {
  return caf::get_or(sys.config(), "node.name", "local");
}

} // namespace

metrics::registry* metrics_of(caf::actor_system& sys) {
  const auto* cfg = dynamic_cast<const node_config*>(&sys.config());
  return cfg != nullptr ? cfg->metrics_registry() : nullptr;
}

metrics::worker_meter worker_meter_of(caf::actor_system& sys, std::uint32_t worker) {
  return {metrics_of(sys), worker, node_name(sys)};
}

metrics::server_meter server_meter_of(caf::actor_system& sys) {
  return {metrics_of(sys), node_name(sys)};
}

} // namespace actors
