// single: one worker trains alone on all the data (dist-keras's
// SingleTrainer).
//
//   worker: W <- W - optimizer step, on every mini-batch; no communication.
//   server: none.
//
// Source: dist-keras 0.2.1, distkeras/trainers.py (SingleTrainer) and
// distkeras/workers.py (SequentialWorker). The window is irrelevant and stays
// as given (0 by default).
//
// Stateless: safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/trainers/update_rule.hpp"

namespace actors {

/// The non-distributed trainer: exchange_kind::none, never communicates.
class single final : public update_rule {
public:
  /// `opts` as completed by make_rule (the checked way to build one).
  explicit single(const rule_options& opts);

  std::string name() const override { return "single"; }
  exchange_kind kind() const override { return exchange_kind::none; }

  /// Never called (there is no server); leaves the centre unchanged.
  void apply(float* centre, const float* payload, std::size_t n,
             std::uint64_t updates, std::uint64_t last_update) override;
};

} // namespace actors
