// model: a sequential stack of layers whose parameters are one vector.
//
// The model owns one contiguous buffer of every parameter and one of every
// gradient; layers hold views into them (see layer.hpp). params() is thus the
// whole model: what a parameter server stores, what a worker sends, what is
// saved. A model is used by one thread at a time and splits each batch over
// the pool in the step_context. Movable, not copyable (layers point into the
// buffers); clone() makes an independent copy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/nn/layer.hpp"
#include "actors/nn/loss.hpp"

namespace actors {

/// Sequential model over NHWC samples.
class model {
public:
  model();
  model(model&&) noexcept;
  model& operator=(model&&) noexcept;
  ~model();

  /// Configures the layers for `input`, allocates the parameter and gradient
  /// buffers and binds the layers to them. Parameters start at zero.
  static result<model> build(shape3 input,
                             std::vector<std::unique_ptr<layer>> layers);

  /// An independent model with the same layers and parameters.
  model clone() const;

  /// Draws fresh parameters with Keras's default initialisers.
  void init(std::uint64_t seed);

  shape3 input_shape() const { return input_; }
  shape3 output_shape() const;
  std::size_t layer_count() const { return layers_.size(); }
  const layer& at(std::size_t i) const { return *layers_[i]; }

  /// Total number of trainable parameters.
  std::size_t param_count() const { return params_.size(); }
  float* params() { return params_.data(); }
  const float* params() const { return params_.data(); }
  float* grads() { return grads_.data(); }
  const float* grads() const { return grads_.data(); }

  /// The spec text (see model_spec.hpp) that rebuilds this architecture.
  std::string spec() const;

  /// Forward + backward FLOPs for one training sample.
  double train_flops_per_sample() const;

  /// Runs the model on n samples of x; returns n x output values
  /// (probabilities when the model ends in softmax), valid until the next
  /// call on this model.
  const float* predict(const float* x, std::size_t n, step_context& ctx);

  /// Forward and backward pass over one batch with categorical cross-entropy
  /// on one-hot (or soft) targets; fills grads(). The model must end in
  /// softmax.
  loss_result train_step(const float* x, const float* targets, std::size_t n,
                         step_context& ctx);

  /// True if the last layer is a softmax (required by train_step).
  bool ends_in_softmax() const;

private:
  void ensure_capacity(std::size_t n);
  void bind_all();

  shape3 input_;
  std::vector<std::unique_ptr<layer>> layers_;
  std::vector<float> params_;
  std::vector<float> grads_;
  std::vector<std::vector<float>> outputs_;  // per layer, empty for views
  std::vector<std::vector<float>> doutputs_; // dLoss/d(output), empty for views
  std::size_t capacity_ = 0;
};

} // namespace actors
