// downpour: asynchronous SGD with delayed deltas (dist-keras's DOWNPOUR).
//
// With window w, mini-batch counter i (1-based within the epoch), local
// weights W, the weights right after the last pull W_pull and centre C:
//
//   worker: if i % w == 0, before training batch i:
//             send delta = W - W_pull; pull C; W <- C (and W_pull <- C).
//   server: C <- C + delta.
//
// Source: Dean et al., "Large Scale Distributed Deep Networks" (NIPS 2012),
// Downpour SGD with n_push = n_fetch = w; dist-keras 0.2.1,
// distkeras/workers.py (DOWNPOURWorker) and distkeras/parameter_servers.py
// (DeltaParameterServer), window=5.
//
// Stateless: worker calls may run on many threads; apply() on one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/trainers/update_rule.hpp"

namespace actors {

/// DOWNPOUR: push W - W_pull every window batches, server adds it.
class downpour final : public update_rule {
public:
  /// dist-keras's communication window.
  static constexpr std::size_t default_window = 5;

  /// `opts` as completed by make_rule (window >= 1).
  explicit downpour(const rule_options& opts);

  std::string name() const override { return "downpour"; }
  exchange_kind kind() const override { return exchange_kind::push_then_pull; }

  /// i % window == 0 (false for i = 0, which is not a batch number).
  bool communicate_before(std::size_t i) const override;

  /// payload = W - W_pull.
  void make_payload(const float* w, const float* w_pull, float* payload,
                    std::size_t n) const override;

  /// C += payload; `updates` and `last_update` are unused.
  void apply(float* centre, const float* payload, std::size_t n,
             std::uint64_t updates, std::uint64_t last_update) override;
};

} // namespace actors
