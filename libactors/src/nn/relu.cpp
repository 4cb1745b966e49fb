#include "actors/nn/relu.hpp"

namespace actors {

void relu::forward(const float* x, float* y, std::size_t n, step_context&) {
  for (std::size_t k = 0; k < n * in_.size(); ++k)
    y[k] = x[k] > 0.0f ? x[k] : 0.0f;
}

void relu::backward(const float*, const float* y, float* dy, float* dx,
                    std::size_t n, step_context&) {
  if (!dx)
    return;
  for (std::size_t k = 0; k < n * in_.size(); ++k)
    dx[k] = y[k] > 0.0f ? dy[k] : 0.0f;
}

double relu::forward_flops() const {
  return static_cast<double>(in_.size());
}

} // namespace actors
