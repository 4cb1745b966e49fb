// sgd: stochastic gradient descent with optional momentum, as in Keras 2.2.
//
// With learning rate lr, momentum mu, parameters p, gradient g and a velocity
// v that starts at zero, one step is
//
//   v <- mu * v - lr * g
//   p <- p + v                   (classical momentum)
//   p <- p + mu * v - lr * g     (nesterov = true; uses the new v)
//
// With mu = 0 both reduce to p <- p - lr * g and no velocity is stored.
// Sources: Robbins & Monro, "A Stochastic Approximation Method" (1951);
// Polyak, "Some methods of speeding up the convergence of iteration methods"
// (1964) for momentum; Sutskever, Martens, Dahl & Hinton, "On the importance
// of initialization and momentum in deep learning" (ICML 2013) for Nesterov
// momentum, written here in Keras's re-parameterised form
// (keras/optimizers.py, SGD.get_updates, Keras 2.2.4).
//
// Not thread-safe; step() may split its loop over a thread_pool.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "actors/optim/optimizer.hpp"

namespace actors {

/// Keras 2.2's SGD: plain, momentum or Nesterov-momentum gradient descent.
class sgd final : public optimizer {
public:
  /// Keras's default step size.
  static constexpr float default_learning_rate = 0.01f;

  /// Requires learning_rate > 0 and momentum in [0, 1) (make_optimizer
  /// checks both and explains a bad value).
  explicit sgd(float learning_rate = default_learning_rate,
               float momentum = 0.0f, bool nesterov = false);

  std::string name() const override { return "sgd"; }
  void step(float* params, const float* grads, std::size_t n,
            thread_pool* pool = nullptr) override;
  void reset() override;

  float momentum() const { return momentum_; }
  bool nesterov() const { return nesterov_; }

private:
  float momentum_;
  bool nesterov_;
  std::vector<float> velocity_; // v; empty until the first step or if mu = 0.
};

} // namespace actors
