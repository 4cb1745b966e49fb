// averaging: model averaging once per epoch (dist-keras's AveragingTrainer).
//
//   worker k: trains one epoch on its partition starting from C, then sends
//             payload_k = W_k (its full weights) and pulls C.
//   server:   collects one round of K = workers payloads, then
//             C = (1/K) * sum_k payload_k.
//
// Source: dist-keras 0.2.1, distkeras/trainers.py (AveragingTrainer: each
// epoch one model per partition is trained from the current average and the
// driver averages the weights). Here the driver's average is a server rule:
// the centre does not move until the round is complete, and pulls wait for
// round_complete() so that every worker starts the next epoch from the same
// average.
//
// Worker side is const; apply() keeps the round's sum and must be called by
// one thread at a time (the parameter server).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/trainers/update_rule.hpp"

namespace actors {

/// Synchronous per-epoch averaging of the workers' weights.
class averaging final : public update_rule {
public:
  /// `opts` as completed by make_rule (workers >= 1).
  explicit averaging(const rule_options& opts);

  std::string name() const override { return "averaging"; }
  exchange_kind kind() const override { return exchange_kind::push_then_pull; }

  bool communicate_at_epoch_end() const override { return true; }

  /// payload = W; `w_pull` is unused.
  void make_payload(const float* w, const float* w_pull, float* payload,
                    std::size_t n) const override;

  /// Adds `payload` to the round's sum; the payload that completes a round of
  /// options().workers sets C to the round's mean. The first payload after a
  /// complete round starts a new one. `updates` and `last_update` are unused.
  void apply(float* centre, const float* payload, std::size_t n,
             std::uint64_t updates, std::uint64_t last_update) override;

  /// True before the first payload and once a round is complete; false while
  /// a round is partly filled.
  bool round_complete() const override;

  /// Payloads received in the current round (0..workers).
  std::size_t received() const { return received_; }

private:
  std::vector<double> sum_; // Sum of this round's payloads; C stays as is.
  std::size_t received_ = 0;
};

} // namespace actors
