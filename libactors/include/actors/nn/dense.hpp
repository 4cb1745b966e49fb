// dense: fully connected layer y = act(x W + b), W of shape (in, out).
//
// Work is split over threads by output columns in forward and by input rows
// in backward, so no thread needs a private copy of the 4 MB kernel gradient
// of the seed's Dense(225) and nothing has to be summed afterwards.
#pragma once

#include <vector>

#include "actors/nn/layer.hpp"

namespace actors {

/// Fully connected layer with `units` outputs.
class dense : public layer {
public:
  dense(std::size_t units, activation act);

  std::string kind() const override { return "dense"; }
  std::string spec() const override;
  result<shape3> configure(shape3 input) override;
  std::size_t param_count() const override;
  void bind(float* params, float* grads) override;
  void init(rng& random) override;
  void forward(const float* x, float* y, std::size_t n,
               step_context& ctx) override;
  void backward(const float* x, const float* y, float* dy, float* dx,
                std::size_t n, step_context& ctx) override;
  double forward_flops() const override;
  double backward_flops(bool input_grad) const override;

private:
  std::size_t units_;
  activation act_;
  std::size_t inputs_ = 0;
  float* w_ = nullptr;
  float* b_ = nullptr;
  float* dw_ = nullptr;
  float* db_ = nullptr;
};

} // namespace actors
