#include "actors/nn/dropout.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "actors/util/rng.hpp"

namespace actors {

dropout::dropout(float rate)
  : layer(fmt::format("dropout rate={}", rate)), rate_(rate) {
}

result<shape3> dropout::output_for(shape3 input) {
  if (!(rate_ >= 0.0f && rate_ < 1.0f))
    return status::invalid_argument(
      fmt::format("dropout: rate must be in [0, 1), got {}", rate_));
  return input;
}

void dropout::forward(const float* x, float* y, std::size_t n,
                      step_context& ctx) {
  const std::size_t count = n * in_.size();
  if (!ctx.training || rate_ == 0.0f) {
    std::copy(x, x + count, y);
    mask_.assign(count, 1.0f);
    return;
  }
  const float keep_scale = 1.0f / (1.0f - rate_);
  mask_.resize(count);
  for (std::size_t k = 0; k < count; ++k) {
    mask_[k] = ctx.random->uniform() < rate_ ? 0.0f : keep_scale;
    y[k] = x[k] * mask_[k];
  }
}

void dropout::backward(const float*, const float*, float* dy, float* dx,
                       std::size_t n, step_context&) {
  if (!dx)
    return;
  for (std::size_t k = 0; k < n * in_.size(); ++k)
    dx[k] = dy[k] * mask_[k];
}

} // namespace actors
