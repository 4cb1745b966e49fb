#include "actors/train/exchange_slot.hpp"

#include <cassert>

namespace actors {

void exchange_slot::sent(const update_rule& rule, const float* w,
                         std::size_t n) {
  assert(!in_flight_);
  in_flight_ = true;
  waiting_ = false;
  then_ = next_action::keep_training;
  if (rule.kind() == exchange_kind::push_then_pull)
    w_sent_.assign(w, w + n);
  else
    w_sent_.clear();
}

void exchange_slot::wait(next_action then, clock::time_point now) {
  assert(in_flight_ && !waiting_ && then != next_action::keep_training);
  waiting_ = true;
  then_ = then;
  wait_start_ = now;
}

exchange_slot::next_action
exchange_slot::arrived(const update_rule& rule, float* w, const float* centre,
                       std::size_t n, clock::time_point now) {
  assert(in_flight_);
  if (rule.kind() == exchange_kind::push_then_pull) {
    assert(w_sent_.size() == n);
    rule.rebase(w, centre, w_sent_.data(), n);
  }
  const next_action then = waiting_ ? then_ : next_action::keep_training;
  if (waiting_)
    waited_seconds_ += std::chrono::duration<double>(now - wait_start_).count();
  in_flight_ = false;
  waiting_ = false;
  then_ = next_action::keep_training;
  return then;
}

} // namespace actors
