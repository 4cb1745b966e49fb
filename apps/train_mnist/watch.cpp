#include "watch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "actors/runtime/status_page.hpp"
#include "actors/train/partitioning.hpp"
#include "report.hpp"

namespace train_mnist {

double run_watch::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin)
    .count();
}

status serve_status(const settings& s, run_watch& w) {
  if (s.status.empty())
    return status::ok();
  auto routes = status_page_routes(w.status, [&w] { return w.seconds(); });
  auto server = serve_metrics({s.status, s.status_public, "--status",
                               "--status-public", "train_mnist"},
                              w.registry, std::move(routes));
  if (!server)
    return server.error();
  w.server = std::move(*server);
  return status::ok();
}

void begin_watch(const settings& s, const dataset& train, run_watch& w) {
  metrics::run_info i;
  i.trainer = s.job.trainer.name;
  i.dataset = s.dataset;
  i.model = s.model;
  i.wire = s.job.wire;
  i.partitioning = partitioning_name(s.job.schedule.partitioning);
  i.epochs = s.job.schedule.epochs;
  i.batch_size = s.job.schedule.batch_size;
  i.total_samples = static_cast<std::uint64_t>(s.job.schedule.epochs) * train.rows;
  i.workers = s.job.trainer.workers;
  i.unix_start = static_cast<double>(std::time(nullptr));
  w.origin = std::chrono::steady_clock::now();
  w.status.begin(i);
}

void watch_single(const settings& s, const train_result& res, run_watch& w) {
  // One report per epoch: its samples, mean loss and accuracy; updates are
  // the optimizer's steps (batches).
  const std::uint64_t batch = std::max<std::size_t>(1, s.job.schedule.batch_size);
  double at = 0;
  std::uint64_t steps = 0;
  for (auto& e : res.history) {
    at += e.seconds;
    metrics::worker_report r;
    r.node = "local";
    r.epoch = e.epoch;
    r.grown.samples = e.samples;
    r.grown.commits = (e.samples + batch - 1) / batch;
    r.batches = 1;
    r.loss_sum = e.loss;
    r.correct = static_cast<std::uint64_t>(std::llround(e.accuracy * e.samples));
    w.status.report(r, at);
    steps += r.grown.commits;
    w.status.evaluation({steps, at, e.test_accuracy, e.test_loss, "test"});
  }
}

status write_report_html(const settings& s, const run_watch& w) {
  if (s.report_html.empty())
    return status::ok();
  auto st = write_file(s.report_html, status_page_with(w.status.to_json(w.seconds())));
  if (st)
    std::printf("wrote the HTML report to %s\n", s.report_html.c_str());
  return st;
}

} // namespace train_mnist
