// rmsprop: gradient scaled by a running average of its square, as in Keras 2.2.
//
// With learning rate lr, decay rho, fuzz factor eps, parameters p, gradient g
// and an average a that starts at zero, one step is
//
//   a <- rho * a + (1 - rho) * g^2
//   p <- p - lr * g / (sqrt(a) + eps)
//
// Source: Tieleman & Hinton, "Lecture 6.5 - RMSProp: Divide the gradient by
// a running average of its recent magnitude", COURSERA: Neural Networks for
// Machine Learning (2012); eps outside the square root as in
// keras/optimizers.py (RMSprop.get_updates, Keras 2.2.4).
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

/// Keras 2.2's RMSprop.
class rmsprop final : public optimizer {
public:
  /// Keras's default step size.
  static constexpr float default_learning_rate = 0.001f;

  /// Requires learning_rate > 0, rho in [0, 1) and epsilon > 0
  /// (make_optimizer checks all three).
  explicit rmsprop(float learning_rate = default_learning_rate,
                   float rho = 0.9f, float epsilon = 1e-7f);

  std::string name() const override { return "rmsprop"; }
  void step(float* params, const float* grads, std::size_t n,
            thread_pool* pool = nullptr) override;
  void reset() override;

  float rho() const { return rho_; }
  float epsilon() const { return epsilon_; }

private:
  float rho_;
  float epsilon_;
  std::vector<float> average_; // a; empty until the first step.
};

} // namespace actors
