#include "actors/optim/sgd.hpp"

#include <algorithm>
#include <cassert>

#include "eigen_blocks.hpp"

namespace actors {

sgd::sgd(float learning_rate, float momentum, bool nesterov)
  : optimizer(learning_rate), momentum_(momentum), nesterov_(nesterov) {
  assert(momentum >= 0.0f && momentum < 1.0f);
}

void sgd::step(float* params, const float* grads, std::size_t n,
               thread_pool* pool) {
  const float lr = learning_rate_;
  const float mu = momentum_;
  if (mu == 0.0f) {
    for_each_block(params, grads, n, pool,
                   [=](float* p, const float* g, std::size_t) {
                     const block step = lr * const_block_map{g};
                     block_map{p} -= step;
                   });
  } else {
    float* velocity = state_for(velocity_, n);
    const bool nesterov = nesterov_;
    for_each_block(params, grads, n, pool,
                   [=](float* p, const float* g, std::size_t offset) {
                     const block lr_g = lr * const_block_map{g};
                     const block v = mu * const_block_map{velocity + offset}
                                     - lr_g;
                     block_map{velocity + offset} = v;
                     if (nesterov) {
                       const block step = mu * v - lr_g;
                       block_map{p} += step;
                     } else {
                       block_map{p} += v;
                     }
                   });
  }
  ++steps_;
}

void sgd::reset() {
  std::fill(velocity_.begin(), velocity_.end(), 0.0f);
  steps_ = 0;
}

} // namespace actors
