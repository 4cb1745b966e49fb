#include "actors/train/run_control.hpp"

#include <fmt/format.h>

namespace actors {

run_control::run_control(control_options opts) : opts_(opts) {
}

void run_control::keep(const eval_point& p) {
  points_.push_back(p);
  if (opts_.target_accuracy >= 0 && !time_to_target_
      && p.accuracy >= opts_.target_accuracy)
    time_to_target_ = p.seconds;
  for (auto& hook : hooks_)
    hook(p);
}

bool run_control::record(const eval_point& p) {
  const bool decided = stop_requested();
  keep(p);
  if (decided)
    return true;
  if (p.accuracy > best_) {
    best_ = p.accuracy;
    best_updates_ = p.updates;
    since_best_ = 0;
  } else {
    ++since_best_;
  }
  if (opts_.target_accuracy >= 0 && p.accuracy >= opts_.target_accuracy)
    stop_reason_ = fmt::format("target accuracy {} reached: {:.4f} on the {} set "
                               "at update {}",
                               opts_.target_accuracy, p.accuracy, p.set, p.updates);
  else if (opts_.patience > 0 && since_best_ >= opts_.patience)
    stop_reason_ = fmt::format("no improvement in {} evaluations (best {:.4f} at "
                               "update {})",
                               opts_.patience, best_, best_updates_);
  return stop_requested();
}

void run_control::record_final(const eval_point& p) {
  keep(p);
}

void run_control::on_record(std::function<void(const eval_point&)> hook) {
  hooks_.push_back(std::move(hook));
}

} // namespace actors
