// softmax: exp(x_i - max x) / sum_j exp(x_j - max x) over each sample.
//
// As the last layer of a model trained with categorical cross-entropy the
// model fuses the two (see loss.hpp) and only calls forward() to predict;
// backward() is the full Jacobian product for softmax elsewhere.
#pragma once

#include "actors/nn/layer.hpp"

namespace actors {

/// Normalised exponential over the channels of each sample.
class softmax : public layer {
public:
  softmax() : layer("softmax") {}

  void forward(const float* x, float* y, std::size_t n,
               step_context& ctx) override;
  void backward(const float* x, const float* y, float* dy, float* dx,
                std::size_t n, step_context& ctx) override;
  double forward_flops() const override;
};

/// Softmax of one row of `width` values (shared with the fused loss).
void softmax_row(const float* x, float* y, std::size_t width);

} // namespace actors
