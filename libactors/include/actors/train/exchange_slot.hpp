// exchange_slot: a worker's exchange with the parameter server while it is
// in flight, for the overlapped exchange (--overlap=true).
//
// With overlap a worker sends its commit and trains on instead of waiting
// for the reply; at most one exchange is in flight. The worker tells the
// slot when it sends (sent), when it reaches a point where it cannot go on
// without the reply (wait: its next exchange point, or the end of its work)
// and when the reply has arrived (arrived). The slot keeps W_sent, the local
// weights the payload was made from, for the rule's rebase (push_then_pull:
// W <- C + (W - W_sent), see update_rule::rebase; pull_then_push rules leave
// W alone), remembers what the worker was waiting to do, and adds up the
// time it waited: from reaching the waiting point to the reply, not the
// whole round trip (that part overlapped training).
//
// A CAF-free state machine (events in, the action to take out), owned by one
// worker's actor: not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "actors/trainers/update_rule.hpp"

namespace actors {

/// One worker's exchange in flight, with overlap.
class exchange_slot {
public:
  using clock = std::chrono::steady_clock;

  /// What the worker does when the reply it waits for has arrived.
  enum class next_action {
    /// It was not waiting (it is training): nothing to start.
    keep_training,
    /// It stopped at an exchange point: send that exchange, train on.
    exchange,
    /// It stopped at the end of its work: return its weights.
    finish,
    /// It stopped because nothing else may start before the reply (dynamic
    /// partitioning: its next chunk is trained, or it holds none): step on.
    resume,
  };

  /// True from sent() until arrived().
  bool in_flight() const { return in_flight_; }

  /// True from wait() until arrived().
  bool waiting() const { return waiting_; }

  /// A commit made from the local weights `w` (n values) was sent. Keeps a
  /// copy of `w` as W_sent if `rule` is push_then_pull. Requires
  /// !in_flight() (at most one exchange in flight).
  void sent(const update_rule& rule, const float* w, std::size_t n);

  /// The worker cannot go on before the reply: it will `then` once the reply
  /// has arrived; the wait counts from `now`. Requires in_flight() and
  /// !waiting(); `then` is not keep_training.
  void wait(next_action then, clock::time_point now);

  /// The reply arrived at `now`; `centre` is the worker's copy of the centre
  /// after decoding it. Rebases `w` (n values) as `rule` says, adds the time
  /// waited (if the worker waited) and returns what the worker was waiting to
  /// do (keep_training if it was training). Requires in_flight().
  next_action arrived(const update_rule& rule, float* w, const float* centre,
                      std::size_t n, clock::time_point now);

  /// Seconds the worker waited for replies so far.
  double waited_seconds() const { return waited_seconds_; }

  /// W_sent of the exchange in flight (empty for pull_then_push rules).
  const std::vector<float>& sent_weights() const { return w_sent_; }

private:
  std::vector<float> w_sent_;
  bool in_flight_ = false;
  bool waiting_ = false;
  next_action then_ = next_action::keep_training;
  clock::time_point wait_start_{};
  double waited_seconds_ = 0;
};

} // namespace actors
