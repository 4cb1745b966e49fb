#include "actors/optim/rmsprop.hpp"

#include <algorithm>
#include <cassert>

#include "eigen_blocks.hpp"

namespace actors {

rmsprop::rmsprop(float learning_rate, float rho, float epsilon)
  : optimizer(learning_rate), rho_(rho), epsilon_(epsilon) {
  assert(rho >= 0.0f && rho < 1.0f);
  assert(epsilon > 0.0f);
}

void rmsprop::step(float* params, const float* grads, std::size_t n,
                   thread_pool* pool) {
  float* average = state_for(average_, n);
  const float lr = learning_rate_;
  const float rho = rho_;
  const float one_minus_rho = 1.0f - rho_;
  const float eps = epsilon_;
  for_each_block(params, grads, n, pool,
                 [=](float* p, const float* g, std::size_t offset) {
                   const block grad = const_block_map{g};
                   const block a = rho * const_block_map{average + offset}
                                   + one_minus_rho * grad.square();
                   const block step = lr * grad / (a.sqrt() + eps);
                   block_map{average + offset} = a;
                   block_map{p} -= step;
                 });
  ++steps_;
}

void rmsprop::reset() {
  std::fill(average_.begin(), average_.end(), 0.0f);
  steps_ = 0;
}

} // namespace actors
