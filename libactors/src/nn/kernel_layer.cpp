#include "actors/nn/kernel_layer.hpp"

#include <algorithm>
#include <cmath>

#include "actors/util/rng.hpp"

namespace actors {

namespace {

/// Glorot-uniform limit for a kernel with these fans (Keras's default).
float glorot_limit(std::size_t fan_in, std::size_t fan_out) {
  return std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
}

} // namespace

kernel_layer::kernel_layer(const std::string& spec, activation act)
  : layer(spec + " activation="
          + (act == activation::relu ? "relu" : "linear")),
    act_(act) {
}

void kernel_layer::shape_parameters(std::size_t kernel, std::size_t bias,
                                    std::size_t fan_in, std::size_t fan_out) {
  kernel_size_ = kernel;
  bias_size_ = bias;
  fan_in_ = fan_in;
  fan_out_ = fan_out;
}

std::size_t kernel_layer::param_count() const {
  return kernel_size_ + bias_size_;
}

void kernel_layer::bind(float* params, float* grads) {
  w_ = params;
  b_ = params + kernel_size_;
  dw_ = grads;
  db_ = grads + kernel_size_;
}

void kernel_layer::init(rng& random) {
  const float limit = glorot_limit(fan_in_, fan_out_);
  for (std::size_t i = 0; i < kernel_size_; ++i)
    w_[i] = random.uniform(-limit, limit);
  std::fill(b_, b_ + bias_size_, 0.0f);
}

double kernel_layer::forward_flops() const {
  return 2.0 * static_cast<double>(out_.h * out_.w * kernel_size_);
}

double kernel_layer::backward_flops(bool input_grad) const {
  return forward_flops() * (input_grad ? 2.0 : 1.0);
}

} // namespace actors
