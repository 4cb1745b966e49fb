// control: train_mnist's --validation-split, --target-accuracy,
// --early-stopping and --eval-every around the run.
//
// Evaluations run on the driver's thread with the driver's thread pool:
// the single trainer's after each epoch (between epochs, so training waits
// for it), a distributed run's whenever the parameter server sends its
// centre (run_job's on_centre; the server and the workers train on
// meanwhile, and the server sends no further centre until this one is
// done). 10,000 test images forward-only cost ~1-3 s on one core here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/data/dataset.hpp"
#include "actors/nn/model.hpp"
#include "actors/runtime/driver.hpp"
#include "actors/train/run_control.hpp"
#include "actors/train/single_trainer.hpp"
#include "actors/util/json.hpp"
#include "actors/util/thread_pool.hpp"
#include "settings.hpp"

namespace train_mnist {

/// What a run trains on and which set it watches.
struct run_data {
  /// --validation-split: the training rows kept (ascending) and the
  /// held-out rows as a data set; empty without a split.
  std::vector<std::uint32_t> train_rows;
  dataset validation;
  /// The test set (owned by the caller, outliving this).
  const dataset* test = nullptr;
  std::string monitored_name = "test";

  /// The set evaluations use: the validation split, else the test set.
  const dataset& monitored() const { return validation.rows > 0 ? validation : *test; }
};

/// Cuts the validation split of `s` out of `train` (nothing without one);
/// invalid_argument (exit 2) if it leaves a side empty.
result<run_data> split_data(const settings& s, const dataset& train,
                            const dataset& test);

/// The target and patience of `s`.
control_options control_of(const settings& s);

/// Evaluates models on the monitored set and feeds `control`.
class evaluator {
public:
  evaluator(const settings& s, const run_data& data, model& scratch,
            thread_pool& pool, run_control& control);

  /// run_job's on_centre: evaluates the centre in the scratch model; true
  /// to stop.
  bool centre(const centre_sample& c);

  /// The single trainer's after_epoch: its model after `e` (`batches` per
  /// epoch, `seconds` since training started); true to stop.
  bool epoch(const epoch_stats& e, std::size_t batches, double seconds);

  /// The model as it ended (scratch holds it), recorded as "final"; the
  /// test figures already computed are used when the test set is watched.
  void at_end(std::uint64_t updates, double seconds, std::uint64_t per_epoch,
              const evaluation& test_figures);

private:
  eval_point measure(std::uint64_t updates, double seconds);

  const settings& s_;
  const run_data& data_;
  model& m_;
  thread_pool& pool_;
  run_control& control_;
};

/// The run's control figures in the report: target, monitored set,
/// time_to_target, stopped_early, stop_reason, evaluations.
void report_control(json_writer& j, const settings& s, const run_data& data,
                    const run_control& control);

} // namespace train_mnist
