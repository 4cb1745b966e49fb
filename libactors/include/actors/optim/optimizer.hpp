// optimizer: the update rule a worker applies to its local copy of the model.
//
// An optimizer sees the model as one flat float vector (parameters) and its
// gradient (same length) and keeps whatever per-parameter state its rule
// needs (moments, accumulators). Defaults follow Keras 2, which dist-keras
// used. Not thread-safe; step() may use a thread_pool to split the vector.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "actors/util/status.hpp"

namespace actors {

class thread_pool;

/// Settings for make_optimizer; a negative value means "the rule's default".
struct optimizer_options {
  /// One of: sgd, adagrad, rmsprop, adam.
  std::string name = "adam";
  /// Step size; default per rule (sgd 0.01, adagrad 0.01, rmsprop 0.001, adam 0.001).
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
};

/// A stateful first-order update rule over a flat parameter vector.
class optimizer {
public:
  virtual ~optimizer();

  /// Name of the rule, e.g. "adam".
  virtual std::string name() const = 0;

  /// Learning rate currently in use.
  virtual float learning_rate() const = 0;

  /// Applies one update to params[0..n) from grads[0..n). The first call fixes
  /// n; later calls must pass the same n. `pool` may be null.
  virtual void step(float* params, const float* grads, std::size_t n,
                    thread_pool* pool = nullptr) = 0;

  /// Forgets all accumulated state (moments, step count).
  virtual void reset() = 0;

  /// Number of steps taken since construction or the last reset().
  virtual std::size_t steps() const = 0;
};

/// Builds the rule named in `opts`, or explains why it cannot (unknown name,
/// learning rate or decay out of range).
result<std::unique_ptr<optimizer>> make_optimizer(const optimizer_options& opts);

} // namespace actors
