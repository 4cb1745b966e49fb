// run_control: when a training run stops before its last epoch.
//
// A state machine without CAF or clocks: the caller evaluates the model
// (the parameter server's centre, or the single trainer's model) on the
// monitored set - the test set, or a validation split held out of the
// training data - and records each evaluation; record() answers whether the
// run should stop now:
//
//   target accuracy X   stop at the first evaluation with accuracy >= X;
//                       time_to_target() is that evaluation's `seconds`
//   patience P          stop after P evaluations in a row without a new
//                       best accuracy (strictly greater than every earlier
//                       one): Keras's EarlyStopping(monitor, patience) with
//                       min_delta 0, counted in evaluations, not epochs
//
// Once a stop is decided it stays decided; later records (the final
// evaluation of the centre the workers left) are kept but decide nothing.
// record_final() adds the evaluation after the run: it may still reach the
// target (time_to_target then is its `seconds`) but never counts as
// stopping early. Not thread-safe: one driver thread records; on_record
// hooks (the live status page) are called on that thread after each record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace actors {

/// One evaluation of the model being trained.
struct eval_point {
  /// Server updates applied to the centre evaluated (the single trainer:
  /// batches trained).
  std::uint64_t updates = 0;
  /// Seconds since training started when the evaluated model was taken.
  double seconds = 0;
  double accuracy = 0;
  double loss = 0;
  /// Epochs completed at that point (the centre at an epoch's end), or the
  /// epoch in progress for an evaluation every N updates.
  std::size_t epoch = 0;
  /// "test" or "validation".
  std::string set = "test";
  /// What asked for it: "eval-every", "epoch" or "final".
  std::string why;
  /// Seconds the evaluation itself took.
  double eval_seconds = 0;
};

/// What stops a run; the defaults stop nothing.
struct control_options {
  /// Stop once the monitored accuracy reaches this; < 0 = no target.
  double target_accuracy = -1;
  /// Stop after this many evaluations without improvement; 0 = never.
  std::size_t patience = 0;

  /// True if anything here can stop a run (then evaluations during the run
  /// are needed).
  bool active() const { return target_accuracy >= 0 || patience > 0; }
};

/// Target accuracy and early stopping over a run's evaluations.
class run_control {
public:
  explicit run_control(control_options opts = {});

  /// Records an evaluation made during the run; true if the run should stop
  /// (now or already decided).
  bool record(const eval_point& p);

  /// Records the evaluation after the run; decides nothing.
  void record_final(const eval_point& p);

  /// Every evaluation recorded, in order.
  const std::vector<eval_point>& evaluations() const { return points_; }

  /// Seconds at the first evaluation that reached the target, if any.
  std::optional<double> time_to_target() const { return time_to_target_; }

  /// True once record() decided to stop.
  bool stop_requested() const { return !stop_reason_.empty(); }

  /// Why the run stops ("target accuracy 0.9 reached at 0.9013", "no
  /// improvement in 3 evaluations (best 0.8712 at update 450)"); empty
  /// while it does not.
  const std::string& stop_reason() const { return stop_reason_; }

  /// Best accuracy recorded during the run (-1 before any).
  double best_accuracy() const { return best_; }

  const control_options& options() const { return opts_; }

  /// Calls `hook` after every record (live displays).
  void on_record(std::function<void(const eval_point&)> hook);

private:
  void keep(const eval_point& p);

  control_options opts_;
  std::vector<eval_point> points_;
  std::optional<double> time_to_target_;
  std::string stop_reason_;
  double best_ = -1;
  std::uint64_t best_updates_ = 0;
  std::size_t since_best_ = 0;
  std::vector<std::function<void(const eval_point&)>> hooks_;
};

} // namespace actors
