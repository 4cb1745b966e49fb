// adam: bias-corrected moment estimates, in the form Keras 2.2 computes them.
//
// With learning rate lr, decays b1 and b2, fuzz factor eps, parameters p,
// gradient g, moments m and v that start at zero and a step count t that
// starts at zero, one step is
//
//   t    <- t + 1
//   lr_t <- lr * sqrt(1 - b2^t) / (1 - b1^t)     (b^t and lr_t in double)
//   m    <- b1 * m + (1 - b1) * g
//   v    <- b2 * v + (1 - b2) * g^2
//   p    <- p - lr_t * m / (sqrt(v) + eps)
//
// Source: Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR
// 2015), in the reordered form of its section 2 that folds both bias
// corrections into lr_t, as keras/optimizers.py (Adam.get_updates, Keras
// 2.2.4) does. eps is therefore added to sqrt(v), not to sqrt(v_hat): this is
// the paper's update with its eps replaced by eps / sqrt(1 - b2^t), which
// differs only where gradients are tiny. The first step moves each parameter
// by almost exactly lr * sign(g).
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

/// Keras 2.2's Adam.
class adam final : public optimizer {
public:
  /// Keras's default step size.
  static constexpr float default_learning_rate = 0.001f;

  /// Requires learning_rate > 0, beta1 and beta2 in [0, 1) and epsilon > 0
  /// (make_optimizer checks all four).
  explicit adam(float learning_rate = default_learning_rate,
                float beta1 = 0.9f, float beta2 = 0.999f,
                float epsilon = 1e-7f);

  std::string name() const override { return "adam"; }
  void step(float* params, const float* grads, std::size_t n,
            thread_pool* pool = nullptr) override;
  void reset() override;

  float beta1() const { return beta1_; }
  float beta2() const { return beta2_; }
  float epsilon() const { return epsilon_; }

private:
  float beta1_;
  float beta2_;
  float epsilon_;
  std::vector<float> m_; // First moment; empty until the first step.
  std::vector<float> v_; // Second moment; empty until the first step.
};

} // namespace actors
