// ensemble: several independent models, each trained alone on all the data
// from its own initialisation, all returned (dist-keras's EnsembleTrainer).
//
//   worker k (k = 1..num_ensembles): W_k <- W_k - optimizer step, on every
//           mini-batch; no communication.
//   server: none.
//
// Source: dist-keras 0.2.1, distkeras/trainers.py (EnsembleTrainer,
// num_ensembles=2) and distkeras/workers.py (SequentialWorker). The runtime
// trains options().num_ensembles models; the window is irrelevant.
//
// Stateless: safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/trainers/update_rule.hpp"

namespace actors {

/// Independent models without a parameter server: exchange_kind::none.
class ensemble final : public update_rule {
public:
  /// dist-keras's number of models.
  static constexpr std::size_t default_num_ensembles = 2;

  /// `opts` as completed by make_rule (num_ensembles >= 1).
  explicit ensemble(const rule_options& opts);

  std::string name() const override { return "ensemble"; }
  exchange_kind kind() const override { return exchange_kind::none; }

  /// Number of independent models to train.
  std::size_t num_ensembles() const { return opts_.num_ensembles; }

  /// Never called (there is no server); leaves the centre unchanged.
  void apply(float* centre, const float* payload, std::size_t n,
             std::uint64_t updates, std::uint64_t last_update) override;
};

} // namespace actors
