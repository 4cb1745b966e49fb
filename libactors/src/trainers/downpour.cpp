#include "actors/trainers/downpour.hpp"

namespace actors {

downpour::downpour(const rule_options& opts)
  : delta_rule(opts, push_point::before_batch) {
}

} // namespace actors
