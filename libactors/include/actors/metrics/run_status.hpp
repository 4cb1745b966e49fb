// metrics/run_status: what the live status page (`/`, `/status.json` of
// train_mnist --status) and the HTML report (--report-html) show about one
// training run: the recipe, the training curve, one row per worker, the
// nodes and the parameter server's place, the faults and how they were
// handled, evaluations, the final figures and the ETA.
//
// A model without CAF or HTTP: the driver feeds it events (the progress
// sink each worker's progress, the job runner placements and faults, the
// app the evaluations and the end), each with the run's clock in seconds
// since training started passed in, so tests drive it with hand-picked times.
// to_json() serialises it with util/json's writer (the page and the report
// read the same document).
//
// Curve: one point per `points_every` worker reports (1 at first); when the
// curve holds `max_points` points every second point is dropped and
// `points_every` doubles, so a run of any length keeps between max_points/2
// and max_points points spread evenly over it. A point's loss and training
// accuracy are the means over the batches reported since the previous point.
//
// ETA: (total_samples - samples) / (samples / seconds): the samples still to
// train at the run's mean rate so far, as of the latest report (rates use
// the reports' clock, the progress sink's, not the caller's `now`); null
// before the first sample or when the total is unknown, 0 once the run
// ended.
//
// Threads: every member takes one mutex; the progress sink's thread, the
// driver's and the HTTP server's threads may call concurrently.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/metrics/worker_totals.hpp"

namespace actors {
class json_writer;
} // namespace actors

namespace actors::metrics {

/// Writes a worker's name and counts into the object `j` has open: worker,
/// node, samples, commits, chunks. With write_bytes, the fields the status
/// page's `workers` rows and train_mnist's report's `per_worker` rows share.
void write_worker_counts(json_writer& j, std::uint64_t worker,
                         const std::string& node, const worker_totals& t);

/// Writes the byte fields of `t` into the object `j` has open: bytes_sent,
/// bytes_received, then each split by where the server is
/// (bytes_{sent,received}_between_nodes, ..._within_node). The status
/// page's workers and train_mnist's report name them through this one
/// function.
void write_bytes(json_writer& j, const worker_totals& t);

/// The run's recipe, known before training.
struct run_info {
  std::string trainer;
  std::string dataset;
  std::string model;
  std::string wire;
  std::string partitioning;
  std::uint64_t epochs = 0;
  std::uint64_t batch_size = 0;
  /// Samples the run trains in all: epochs x training rows (0 = unknown).
  std::uint64_t total_samples = 0;
  /// Workers (partitions).
  std::uint64_t workers = 0;
  /// The wall clock when training began (Unix seconds).
  double unix_start = 0;
  /// How often the live page polls /status.json.
  double poll_seconds = 1;
};

/// One worker's report: what grew since its previous one (progress_msg).
struct worker_report {
  std::uint32_t worker = 0;
  std::string node;
  std::uint64_t epoch = 0;
  std::uint64_t batches = 0;
  double loss_sum = 0;
  /// Training samples predicted right (arg-max).
  std::uint64_t correct = 0;
  /// Samples, commits, wait, bytes, ... grown since the previous report.
  worker_totals grown;
};

/// A worker's row: the sums of its reports across incarnations.
struct worker_row {
  std::uint32_t worker = 0;
  std::string node;
  std::uint64_t epoch = 0;
  worker_totals totals;
  /// Incarnations after the first (the driver placed it again).
  std::uint64_t restarts = 0;
  /// Run seconds at its first placement and at its latest report.
  double placed_at = 0;
  double reported_at = 0;
};

/// A training-curve point.
struct curve_point {
  double seconds = 0;
  /// Commits applied so far (server updates for the delta rules).
  std::uint64_t updates = 0;
  std::uint64_t samples = 0;
  /// Mean training loss and accuracy over the batches since the last point.
  double loss = 0;
  double accuracy = 0;
};

/// An evaluation of the model (a --eval-every check, an epoch's, the final
/// test): `set` is "test" or "validation".
struct evaluation_point {
  std::uint64_t updates = 0;
  double seconds = 0;
  double accuracy = 0;
  double loss = 0;
  std::string set = "test";
};

/// A node taking part; `server`: the parameter server runs there.
struct node_row {
  std::string name;
  std::string address;
  bool server = false;
  bool alive = true;
};

/// A fault the driver saw and what it did.
struct fault_row {
  double seconds = 0;
  std::string kind;
  std::string what;
  std::string action;
};

/// How the run ended.
struct run_end {
  /// "done" or "failed".
  std::string state = "done";
  std::string error;
  double seconds = 0;
  std::optional<double> test_accuracy;
  std::optional<double> test_loss;
  /// --target-accuracy: run seconds when it was reached; --early-stopping
  /// or the target ended the run before its epochs.
  std::optional<double> time_to_target;
  bool stopped_early = false;
};

/// The status of one run; see the header comment.
class run_status {
public:
  explicit run_status(std::size_t max_points = 400);

  /// The recipe; the state becomes "running".
  void begin(const run_info& info);
  /// The nodes, in the driver's order (index = the supervisor's node index).
  void nodes(std::vector<node_row> rows);
  /// The parameter server now runs on node `k`.
  void server_at(std::size_t k);
  void node_lost(std::size_t k);
  /// Worker `w` was (re)placed on node `node` at run second `seconds`.
  void worker_placed(std::uint32_t w, const std::string& node, double seconds);
  void report(const worker_report& r, double seconds);
  void fault(const fault_row& f);
  void evaluation(const evaluation_point& e);
  void end(const run_end& e);

  /// The document /status.json serves, as of run second `now`.
  std::string to_json(double now) const;

  /// (total - done) / (done / seconds); nullopt if done or seconds is 0 or
  /// total unknown (0); 0 when done >= total.
  static std::optional<double> eta(std::uint64_t total, std::uint64_t done,
                                   double seconds);

  /// For tests: the curve and the rows as they stand.
  std::vector<curve_point> curve() const;
  std::vector<worker_row> workers() const;

private:
  void add_point(double seconds);
  worker_row& row(std::uint32_t w);

  mutable std::mutex mutex_;
  std::size_t max_points_;
  std::size_t points_every_ = 1;
  std::size_t reports_since_point_ = 0;
  run_info info_;
  std::string state_ = "starting";
  std::vector<node_row> nodes_;
  std::vector<worker_row> workers_;
  std::vector<curve_point> curve_;
  std::vector<evaluation_point> evaluations_;
  std::vector<fault_row> faults_;
  std::optional<run_end> end_;
  // Totals and the sums since the last curve point.
  std::uint64_t samples_ = 0;
  std::uint64_t commits_ = 0;
  /// Run second of the latest report.
  double last_seconds_ = 0;
  double loss_sum_ = 0;
  std::uint64_t batches_ = 0;
  std::uint64_t correct_ = 0;
  std::uint64_t point_samples_ = 0;
};

} // namespace actors::metrics
