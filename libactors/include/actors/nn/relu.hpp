// relu: max(0, x) as a layer of its own.
//
// conv2d and dense fuse their activation (Keras's `activation=relu`), which
// saves a pass over memory; this layer is for specs that write it separately.
#pragma once

#include "actors/nn/layer.hpp"

namespace actors {

/// Rectified linear unit.
class relu : public layer {
public:
  relu() : layer("relu") {}

  void forward(const float* x, float* y, std::size_t n,
               step_context& ctx) override;
  void backward(const float* x, const float* y, float* dy, float* dx,
                std::size_t n, step_context& ctx) override;
  double forward_flops() const override;
};

} // namespace actors
