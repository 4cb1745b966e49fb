#include "actors/optim/adam.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "eigen_blocks.hpp"

namespace actors {

adam::adam(float learning_rate, float beta1, float beta2, float epsilon)
  : optimizer(learning_rate),
    beta1_(beta1),
    beta2_(beta2),
    epsilon_(epsilon) {
  assert(beta1 >= 0.0f && beta1 < 1.0f);
  assert(beta2 >= 0.0f && beta2 < 1.0f);
  assert(epsilon > 0.0f);
}

void adam::step(float* params, const float* grads, std::size_t n,
                thread_pool* pool) {
  ++steps_;
  // In float, 1 - 0.999^t would keep only a few digits for small t.
  const double t = static_cast<double>(steps_);
  const double lr_t = static_cast<double>(learning_rate_)
                      * std::sqrt(1.0 - std::pow(double{beta2_}, t))
                      / (1.0 - std::pow(double{beta1_}, t));
  const float step_size = static_cast<float>(lr_t);
  const float b1 = beta1_;
  const float one_minus_b1 = 1.0f - beta1_;
  const float b2 = beta2_;
  const float one_minus_b2 = 1.0f - beta2_;
  const float eps = epsilon_;
  float* first = state_for(m_, n);
  float* second = state_for(v_, n);
  for_each_block(params, grads, n, pool,
                 [=](float* p, const float* g, std::size_t offset) {
                   const block grad = const_block_map{g};
                   const block m = b1 * const_block_map{first + offset}
                                   + one_minus_b1 * grad;
                   const block v = b2 * const_block_map{second + offset}
                                   + one_minus_b2 * grad.square();
                   const block step = step_size * m / (v.sqrt() + eps);
                   block_map{first + offset} = m;
                   block_map{second + offset} = v;
                   block_map{p} -= step;
                 });
}

void adam::reset() {
  std::fill(m_.begin(), m_.end(), 0.0f);
  std::fill(v_.begin(), v_.end(), 0.0f);
  steps_ = 0;
}

} // namespace actors
