// runs: train_mnist's three ways to run, each returning the exit code.
#pragma once

#include <optional>

#include "actors/data/dataset.hpp"
#include "actors/metrics/registry.hpp"
#include "actors/nn/model.hpp"
#include "actors/runtime/run_checkpoint.hpp"
#include "actors/util/json.hpp"
#include "actors/util/thread_pool.hpp"
#include "progress.hpp"
#include "settings.hpp"
#include "watch.hpp"

namespace train_mnist {

/// --evaluate: scores a saved model on the test set (and writes predictions).
int run_evaluate(const settings& s, thread_pool& pool);

/// The single trainer in this process; adds its figures to `j` and its
/// epochs to `w`'s status.
int run_single(const settings& s, const dataset& train, const dataset& test,
               model& m, thread_pool& pool, progress_printer& printer,
               json_writer& j, run_watch& w);

/// A distributed trainer on caf-node processes or on actors in this process,
/// possibly resumed; leaves the trained model in `m`, its figures in `j`.
/// After a fault its actor system is abandoned: main must end through
/// system_host::exit_process. Its actors report to `w`'s registry (with
/// --status) and the driver to `w`'s status, which it ends.
int run_cluster(settings& s, const dataset& train, const dataset& test,
                model& m, thread_pool& pool, progress_printer& printer,
                json_writer& j, const std::optional<run_state>& resumed,
                run_watch& w);

} // namespace train_mnist
