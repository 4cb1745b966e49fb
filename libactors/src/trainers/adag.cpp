#include "actors/trainers/adag.hpp"

#include <cassert>

namespace actors {

adag::adag(const rule_options& opts) {
  assert(opts.window >= 1);
  opts_ = opts;
}

bool adag::communicate_after(std::size_t i) const {
  return i != 0 && i % opts_.window == 0;
}

void adag::make_payload(const float* w, const float* w_pull, float* payload,
                        std::size_t n) const {
  // A division, as dist-keras does, rather than a multiplication by 1 / w,
  // which would round differently for windows that are not powers of two.
  const auto window = static_cast<float>(opts_.window);
  for (std::size_t k = 0; k < n; ++k)
    payload[k] = (w[k] - w_pull[k]) / window;
}

void adag::apply(float* centre, const float* payload, std::size_t n,
                 std::uint64_t, std::uint64_t) {
  for (std::size_t k = 0; k < n; ++k)
    centre[k] += payload[k];
}

} // namespace actors
