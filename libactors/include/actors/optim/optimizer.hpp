// optimizer: the update rule a worker applies to its local copy of the model.
//
// An optimizer sees the model as one flat float vector (parameters) and its
// gradient (same length) and keeps whatever per-parameter state its rule
// needs (moments, accumulators). Defaults follow Keras 2, which dist-keras
// used. Not thread-safe; step() may use a thread_pool to split the vector.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/util/status.hpp"

namespace actors {

class thread_pool;

/// Settings for make_optimizer, which rejects values out of range.
struct optimizer_options {
  /// One of: sgd, adagrad, rmsprop, adam.
  std::string name = "adam";
  /// Step size, > 0; -1 (the default) means the rule's own default
  /// (sgd 0.01, adagrad 0.01, rmsprop 0.001, adam 0.001).
  float learning_rate = -1.0f;
  /// SGD momentum (Keras default 0).
  float momentum = 0.0f;
  /// SGD Nesterov momentum (Keras default false).
  bool nesterov = false;
  /// RMSprop decay of the squared-gradient average (Keras default 0.9).
  float rho = 0.9f;
  /// Adam first-moment decay (Keras default 0.9).
  float beta1 = 0.9f;
  /// Adam second-moment decay (Keras default 0.999).
  float beta2 = 0.999f;
  /// Fuzz factor added to denominators (Keras's K.epsilon(), 1e-7).
  float epsilon = 1e-7f;
  /// How the learning rate moves over the run (optim/lr_schedule.hpp):
  /// "constant", "step:EPOCHS:FACTOR" or "cosine"; applied by whoever steps
  /// the optimizer (single trainer, worker), not by the rule itself.
  std::string lr_schedule = "constant";
  /// Batches of linear warm-up before the schedule (0 = none).
  std::uint64_t warmup = 0;
};

/// Serialization and printing (CAF's inspect protocol), without naming CAF.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, optimizer_options& x) {
  return f(x.name, x.learning_rate, x.momentum, x.nesterov, x.rho, x.beta1,
           x.beta2, x.epsilon, x.lr_schedule, x.warmup);
}

/// A stateful first-order update rule over a flat parameter vector.
class optimizer {
public:
  virtual ~optimizer();

  /// Name of the rule, e.g. "adam".
  virtual std::string name() const = 0;

  /// Learning rate currently in use.
  float learning_rate() const { return learning_rate_; }
  /// Sets the learning rate of the following steps (>= 0: a schedule's
  /// value, optim/lr_schedule.hpp, may reach 0); the rule's state is kept.
  void learning_rate(float rate) { learning_rate_ = rate; }

  /// Applies one update to params[0..n) from grads[0..n). The first call fixes
  /// n; later calls must pass the same n. `pool` may be null.
  virtual void step(float* params, const float* grads, std::size_t n,
                    thread_pool* pool = nullptr) = 0;

  /// Forgets all accumulated state (moments, step count).
  virtual void reset() = 0;

  /// Number of steps taken since construction or the last reset().
  std::size_t steps() const { return steps_; }

  /// Elements a rule updates together, as one fixed-size Eigen array: one
  /// AVX-512 register, two AVX or four SSE ones.
  static constexpr std::size_t block_size = 16;

protected:
  /// Requires learning_rate > 0 (make_optimizer checks it).
  explicit optimizer(float learning_rate) : learning_rate_(learning_rate) {
    assert(learning_rate > 0.0f);
  }

  /// The step size and the step count every rule keeps: its step() counts,
  /// its reset() sets steps_ back to 0.
  float learning_rate_;
  std::size_t steps_ = 0;

  /// Length of a rule's state vectors for n parameters: n rounded up to
  /// whole blocks, so that every block of state is complete.
  static constexpr std::size_t padded_size(std::size_t n) {
    return (n + block_size - 1) / block_size * block_size;
  }

  /// A rule's state vector for n parameters: padded_size(n) zeros on the
  /// first call (while `state` is empty), as it was left afterwards, when n
  /// must be the same.
  static float* state_for(std::vector<float>& state, std::size_t n) {
    if (state.empty())
      state.assign(padded_size(n), 0.0f);
    assert(state.size() == padded_size(n));
    return state.data();
  }

  /// Calls update(p, g, offset) for each block of block_size elements of
  /// [0, n), with p = params + offset and g = grads + offset, except that a
  /// last, partial block is passed as zero-padded copies. Every element thus
  /// runs through the same vector code whatever its position, the alignment
  /// of the buffers or the number of threads, which keeps results
  /// bit-identical across all three. (Eigen's dynamic-size loops run a head
  /// and a tail that depend on alignment as scalar code, and its vectorised
  /// sqrt differs from std::sqrt in the last bit.) So that no fixed-size
  /// assignment falls back to such a loop either, update should do its
  /// arithmetic into local blocks and only load, store or add through the
  /// pointers. With a pool, and enough blocks to pay for waking it, each
  /// thread updates one contiguous run of blocks.
  template <class Update>
  static void for_each_block(float* params, const float* grads, std::size_t n,
                             thread_pool* pool, const Update& update) {
    const std::size_t full = n / block_size;
    split(padded_size(n) / block_size, pool,
          [&](std::size_t first, std::size_t last) {
            // A private copy, which the stores below cannot alias, lets the
            // compiler keep update's constants in registers.
            const Update kernel = update;
            float padded_p[block_size];
            float padded_g[block_size];
            for (std::size_t b = first; b < last; ++b) {
              const std::size_t offset = b * block_size;
              float* p = params + offset;
              const float* g = grads + offset;
              if (b == full) { // The partial last block.
                std::fill(padded_p, padded_p + block_size, 0.0f);
                std::fill(padded_g, padded_g + block_size, 0.0f);
                std::copy(p, params + n, padded_p);
                std::copy(g, grads + n, padded_g);
                p = padded_p;
                g = padded_g;
              }
              // One call site, so the compiler inlines update here.
              kernel(p, g, offset);
              if (b == full)
                std::copy(padded_p, padded_p + (n - offset), params + offset);
            }
          });
  }

private:
  /// Calls run(first, last) on [0, blocks) in one piece, or in one
  /// contiguous piece per thread of `pool` when it is worth it.
  static void split(std::size_t blocks, thread_pool* pool,
                    const std::function<void(std::size_t, std::size_t)>& run);
};

/// Builds the rule named in `opts`, or explains why it cannot (unknown name,
/// learning rate or decay out of range).
result<std::unique_ptr<optimizer>> make_optimizer(const optimizer_options& opts);

} // namespace actors
