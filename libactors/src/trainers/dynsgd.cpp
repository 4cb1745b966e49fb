#include "actors/trainers/dynsgd.hpp"

namespace actors {

dynsgd::dynsgd(const rule_options& opts)
  : delta_rule(opts, push_point::after_batch) {
}

std::uint64_t dynsgd::staleness_divisor(std::uint64_t updates,
                                        std::uint64_t last_update) {
  return last_update > updates ? 1 : (updates - last_update) + 1;
}

void dynsgd::apply(float* centre, const float* payload, std::size_t n,
                   std::uint64_t updates, std::uint64_t last_update) {
  const auto s = static_cast<float>(staleness_divisor(updates, last_update));
  for (std::size_t k = 0; k < n; ++k)
    centre[k] += payload[k] / s;
}

} // namespace actors
