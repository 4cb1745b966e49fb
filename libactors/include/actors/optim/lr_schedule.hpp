// lr_schedule: the learning rate a worker optimizer uses at each batch.
//
// A schedule maps the batch clock t (0-based batches trained so far in the
// run, out of T over the whole run, with B batches per epoch) to a factor of
// the optimizer's base learning rate lr. With a warm-up of W batches
// (0 <= W), for t < W:
//
//   lr(t) = lr * (t + 1) / W                                   (warm-up)
//
// the linear warm-up of Goyal et al., "Accurate, Large Minibatch SGD:
// Training ImageNet in 1 Hour" (2017), section 2.2 (gradual warm-up from
// lr / W to lr, one step per batch). From t >= W on, one of:
//
//   constant         lr(t) = lr
//   step:E:F         lr(t) = lr * F^floor(t / (E * B))        (every E epochs)
//   cosine           lr(t) = lr * (1 + cos(pi * (t - W) / (T - W))) / 2
//
// cosine is the annealing of Loshchilov & Hutter, "SGDR: Stochastic Gradient
// Descent with Warm Restarts" (ICLR 2017), eq. (5), with one cycle over the
// run after the warm-up (T_i = T - W, T_cur = t - W) and eta_min = 0,
// eta_max = lr; past T it stays at 0. step counts epochs from the start of
// the run, warm-up included.
//
// Where t comes from: the single trainer counts its batches; a worker with
// static partitions its own batches in its partition (T = its batches x
// epochs); with dynamic partitioning the position of the batch in the run's
// global order (epoch x batches per epoch + batch within the epoch; T = all
// batches of the run), so every worker follows the run's progress, and a
// warm-up of W batches is W batches of the whole run. Plain values: copy
// freely between threads.
#pragma once

#include <cstddef>
#include <string>

#include "actors/util/status.hpp"

namespace actors {

/// A parsed --lr-schedule.
struct lr_schedule_spec {
  enum class kind { constant, step, cosine };
  kind shape = kind::constant;
  /// step: epochs between decays (>= 1) and the factor (> 0).
  std::size_t step_epochs = 1;
  double step_factor = 1.0;
};

/// Parses "constant", "step:EPOCHS:FACTOR" (EPOCHS an integer >= 1, FACTOR a
/// number > 0) or "cosine". invalid_argument naming `option`, the text and
/// what is accepted otherwise.
result<lr_schedule_spec> parse_lr_schedule(const std::string& text,
                                           const std::string& option = "lr-schedule");

/// A schedule bound to a run's shape.
class lr_schedule {
public:
  /// `total` batches in the run (T), `per_epoch` batches per epoch (B),
  /// `warmup` batches (W); a per_epoch or total of 0 counts as 1.
  lr_schedule(lr_schedule_spec spec, std::size_t warmup, std::size_t total,
              std::size_t per_epoch);

  /// The factor of the base learning rate at batch t (see the header).
  double factor(std::size_t t) const;

  /// True if the factor is 1 at every t (constant, no warm-up): nothing to do.
  bool is_constant() const;

private:
  lr_schedule_spec spec_;
  std::size_t warmup_;
  std::size_t total_;
  std::size_t per_epoch_;
};

} // namespace actors
