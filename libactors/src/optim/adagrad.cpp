#include "actors/optim/adagrad.hpp"

#include <algorithm>
#include <cassert>

#include "eigen_blocks.hpp"

namespace actors {

adagrad::adagrad(float learning_rate, float epsilon)
  : optimizer(learning_rate), epsilon_(epsilon) {
  assert(epsilon > 0.0f);
}

void adagrad::step(float* params, const float* grads, std::size_t n,
                   thread_pool* pool) {
  float* accumulator = state_for(accumulator_, n);
  const float lr = learning_rate_;
  const float eps = epsilon_;
  for_each_block(params, grads, n, pool,
                 [=](float* p, const float* g, std::size_t offset) {
                   const block grad = const_block_map{g};
                   const block a = const_block_map{accumulator + offset}
                                   + grad.square();
                   const block step = lr * grad / (a.sqrt() + eps);
                   block_map{accumulator + offset} = a;
                   block_map{p} -= step;
                 });
  ++steps_;
}

void adagrad::reset() {
  std::fill(accumulator_.begin(), accumulator_.end(), 0.0f);
  steps_ = 0;
}

} // namespace actors
