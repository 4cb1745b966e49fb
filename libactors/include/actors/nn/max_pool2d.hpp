// max_pool2d: non-overlapping max pooling (pool size = stride), NHWC.
//
// Keeps the position of each window's maximum from forward so backward routes
// the gradient there without searching again. Like Keras's `valid` padding,
// trailing rows/columns that do not fill a window are dropped.
#pragma once

#include <cstdint>
#include <vector>

#include "actors/nn/layer.hpp"

namespace actors {

/// Max pooling with a square window.
class max_pool2d : public layer {
public:
  explicit max_pool2d(std::size_t pool);

  void forward(const float* x, float* y, std::size_t n,
               step_context& ctx) override;
  void backward(const float* x, const float* y, float* dy, float* dx,
                std::size_t n, step_context& ctx) override;
  double forward_flops() const override;

private:
  result<shape3> output_for(shape3 input) override;

  std::size_t pool_;
  std::vector<std::uint32_t> argmax_;
};

} // namespace actors
