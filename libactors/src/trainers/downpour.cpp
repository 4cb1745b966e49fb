#include "actors/trainers/downpour.hpp"

#include <cassert>

namespace actors {

downpour::downpour(const rule_options& opts) {
  assert(opts.window >= 1);
  opts_ = opts;
}

bool downpour::communicate_before(std::size_t i) const {
  return i != 0 && i % opts_.window == 0;
}

void downpour::make_payload(const float* w, const float* w_pull,
                            float* payload, std::size_t n) const {
  for (std::size_t k = 0; k < n; ++k)
    payload[k] = w[k] - w_pull[k];
}

void downpour::apply(float* centre, const float* payload, std::size_t n,
                     std::uint64_t, std::uint64_t) {
  for (std::size_t k = 0; k < n; ++k)
    centre[k] += payload[k];
}

} // namespace actors
