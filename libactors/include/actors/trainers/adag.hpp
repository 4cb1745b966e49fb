// adag: Asynchronous Distributed Adaptive Gradients, accumulated gradient
// normalisation (dist-keras's ADAG).
//
// With window w, mini-batch counter i (1-based within the epoch), local
// weights W, the weights right after the last pull W_pull and centre C:
//
//   worker: if i % w == 0, after training batch i:
//             send r = (W - W_pull) / w; pull C; W <- C (and W_pull <- C).
//   server: C <- C + r.
//
// Dividing the accumulated update by the window turns it into the mean
// per-batch update, which keeps the centre stable as workers are added.
// Source: J. Hermans, "On Scalable Deep Learning and Parallelizing Gradient
// Descent" (MSc thesis, Maastricht University / CERN, 2017), accumulated
// gradient normalisation; dist-keras 0.2.1, distkeras/workers.py
// (ADAGWorker) and distkeras/parameter_servers.py (ADAGParameterServer),
// window=12.
//
// Stateless: worker calls may run on many threads; apply() on one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/trainers/update_rule.hpp"

namespace actors {

/// ADAG: push (W - W_pull) / window after every window-th batch.
class adag final : public update_rule {
public:
  /// dist-keras's communication window.
  static constexpr std::size_t default_window = 12;

  /// `opts` as completed by make_rule (window >= 1).
  explicit adag(const rule_options& opts);

  std::string name() const override { return "adag"; }
  exchange_kind kind() const override { return exchange_kind::push_then_pull; }

  /// i % window == 0 (false for i = 0, which is not a batch number).
  bool communicate_after(std::size_t i) const override;

  /// payload = (W - W_pull) / window.
  void make_payload(const float* w, const float* w_pull, float* payload,
                    std::size_t n) const override;

  /// C += payload; `updates` and `last_update` are unused.
  void apply(float* centre, const float* payload, std::size_t n,
             std::uint64_t updates, std::uint64_t last_update) override;
};

} // namespace actors
