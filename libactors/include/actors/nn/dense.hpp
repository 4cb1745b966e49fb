// dense: fully connected layer y = act(x W + b), W of shape (in, out).
//
// Work is split over threads by output columns in forward and by input rows
// in backward, so no thread needs a private copy of the 4 MB kernel gradient
// of the seed's Dense(225) and nothing has to be summed afterwards.
#pragma once

#include "actors/nn/kernel_layer.hpp"

namespace actors {

/// Fully connected layer with `units` outputs.
class dense : public kernel_layer {
public:
  dense(std::size_t units, activation act);

  void forward(const float* x, float* y, std::size_t n,
               step_context& ctx) override;
  void backward(const float* x, const float* y, float* dy, float* dx,
                std::size_t n, step_context& ctx) override;

private:
  result<shape3> output_for(shape3 input) override;

  std::size_t units_;
  std::size_t inputs_ = 0;
};

} // namespace actors
