#include "actors/metrics/run_status.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "actors/util/json.hpp"

namespace actors::metrics {

namespace {

constexpr double null_number = std::numeric_limits<double>::quiet_NaN();

double ratio(double a, double b) {
  return b > 0 ? a / b : null_number;
}

double or_null(const std::optional<double>& v) {
  return v ? *v : null_number;
}

void write_info(json_writer& j, const run_info& i) {
  j.begin_object("run")
    .value("trainer", i.trainer)
    .value("dataset", i.dataset)
    .value("model", i.model)
    .value("wire", i.wire)
    .value("partitioning", i.partitioning)
    .value("epochs", i.epochs)
    .value("batch_size", i.batch_size)
    .value("total_samples", i.total_samples)
    .value("workers", i.workers)
    .value("unix_start", i.unix_start)
    .end_object();
}

void write_worker(json_writer& j, const worker_row& w) {
  // Rates over the time since the worker was first placed, up to its latest
  // report (a finished worker's figures stay as they ended).
  const double active = w.reported_at - w.placed_at;
  const auto& x = w.totals;
  const double share = ratio(x.wait_seconds, active);
  write_worker_counts(j, w.worker, w.node, x);
  j.value("epoch", w.epoch)
    .value("samples_per_second", ratio(static_cast<double>(x.samples), active))
    .value("wait_share", std::isnan(share) ? share : std::clamp(share, 0.0, 1.0))
    .value("staleness", ratio(static_cast<double>(x.staleness_sum),
                              static_cast<double>(x.staleness_count)));
  write_bytes(j, x);
  j.value("restarts", w.restarts);
}

void write_nodes(json_writer& j, const std::vector<node_row>& nodes,
                 const std::vector<worker_row>& workers) {
  j.object_array("nodes", nodes, [&](json_writer& out, const node_row& n) {
    std::uint64_t placed = 0;
    for (auto& w : workers)
      placed += w.node == n.name ? 1 : 0;
    out.value("name", n.name)
      .value("address", n.address)
      .value("server", n.server)
      .value("alive", n.alive)
      .value("workers", placed);
  });
}

void write_point(json_writer& j, const curve_point& p) {
  j.value("seconds", p.seconds)
    .value("updates", p.updates)
    .value("samples", p.samples)
    .value("loss", p.loss)
    .value("accuracy", p.accuracy);
}

void write_evaluation(json_writer& j, const evaluation_point& e) {
  j.value("updates", e.updates)
    .value("seconds", e.seconds)
    .value("accuracy", e.accuracy)
    .value("loss", e.loss)
    .value("set", e.set);
}

void write_fault(json_writer& j, const fault_row& f) {
  j.value("seconds", f.seconds)
    .value("kind", f.kind)
    .value("what", f.what)
    .value("action", f.action);
}

void write_end(json_writer& j, const run_end& e) {
  j.begin_object("end")
    .value("state", e.state)
    .value("error", e.error)
    .value("seconds", e.seconds)
    .value("test_accuracy", or_null(e.test_accuracy))
    .value("test_loss", or_null(e.test_loss))
    .value("time_to_target", or_null(e.time_to_target))
    .value("stopped_early", e.stopped_early)
    .end_object();
}

} // namespace

void write_worker_counts(json_writer& j, std::uint64_t worker,
                         const std::string& node, const worker_totals& t) {
  j.value("worker", worker)
    .value("node", node)
    .value("samples", t.samples)
    .value("commits", t.commits)
    .value("chunks", t.chunks);
}

void write_bytes(json_writer& j, const worker_totals& t) {
  j.value("bytes_sent", t.bytes_sent())
    .value("bytes_received", t.bytes_received())
    .value("bytes_sent_between_nodes", t.between_nodes.sent)
    .value("bytes_received_between_nodes", t.between_nodes.received)
    .value("bytes_sent_within_node", t.within_node.sent)
    .value("bytes_received_within_node", t.within_node.received);
}

run_status::run_status(std::size_t max_points)
  : max_points_(std::max<std::size_t>(2, max_points)) {}

void run_status::begin(const run_info& info) {
  std::lock_guard<std::mutex> guard{mutex_};
  info_ = info;
  state_ = "running";
}

void run_status::nodes(std::vector<node_row> rows) {
  std::lock_guard<std::mutex> guard{mutex_};
  nodes_ = std::move(rows);
}

void run_status::server_at(std::size_t k) {
  std::lock_guard<std::mutex> guard{mutex_};
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    nodes_[i].server = i == k;
}

void run_status::node_lost(std::size_t k) {
  std::lock_guard<std::mutex> guard{mutex_};
  if (k < nodes_.size())
    nodes_[k].alive = false;
}

worker_row& run_status::row(std::uint32_t w) {
  if (workers_.size() <= w) {
    const auto old = workers_.size();
    workers_.resize(w + 1);
    for (auto i = old; i < workers_.size(); ++i)
      workers_[i].worker = static_cast<std::uint32_t>(i);
  }
  return workers_[w];
}

void run_status::worker_placed(std::uint32_t w, const std::string& node,
                               double seconds) {
  std::lock_guard<std::mutex> guard{mutex_};
  const bool known = w < workers_.size() && !workers_[w].node.empty();
  auto& r = row(w);
  if (known)
    ++r.restarts;
  else
    r.placed_at = r.reported_at = seconds;
  r.node = node;
}

void run_status::report(const worker_report& rep, double seconds) {
  std::lock_guard<std::mutex> guard{mutex_};
  auto& r = row(rep.worker);
  if (!rep.node.empty())
    r.node = rep.node;
  r.epoch = std::max(r.epoch, rep.epoch);
  r.totals += rep.grown;
  r.reported_at = seconds;
  samples_ += rep.grown.samples;
  commits_ += rep.grown.commits;
  last_seconds_ = std::max(last_seconds_, seconds);
  loss_sum_ += rep.loss_sum;
  batches_ += rep.batches;
  correct_ += rep.correct;
  point_samples_ += rep.grown.samples;
  if (++reports_since_point_ >= points_every_)
    add_point(seconds);
}

void run_status::add_point(double seconds) {
  reports_since_point_ = 0;
  curve_point p;
  p.seconds = seconds;
  p.updates = commits_;
  p.samples = samples_;
  p.loss = ratio(loss_sum_, static_cast<double>(batches_));
  p.accuracy = ratio(static_cast<double>(correct_),
                     static_cast<double>(point_samples_));
  loss_sum_ = 0;
  batches_ = correct_ = point_samples_ = 0;
  curve_.push_back(p);
  if (curve_.size() < max_points_)
    return;
  // Keep points 1, 3, 5, ... (the newest stays), and take every second
  // report from now on.
  std::size_t kept = 0;
  for (std::size_t i = 1; i < curve_.size(); i += 2)
    curve_[kept++] = curve_[i];
  curve_.resize(kept);
  points_every_ *= 2;
}

void run_status::fault(const fault_row& f) {
  std::lock_guard<std::mutex> guard{mutex_};
  faults_.push_back(f);
}

void run_status::evaluation(const evaluation_point& e) {
  std::lock_guard<std::mutex> guard{mutex_};
  evaluations_.push_back(e);
}

void run_status::end(const run_end& e) {
  std::lock_guard<std::mutex> guard{mutex_};
  // The reports since the last point make one more.
  if (reports_since_point_ > 0)
    add_point(last_seconds_);
  end_ = e;
  state_ = e.state;
}

std::optional<double> run_status::eta(std::uint64_t total, std::uint64_t done,
                                      double seconds) {
  if (total == 0 || done == 0 || seconds <= 0)
    return std::nullopt;
  if (done >= total)
    return 0.0;
  const double rate = static_cast<double>(done) / seconds;
  return static_cast<double>(total - done) / rate;
}

std::string run_status::to_json(double now) const {
  std::lock_guard<std::mutex> guard{mutex_};
  const double seconds = end_ ? end_->seconds : now;
  // Rates on the reports' own clock: as of the latest report.
  const double at = end_ ? end_->seconds : last_seconds_;
  std::optional<double> eta_s = end_ ? std::optional<double>{0.0}
                                     : eta(info_.total_samples, samples_, at);
  worker_totals all;
  for (auto& w : workers_)
    all += w.totals;
  json_writer j;
  j.begin_object()
    .value("version", std::uint64_t{1})
    .value("state", state_)
    .value("seconds", seconds)
    .value("poll_seconds", info_.poll_seconds);
  write_info(j, info_);
  j.begin_object("progress")
    .value("samples", samples_)
    .value("updates", commits_)
    .value("fraction", ratio(static_cast<double>(samples_),
                             static_cast<double>(info_.total_samples)))
    .value("samples_per_second", ratio(static_cast<double>(samples_), at))
    .value("eta_seconds", or_null(eta_s))
    .end_object();
  // The workers' exchange bytes: all, and split by where the server was.
  j.begin_object("bytes")
    .value("sent", all.bytes_sent())
    .value("received", all.bytes_received())
    .begin_object("between_nodes")
    .value("sent", all.between_nodes.sent)
    .value("received", all.between_nodes.received)
    .end_object()
    .begin_object("within_nodes")
    .value("sent", all.within_node.sent)
    .value("received", all.within_node.received)
    .end_object()
    .end_object();
  write_nodes(j, nodes_, workers_);
  j.object_array("workers", workers_, write_worker)
    .object_array("curve", curve_, write_point)
    .object_array("evaluations", evaluations_, write_evaluation)
    .object_array("faults", faults_, write_fault);
  if (end_)
    write_end(j, *end_);
  j.end_object();
  return j.str();
}

std::vector<curve_point> run_status::curve() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return curve_;
}

std::vector<worker_row> run_status::workers() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return workers_;
}

} // namespace actors::metrics
