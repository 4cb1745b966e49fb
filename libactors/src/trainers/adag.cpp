#include "actors/trainers/adag.hpp"

namespace actors {

adag::adag(const rule_options& opts)
  : delta_rule(opts, push_point::after_batch) {
}

void adag::make_payload(const float* w, const float* w_pull, float* payload,
                        std::size_t n) const {
  // A division, as dist-keras does, rather than a multiplication by 1 / w,
  // which would round differently for windows that are not powers of two.
  const auto window = static_cast<float>(opts_.window);
  for (std::size_t k = 0; k < n; ++k)
    payload[k] = (w[k] - w_pull[k]) / window;
}

} // namespace actors
