#include "actors/trainers/ensemble.hpp"

#include <cassert>

namespace actors {

ensemble::ensemble(const rule_options& opts) {
  assert(opts.num_ensembles >= 1);
  opts_ = opts;
}

void ensemble::apply(float*, const float*, std::size_t, std::uint64_t,
                     std::uint64_t) {
  // No parameter server: nothing to fold in.
}

} // namespace actors
