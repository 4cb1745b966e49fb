#include "actors/train/partitioning.hpp"

#include "actors/trainers/registry.hpp"

namespace actors {

const char* partitioning_name(partitioning_mode mode) {
  return mode == partitioning_mode::dynamic ? "dynamic" : "static";
}

result<partitioning_mode> parse_partitioning(const std::string& text,
                                             const std::string& option) {
  if (text == "static")
    return partitioning_mode::fixed;
  if (text == "dynamic")
    return partitioning_mode::dynamic;
  return status::invalid_argument("option '" + option + "' expects static or "
                                  "dynamic, not '" + text + "'");
}

status check_partitioning(const std::string& trainer, partitioning_mode mode) {
  const auto* entry = find_trainer(trainer);
  if (mode == partitioning_mode::fixed || entry == nullptr
      || entry->dynamic_partitioning)
    return status::ok();
  std::string able;
  for (const auto& e : trainer_registry())
    if (e.dynamic_partitioning)
      able += std::string{able.empty() ? "" : ", "} + e.name;
  return status::invalid_argument(
    "option 'partitioning': trainer '" + trainer + "' does not support dynamic "
    "partitioning (only trainers whose workers commit to the parameter server "
    "on their own do: " + able + "); use --partitioning=static");
}

} // namespace actors
