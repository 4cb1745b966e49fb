// dynsgd: staleness-aware asynchronous SGD (dist-keras's DynSGD).
//
// With window w, mini-batch counter i (1-based within the epoch), local
// weights W, the weights right after the last pull W_pull, centre C, the
// server's count of applied payloads `updates` and the value `last_update`
// of that count which the worker saw at its last pull:
//
//   worker: if i % w == 0, after training batch i:
//             send r = W - W_pull (and last_update); pull C and the count;
//             W <- C (and W_pull <- C).
//   server: s = (updates - last_update) + 1;  C <- C + r / s.
//
// An update computed on a centre that s - 1 other payloads have since moved
// counts 1/s as much.
//
// With overlap (--overlap=true), after training batch i with i % w == 0:
//   wait until the previous exchange's centre has arrived (if it has not);
//   send r = W - W_pull and last_update; W_sent <- W; train on from W;
//   when C (version v) arrives: W <- C + (W - W_sent); W_pull <- C;
//   last_update <- v.
// last_update is the version of the centre the worker's weights are based
// on, so s counts the payloads applied since that centre. The batches trained
// during the flight started one centre earlier; s does not count the payloads
// applied during that flight (at most the other workers' commits of one
// exchange time). With W = W_sent this is the rule above. Source: Jiang, Cui, Zhang, Yu, "Heterogeneity-aware
// Distributed Parameter Servers" (SIGMOD 2017), DynSGD; dist-keras 0.2.1,
// distkeras/workers.py (DynSGDWorker) and distkeras/parameter_servers.py
// (DynSGDParameterServer), window=5. dist-keras's update counter starts at 1,
// ours (`updates` = payloads applied before this one) at 0; s depends only on
// the difference, so the rule is the same.
//
// Stateless: worker calls may run on many threads; apply() on one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/trainers/delta_rule.hpp"

namespace actors {

/// DynSGD: push W - W_pull, server scales it by 1 / (staleness + 1).
class dynsgd final : public delta_rule {
public:
  /// dist-keras's communication window.
  static constexpr std::size_t default_window = 5;

  /// `opts` as completed by make_rule (window >= 1); pushes after a batch.
  explicit dynsgd(const rule_options& opts);

  std::string name() const override { return "dynsgd"; }

  /// C += payload / s with s = (updates - last_update) + 1; a last_update
  /// above updates (impossible for a well-behaved worker) counts as s = 1.
  void apply(float* centre, const float* payload, std::size_t n,
             std::uint64_t updates, std::uint64_t last_update) override;

  /// The divisor s for a payload applied after `updates` payloads by a worker
  /// that last pulled when the count was `last_update`.
  static std::uint64_t staleness_divisor(std::uint64_t updates,
                                         std::uint64_t last_update);
};

} // namespace actors
