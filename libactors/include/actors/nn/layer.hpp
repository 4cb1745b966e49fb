// layer: one stage of a sequential model, on batches of NHWC float tensors.
//
// A layer does not own its parameters: the model keeps every parameter in one
// contiguous buffer and every gradient in another, and bind() hands each
// layer its slice of both. That makes the whole model one vector for the
// parameter server, the optimizers and the save format. Parameters are laid
// out as Keras orders get_weights(): kernel, then bias.
//
// A layer instance is used by one training thread at a time; inside
// forward/backward it may split the batch over `step_context::pool`.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "actors/util/status.hpp"

namespace actors {

class rng;
class thread_pool;

/// Shape of one sample: height x width x channels (dense data is 1 x 1 x c).
struct shape3 {
  std::size_t h = 1;
  std::size_t w = 1;
  std::size_t c = 1;
  std::size_t size() const { return h * w * c; }
  friend bool operator==(const shape3& a, const shape3& b) {
    return a.h == b.h && a.w == b.w && a.c == b.c;
  }
};

/// What a layer needs to know about the step it runs in.
struct step_context {
  /// Threads to split work over; never null while a model runs.
  thread_pool* pool = nullptr;
  /// True while training (dropout active), false for inference.
  bool training = false;
  /// Randomness for dropout masks.
  rng* random = nullptr;
};

/// Activation fused into a conv2d or dense layer (Keras's `activation=`).
enum class activation { linear, relu };

/// Base class of every layer.
class layer {
public:
  virtual ~layer();

  /// Layer name as written in a model spec, e.g. "conv2d".
  std::string kind() const { return spec_.substr(0, spec_.find(' ')); }

  /// The spec line that recreates this layer, e.g. "dense units=10".
  const std::string& spec() const { return spec_; }

  /// Fixes the input shape and returns the output shape, or an error if the
  /// layer cannot take that input. Called once, before bind().
  result<shape3> configure(shape3 input);

  /// Number of trainable parameters (kernel + bias).
  virtual std::size_t param_count() const { return 0; }

  /// Points the layer at its slices of the model's parameter and gradient
  /// buffers; both must outlive the layer's use.
  virtual void bind(float* /*params*/, float* /*grads*/) {}

  /// Fills the parameters with Keras's default initialisers.
  virtual void init(rng& /*random*/) {}

  /// True if the output is the input, reinterpreted (flatten): the model then
  /// passes the input buffer through instead of copying.
  virtual bool is_view() const { return false; }

  /// Computes y (n x output size) from x (n x input size).
  virtual void forward(const float* x, float* y, std::size_t n,
                       step_context& ctx) = 0;

  /// Given x, y from the last forward and dy = dLoss/dy (which the layer may
  /// overwrite), writes dLoss/dx into dx (skipped when dx is null) and
  /// overwrites this layer's parameter gradients.
  virtual void backward(const float* x, const float* y, float* dy, float* dx,
                        std::size_t n, step_context& ctx) = 0;

  /// Floating-point operations of forward() for one sample.
  virtual double forward_flops() const { return 0; }

  /// Floating-point operations of backward() for one sample, with or without
  /// the input gradient.
  virtual double backward_flops(bool input_grad) const {
    return input_grad ? forward_flops() : 0;
  }

  shape3 input_shape() const { return in_; }
  shape3 output_shape() const { return out_; }

protected:
  /// `spec` is the layer's spec line: its kind, then its arguments. A layer's
  /// arguments are all constructor arguments, so the line is known here.
  explicit layer(std::string spec);

  shape3 in_;
  shape3 out_;

private:
  /// configure()'s part that differs between layers: checks the input (in_
  /// is already set to it), prepares for it and returns the output shape.
  /// The default keeps the shape, as element-wise layers do.
  virtual result<shape3> output_for(shape3 input) { return input; }

  std::string spec_;
};

} // namespace actors
