#include "actors/trainers/averaging.hpp"

#include <algorithm>
#include <cassert>

namespace actors {

averaging::averaging(const rule_options& opts) {
  assert(opts.workers >= 1);
  opts_ = opts;
}

void averaging::make_payload(const float* w, const float*, float* payload,
                             std::size_t n) const {
  std::copy(w, w + n, payload);
}

void averaging::apply(float* centre, const float* payload, std::size_t n,
                      std::uint64_t, std::uint64_t) {
  const std::size_t round = opts_.workers;
  if (received_ == 0 || received_ == round) {
    // A new round. The sum is kept in double so that the mean of many
    // workers' weights loses nothing to the order of arrival.
    sum_.assign(n, 0.0);
    received_ = 0;
  }
  assert(sum_.size() == n);
  for (std::size_t k = 0; k < n; ++k)
    sum_[k] += payload[k];
  ++received_;
  if (received_ == round) {
    const double scale = 1.0 / static_cast<double>(round);
    for (std::size_t k = 0; k < n; ++k)
      centre[k] = static_cast<float>(sum_[k] * scale);
  }
}

bool averaging::round_complete() const {
  return received_ == 0 || received_ == opts_.workers;
}

} // namespace actors
