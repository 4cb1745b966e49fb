#include "actors/trainers/dynsgd.hpp"

#include <cassert>

namespace actors {

dynsgd::dynsgd(const rule_options& opts) {
  assert(opts.window >= 1);
  opts_ = opts;
}

bool dynsgd::communicate_after(std::size_t i) const {
  return i != 0 && i % opts_.window == 0;
}

void dynsgd::make_payload(const float* w, const float* w_pull, float* payload,
                          std::size_t n) const {
  for (std::size_t k = 0; k < n; ++k)
    payload[k] = w[k] - w_pull[k];
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
