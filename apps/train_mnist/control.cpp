#include "control.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "actors/data/holdout.hpp"
#include "actors/train/evaluate.hpp"

namespace train_mnist {

result<run_data> split_data(const settings& s, const dataset& train,
                            const dataset& test) {
  run_data out;
  out.test = &test;
  if (s.validation_fraction <= 0)
    return out;
  auto rows = hold_out(train.rows, s.validation_fraction);
  if (!rows)
    return rows.error();
  out.train_rows = std::move(rows->train);
  out.validation = subset(train, rows->held);
  out.monitored_name = "validation";
  return out;
}

control_options control_of(const settings& s) {
  control_options o;
  o.target_accuracy = s.target_accuracy;
  o.patience = s.early_stopping;
  return o;
}

evaluator::evaluator(const settings& s, const run_data& data, model& scratch,
                     thread_pool& pool, run_control& control)
  : s_(s), data_(data), m_(scratch), pool_(pool), control_(control) {
}

eval_point evaluator::measure(std::uint64_t updates, double seconds) {
  const auto start = std::chrono::steady_clock::now();
  const evaluation ev = evaluate(m_, data_.monitored(), scaling_of(s_.job.schedule),
                                 pool_, s_.eval_batch);
  eval_point p;
  p.updates = updates;
  p.seconds = seconds;
  p.accuracy = ev.accuracy;
  p.loss = ev.loss;
  p.set = data_.monitored_name;
  p.eval_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                                 - start)
                     .count();
  return p;
}

bool evaluator::centre(const centre_sample& c) {
  std::copy(c.centre.begin(), c.centre.end(), m_.params());
  eval_point p = measure(c.updates, c.seconds);
  p.epoch = c.epoch;
  p.why = c.epoch_end ? "epoch" : "eval-every";
  const bool stop = control_.record(p);
  std::fprintf(stderr,
               "train_mnist: evaluation at update %llu (%.1f s): %s accuracy "
               "%.4f loss %.4f (%.2f s)%s\n",
               static_cast<unsigned long long>(c.updates), c.seconds, p.set.c_str(),
               p.accuracy, p.loss, p.eval_seconds,
               stop ? (" - stopping: " + control_.stop_reason()).c_str() : "");
  return stop;
}

bool evaluator::epoch(const epoch_stats& e, std::size_t batches, double seconds) {
  eval_point p;
  if (data_.monitored_name == "test") {
    // The single trainer evaluated the test set already.
    p.accuracy = e.test_accuracy;
    p.loss = e.test_loss;
    p.set = "test";
    p.seconds = seconds;
  } else {
    p = measure(0, seconds);
  }
  p.updates = e.epoch * batches;
  p.epoch = e.epoch;
  p.why = "epoch";
  const bool stop = control_.record(p);
  if (stop)
    std::fprintf(stderr, "train_mnist: stopping after epoch %zu: %s\n", e.epoch,
                 control_.stop_reason().c_str());
  return stop;
}

void evaluator::at_end(std::uint64_t updates, double seconds, std::uint64_t per_epoch,
                       const evaluation& test_figures) {
  eval_point p;
  if (data_.monitored_name == "test") {
    p.updates = updates;
    p.seconds = seconds;
    p.accuracy = test_figures.accuracy;
    p.loss = test_figures.loss;
  } else {
    p = measure(updates, seconds);
  }
  p.epoch = per_epoch > 0 ? updates / per_epoch : 0;
  p.why = "final";
  control_.record_final(p);
}

void report_control(json_writer& j, const settings& s, const run_data& data,
                    const run_control& control) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto ttt = control.time_to_target();
  j.value("lr_schedule", s.job.optimizer.lr_schedule)
    .value("warmup", static_cast<std::uint64_t>(s.job.optimizer.warmup))
    .value("target_accuracy", s.target_accuracy >= 0 ? s.target_accuracy : nan)
    .value("early_stopping", static_cast<std::uint64_t>(s.early_stopping))
    .value("eval_every", s.eval_every)
    .value("monitor", data.monitored_name)
    .value("validation_rows", static_cast<std::uint64_t>(data.validation.rows))
    .value("time_to_target", ttt ? *ttt : nan)
    .value("stopped_early", control.stop_requested())
    .value("stop_reason", control.stop_reason());
  j.begin_array("evaluations");
  for (auto& p : control.evaluations())
    j.begin_object()
      .value("updates", p.updates)
      .value("seconds", p.seconds)
      .value("accuracy", p.accuracy)
      .value("loss", p.loss)
      .value("epoch", static_cast<std::uint64_t>(p.epoch))
      .value("set", p.set)
      .value("why", p.why)
      .value("eval_seconds", p.eval_seconds)
      .end_object();
  j.end_array();
}

} // namespace train_mnist
