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
//
// With overlap (--overlap=true), after training batch i with i % w == 0:
//   wait until the previous exchange's centre has arrived (if it has not);
//   send r = (W - W_pull) / w; W_sent <- W; train on from W;
//   when C arrives: W <- C + (W - W_sent); W_pull <- C.
// With no progress since sending (W = W_sent) this is the rule above. The
// next payload (W - W_pull) / w holds exactly the progress not yet sent, so
// the server still receives every batch's update once; what changes is that
// the batches trained during the flight started from a centre one exchange
// older. The rebase is this project's (issue 11), not dist-keras's.
// Source: J. Hermans, "On Scalable Deep Learning and Parallelizing Gradient
// Descent" (MSc thesis, Maastricht University / CERN, 2017), accumulated
// gradient normalisation; dist-keras 0.2.1, distkeras/workers.py
// (ADAGWorker) and distkeras/parameter_servers.py (ADAGParameterServer),
// window=12.
//
// Stateless: worker calls may run on many threads; apply() on one.
#pragma once

#include <cstddef>
#include <string>

#include "actors/trainers/delta_rule.hpp"

namespace actors {

/// ADAG: push (W - W_pull) / window after every window-th batch.
class adag final : public delta_rule {
public:
  /// dist-keras's communication window.
  static constexpr std::size_t default_window = 12;

  /// `opts` as completed by make_rule (window >= 1); pushes after a batch.
  explicit adag(const rule_options& opts);

  std::string name() const override { return "adag"; }

  /// payload = (W - W_pull) / window.
  void make_payload(const float* w, const float* w_pull, float* payload,
                    std::size_t n) const override;
};

} // namespace actors
