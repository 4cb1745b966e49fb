#include "actors/trainers/single.hpp"

namespace actors {

single::single(const rule_options& opts) {
  opts_ = opts;
}

void single::apply(float*, const float*, std::size_t, std::uint64_t,
                   std::uint64_t) {
  // No parameter server: nothing to fold in.
}

} // namespace actors
