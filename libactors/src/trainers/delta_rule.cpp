#include "actors/trainers/delta_rule.hpp"

#include <cassert>

namespace actors {

delta_rule::delta_rule(const rule_options& opts, push_point when)
  : when_(when) {
  assert(opts.window >= 1);
  opts_ = opts;
}

bool delta_rule::at_window_end(std::size_t i) const {
  return i != 0 && i % opts_.window == 0;
}

bool delta_rule::communicate_before(std::size_t i) const {
  return when_ == push_point::before_batch && at_window_end(i);
}

bool delta_rule::communicate_after(std::size_t i) const {
  return when_ == push_point::after_batch && at_window_end(i);
}

void delta_rule::make_payload(const float* w, const float* w_pull,
                              float* payload, std::size_t n) const {
  for (std::size_t k = 0; k < n; ++k)
    payload[k] = w[k] - w_pull[k];
}

void delta_rule::rebase(float* w, const float* centre, const float* w_sent,
                        std::size_t n) const {
  for (std::size_t k = 0; k < n; ++k)
    w[k] = centre[k] + (w[k] - w_sent[k]);
}

void delta_rule::apply(float* centre, const float* payload, std::size_t n,
                       std::uint64_t, std::uint64_t) {
  for (std::size_t k = 0; k < n; ++k)
    centre[k] += payload[k];
}

} // namespace actors
