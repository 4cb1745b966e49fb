// adagrad: per-parameter step sizes from the sum of squared gradients, as in
// Keras 2.2.
//
// With learning rate lr, fuzz factor eps, parameters p, gradient g and an
// accumulator a that starts at zero, one step is
//
//   a <- a + g^2
//   p <- p - lr * g / (sqrt(a) + eps)
//
// Source: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online
// Learning and Stochastic Optimization", JMLR 12 (2011), diagonal form;
// eps outside the square root as in keras/optimizers.py (Adagrad.get_updates,
// Keras 2.2.4). Keras 2.2 starts a at zero (later tf.keras starts it at 0.1).
//
// sqrt is Eigen's vectorised one (EIGEN_FAST_MATH), within a couple of ulps
// of the exact root and the same for every element.
//
// Not thread-safe; step() may split its loop over a thread_pool.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "actors/optim/optimizer.hpp"

namespace actors {

/// Keras 2.2's Adagrad.
class adagrad final : public optimizer {
public:
  /// Keras's default step size.
  static constexpr float default_learning_rate = 0.01f;

  /// Requires learning_rate > 0 and epsilon > 0 (make_optimizer checks both).
  explicit adagrad(float learning_rate = default_learning_rate,
                   float epsilon = 1e-7f);

  std::string name() const override { return "adagrad"; }
  void step(float* params, const float* grads, std::size_t n,
            thread_pool* pool = nullptr) override;
  void reset() override;

  float epsilon() const { return epsilon_; }

private:
  float epsilon_;
  std::vector<float> accumulator_; // a; empty until the first step.
};

} // namespace actors
