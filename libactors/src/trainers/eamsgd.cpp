#include "actors/trainers/eamsgd.hpp"

#include <cassert>

namespace actors {

eamsgd::eamsgd(const rule_options& opts) : aeasgd(opts) {
  assert(opts.momentum >= 0.0 && opts.momentum < 1.0);
}

} // namespace actors
