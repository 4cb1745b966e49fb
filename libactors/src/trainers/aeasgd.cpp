#include "actors/trainers/aeasgd.hpp"

#include <cassert>

namespace actors {

aeasgd::aeasgd(const rule_options& opts) {
  assert(opts.window >= 1);
  assert(opts.rho > 0.0 && opts.elastic_lr > 0.0);
  opts_ = opts;
}

bool aeasgd::communicate_before(std::size_t i) const {
  return i != 0 && i % opts_.window == 0;
}

void aeasgd::elastic_step(float* w, const float* centre, float* payload,
                          std::size_t n) const {
  const auto a = static_cast<float>(alpha());
  for (std::size_t k = 0; k < n; ++k) {
    const float e = a * (w[k] - centre[k]);
    w[k] -= e;
    payload[k] = e;
  }
}

void aeasgd::apply(float* centre, const float* payload, std::size_t n,
                   std::uint64_t, std::uint64_t) {
  for (std::size_t k = 0; k < n; ++k)
    centre[k] += payload[k];
}

} // namespace actors
