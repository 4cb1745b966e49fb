// watch: what observes a run of train_mnist. --status=HOST:PORT serves
// GET /metrics (Prometheus), GET / (the live status page) and GET
// /status.json while the run lasts; --report-html=FILE writes the same page
// with the final status embedded when it ends. Both read one
// metrics::run_status (metrics/run_status.hpp), fed by the driver (progress
// sink, placements, faults) and by the run's end (test figures).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "actors/data/dataset.hpp"
#include "actors/metrics/registry.hpp"
#include "actors/metrics/run_status.hpp"
#include "actors/runtime/status_server.hpp"
#include "actors/train/single_trainer.hpp"
#include "settings.hpp"

namespace train_mnist {

/// The run's observers; lives in main for the whole process.
struct run_watch {
  metrics::registry registry;
  metrics::run_status status;
  /// Null without --status.
  std::unique_ptr<status_server> server;
  std::chrono::steady_clock::time_point origin = std::chrono::steady_clock::now();

  /// The registry the actors report to, null without --status.
  metrics::registry* metrics() { return server ? &registry : nullptr; }
  /// Seconds since the run began (the page's clock).
  double seconds() const;
};

/// --status: starts the server (null without the option); an error names
/// the option (exit 2).
status serve_status(const settings& s, run_watch& w);

/// The run's recipe into the status; training begins now.
void begin_watch(const settings& s, const dataset& train, run_watch& w);

/// A single-process run's epochs as the curve and its evaluations.
void watch_single(const settings& s, const train_result& res, run_watch& w);

/// --report-html: writes the page with the final status; nothing without
/// the option.
status write_report_html(const settings& s, const run_watch& w);

} // namespace train_mnist
