// runs: train_mnist's three ways to run, each returning the exit code.
#pragma once

#include <optional>

#include "actors/data/dataset.hpp"
#include "actors/metrics/registry.hpp"
#include "actors/nn/model.hpp"
#include "actors/runtime/run_checkpoint.hpp"
#include "actors/util/json.hpp"
#include "actors/util/thread_pool.hpp"
#include "control.hpp"
#include "progress.hpp"
#include "settings.hpp"
#include "watch.hpp"

namespace train_mnist {

/// --evaluate: scores a saved model on the test set (and writes predictions).
int run_evaluate(const settings& s, thread_pool& pool);

/// What every training run shares besides the data: the model, the
/// threads, the display, the report, the monitored data, the control and
/// the run's observers (--status, --report-html).
struct run_context {
  model& m;
  thread_pool& pool;
  progress_printer& printer;
  json_writer& j;
  const run_data& data;
  run_control& control;
  run_watch& w;
};

/// The single trainer in this process (on data.train_rows when a
/// validation split is held out); adds its figures to `j` and its epochs
/// to the watch's status.
int run_single(const settings& s, const dataset& train, const dataset& test,
               run_context& ctx);

/// A distributed trainer on caf-node processes or on actors in this process,
/// possibly resumed; leaves the trained model in `m`, its figures in `j`;
/// evaluates the server's centre during the run when ctx.control or
/// --eval-every asks, and stops early when the control says so.
/// After a fault its actor system is abandoned: main must end through
/// system_host::exit_process. Its actors report to `w`'s registry (with
/// --status) and the driver to `w`'s status, which it ends.
int run_cluster(settings& s, const dataset& train, const dataset& test,
                run_context& ctx, const std::optional<run_state>& resumed);

} // namespace train_mnist
