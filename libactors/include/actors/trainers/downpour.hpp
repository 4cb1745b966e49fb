// downpour: asynchronous SGD with delayed deltas (dist-keras's DOWNPOUR).
//
// With window w, mini-batch counter i (1-based within the epoch), local
// weights W, the weights right after the last pull W_pull and centre C:
//
//   worker: if i % w == 0, before training batch i:
//             send delta = W - W_pull; pull C; W <- C (and W_pull <- C).
//   server: C <- C + delta.
//
// With overlap (--overlap=true), before training batch i with i % w == 0:
//   wait until the previous exchange's centre has arrived (if it has not);
//   send delta = W - W_pull; W_sent <- W; train batch i on from W;
//   when C arrives: W <- C + (W - W_sent); W_pull <- C.
// With W = W_sent (no progress since sending) this is the rule above. Dean
// et al.'s client (Algorithm 7.1) already fetches and pushes asynchronously
// while it computes; here at most one exchange is in flight and the progress
// made during it is kept instead of being overwritten by the fetch.
//
// Source: Dean et al., "Large Scale Distributed Deep Networks" (NIPS 2012),
// Downpour SGD with n_push = n_fetch = w; dist-keras 0.2.1,
// distkeras/workers.py (DOWNPOURWorker) and distkeras/parameter_servers.py
// (DeltaParameterServer), window=5.
//
// Stateless: worker calls may run on many threads; apply() on one.
#pragma once

#include <cstddef>
#include <string>

#include "actors/trainers/delta_rule.hpp"

namespace actors {

/// DOWNPOUR: push W - W_pull every window batches, server adds it.
class downpour final : public delta_rule {
public:
  /// dist-keras's communication window.
  static constexpr std::size_t default_window = 5;

  /// `opts` as completed by make_rule (window >= 1); pushes before a batch.
  explicit downpour(const rule_options& opts);

  std::string name() const override { return "downpour"; }
};

} // namespace actors
