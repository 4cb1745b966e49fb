#include "actors/train/exchange_defaults.hpp"

#include "actors/trainers/registry.hpp"

namespace actors {

exchange_choice exact_exchange() {
  return {};
}

exchange_choice default_exchange(const std::string& trainer, bool multi_node) {
  exchange_choice out = exact_exchange();
  const trainer_entry* entry = find_trainer(trainer);
  if (!multi_node || entry == nullptr || !entry->needs_server)
    return out;
  // Averaging's round sends whole models: it keeps the exact wire too.
  if (!entry->dynamic_partitioning)
    return out;
  out.partitioning = partitioning_mode::dynamic;
  out.overlap = entry->overlap && entry->overlap_default;
  out.wire = "int8";
  return out;
}

} // namespace actors
