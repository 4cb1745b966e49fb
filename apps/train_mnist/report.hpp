// report: train_mnist's JSON report (--report) and its summary figures.
//
// A report is one JSON object: the run's settings (report_start), what the
// trainer produced (report_single or report_cluster), then the process's
// figures (finish_report). Field names are read by tests/integration and
// bench/, so they do not change without updating every reader. Exchange
// bytes (metrics/worker_totals.hpp): bytes_between_nodes crossed sockets
// between nodes, bytes_within_nodes were passed in memory (per worker and,
// in node_bytes, per node and direction); bytes_sent/bytes_received are
// both kinds.
#pragma once

#include <cstdint>
#include <string>

#include "actors/data/dataset.hpp"
#include "actors/nn/model.hpp"
#include "actors/runtime/driver.hpp"
#include "actors/train/evaluate.hpp"
#include "actors/train/single_trainer.hpp"
#include "actors/util/json.hpp"
#include "actors/util/status.hpp"
#include "settings.hpp"

namespace train_mnist {

/// Writes `text` to `path` through a temporary file and a rename.
status write_file(const std::string& path, const std::string& text);

/// Peak resident set size of this process in MB.
double peak_rss_mb();

/// The report of --evaluate: model file, data set and test figures.
std::string evaluate_report(const settings& s, const evaluation& ev);

/// Opens the report object with the run's settings.
void report_start(json_writer& j, const settings& s, const model& m,
                  const dataset& train, const dataset& test);

/// The single trainer's figures and per-epoch history.
void report_single(json_writer& j, const train_result& res);

/// Sums over a cluster run's workers.
metrics::worker_totals totals_of(const cluster_result& res);

/// A distributed run's figures: throughput, server, wire, faults, nodes,
/// per-worker rows; `resumed_from` is the update a resumed run started at.
void report_cluster(json_writer& j, const job_spec& job,
                    const cluster_result& res, const evaluation& ev,
                    std::uint64_t resumed_from);

/// Closes the object with the process's figures and writes it to `path`.
status finish_report(json_writer& j, const std::string& path, double wall,
                     const model& m);

} // namespace train_mnist
