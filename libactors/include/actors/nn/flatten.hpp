// flatten: reinterprets an h x w x c sample as a 1 x 1 x (h*w*c) vector.
//
// NHWC storage is already in Keras's channels_last flatten order, so this is
// a view: the model passes the buffer through and nothing is copied.
#pragma once

#include "actors/nn/layer.hpp"

namespace actors {

/// Reshape to a flat vector.
class flatten : public layer {
public:
  flatten() : layer("flatten") {}

  bool is_view() const override { return true; }
  void forward(const float* x, float* y, std::size_t n,
               step_context& ctx) override;
  void backward(const float* x, const float* y, float* dy, float* dx,
                std::size_t n, step_context& ctx) override;

private:
  result<shape3> output_for(shape3 input) override {
    return shape3{1, 1, input.size()};
  }
};

} // namespace actors
