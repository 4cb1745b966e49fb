// delta_rule: the shape DOWNPOUR, ADAG and DynSGD share.
//
// With window w, mini-batch counter i (1-based within the epoch), local
// weights W, the weights right after the last pull W_pull and centre C, a
// worker of any of the three does
//
//   if i % w == 0, before (DOWNPOUR) or after (ADAG, DynSGD) training batch i:
//     send a payload r made from W - W_pull; pull C; W <- C (and W_pull <- C).
//
// Here r = W - W_pull and the server does C <- C + r; ADAG replaces the
// payload (it divides by w), DynSGD the server's rule (it divides by the
// staleness). Each trainer's header gives its whole formula and its source.
//
// With overlap (--overlap=true) the worker does not stop at the exchange: it
// keeps W_sent = W (the weights the payload was made from), sends, and trains
// on from W; at most one exchange is in flight. When the centre C answering
// it arrives (at the latest at the next communication point, where the worker
// waits for it), the progress made meanwhile is kept:
//
//   W <- C + (W - W_sent);  W_pull <- C.
//
// The next payload, made from W - W_pull, therefore carries exactly the
// progress not yet sent: every batch's update reaches the server once.
//
// Stateless: worker calls may run on many threads; apply() on one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "actors/trainers/update_rule.hpp"

namespace actors {

/// A push_then_pull rule that sends a delta every window-th mini-batch.
class delta_rule : public update_rule {
public:
  exchange_kind kind() const final { return exchange_kind::push_then_pull; }

  /// i % window == 0 (false for i = 0, which is not a batch number), for the
  /// rules that push before a batch.
  bool communicate_before(std::size_t i) const final;

  /// i % window == 0, for the rules that push after a batch.
  bool communicate_after(std::size_t i) const final;

  /// payload = W - W_pull.
  void make_payload(const float* w, const float* w_pull, float* payload,
                    std::size_t n) const override;

  /// W <- C + (W - W_sent) (see update_rule::rebase).
  void rebase(float* w, const float* centre, const float* w_sent,
              std::size_t n) const override;

  /// C += payload; `updates` and `last_update` are unused.
  void apply(float* centre, const float* payload, std::size_t n,
             std::uint64_t updates, std::uint64_t last_update) override;

  /// Value by value (DynSGD's divisor depends on the call's counts only).
  bool applies_by_value() const override { return true; }

protected:
  /// Where in its window a worker pushes.
  enum class push_point { before_batch, after_batch };

  /// `opts` as completed by make_rule (window >= 1).
  delta_rule(const rule_options& opts, push_point when);

private:
  bool at_window_end(std::size_t i) const;

  push_point when_;
};

} // namespace actors
