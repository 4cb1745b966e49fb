// kernel_layer: the part conv2d and dense share, a kernel and a bias followed
// by a fused activation.
//
// Owns the bookkeeping of the two parameter blocks: their sizes, the views
// that bind() points into the model's buffers (kernel, then bias, as Keras
// orders get_weights()), Keras's default initialisers (Glorot-uniform kernel,
// zero bias), the activation's word in the spec line and the operation
// counts. A subclass computes the sizes in its output_for() and passes them
// to shape_parameters(); its forward() and backward() use w_, b_, dw_ and db_.
#pragma once

#include <cstddef>
#include <string>

#include "actors/nn/layer.hpp"

namespace actors {

/// A layer with a kernel, a bias and a fused activation.
class kernel_layer : public layer {
public:
  std::size_t param_count() const final;
  void bind(float* params, float* grads) final;
  void init(rng& random) final;

  /// Every kernel weight is one multiply-add per output position.
  double forward_flops() const final;

  /// The kernel gradient costs as much as forward(), the input gradient as
  /// much again.
  double backward_flops(bool input_grad) const final;

protected:
  /// `spec` without the activation, which this appends.
  kernel_layer(const std::string& spec, activation act);

  /// Sizes the parameters: `kernel` weights whose Glorot fans are `fan_in`
  /// and `fan_out`, and `bias` biases. Called from output_for().
  void shape_parameters(std::size_t kernel, std::size_t bias,
                        std::size_t fan_in, std::size_t fan_out);

  activation act_;
  float* w_ = nullptr;
  float* b_ = nullptr;
  float* dw_ = nullptr;
  float* db_ = nullptr;

private:
  std::size_t kernel_size_ = 0;
  std::size_t bias_size_ = 0;
  std::size_t fan_in_ = 0;
  std::size_t fan_out_ = 0;
};

} // namespace actors
