// dropout: zeroes a random share `rate` of activations while training.
//
// Inverted dropout, as Keras does it: kept values are scaled by 1/(1-rate)
// during training so inference is the identity. The mask comes from the step
// context's rng, so a run is reproducible from its seed.
#pragma once

#include <vector>

#include "actors/nn/layer.hpp"

namespace actors {

/// Random zeroing of activations during training.
class dropout : public layer {
public:
  explicit dropout(float rate);

  void forward(const float* x, float* y, std::size_t n,
               step_context& ctx) override;
  void backward(const float* x, const float* y, float* dy, float* dx,
                std::size_t n, step_context& ctx) override;

private:
  result<shape3> output_for(shape3 input) override;

  float rate_;
  std::vector<float> mask_; // 0 or 1/(1-rate) per element of the last batch
};

} // namespace actors
