#include "actors/nn/softmax.hpp"

#include <algorithm>
#include <cmath>

namespace actors {

void softmax_row(const float* x, float* y, std::size_t width) {
  const float top = *std::max_element(x, x + width);
  float sum = 0.0f;
  for (std::size_t k = 0; k < width; ++k) {
    y[k] = std::exp(x[k] - top);
    sum += y[k];
  }
  const float inv = 1.0f / sum;
  for (std::size_t k = 0; k < width; ++k)
    y[k] *= inv;
}

void softmax::forward(const float* x, float* y, std::size_t n, step_context&) {
  const std::size_t width = in_.size();
  for (std::size_t i = 0; i < n; ++i)
    softmax_row(x + i * width, y + i * width, width);
}

void softmax::backward(const float*, const float* y, float* dy, float* dx,
                       std::size_t n, step_context&) {
  if (!dx)
    return;
  const std::size_t width = in_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const float* yi = y + i * width;
    const float* gi = dy + i * width;
    float dot = 0.0f;
    for (std::size_t k = 0; k < width; ++k)
      dot += gi[k] * yi[k];
    for (std::size_t k = 0; k < width; ++k)
      dx[i * width + k] = yi[k] * (gi[k] - dot);
  }
}

double softmax::forward_flops() const {
  return 3.0 * static_cast<double>(in_.size());
}

} // namespace actors
