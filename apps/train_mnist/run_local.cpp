// train_mnist's runs without actors: --evaluate and the single trainer.
#include <chrono>
#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "actors/data/holdout.hpp"
#include "actors/data/partition.hpp"
#include "actors/nn/model_io.hpp"
#include "actors/train/evaluate.hpp"
#include "actors/train/single_trainer.hpp"
#include "report.hpp"
#include "runs.hpp"

namespace train_mnist {

int run_evaluate(const settings& s, thread_pool& pool) {
  const scaling scale = scaling_of(s.job.schedule);
  auto m = load_model(s.evaluate);
  if (!m)
    return fail(m.error(), 1);
  auto test = load_dataset(s.data, s.dataset, "test");
  if (!test)
    return fail(test.error(), 1);
  if (auto st = check_compatible(*m, *test, "test set"); !st)
    return fail(st, 1);
  auto ev = evaluate(*m, *test, scale, pool, s.eval_batch);
  std::printf("evaluate %s on %s test (%zu rows): accuracy %.4f loss %.4f\n",
              s.evaluate.c_str(), s.dataset.c_str(), ev.samples, ev.accuracy,
              ev.loss);
  if (!s.predictions.empty()) {
    auto classes = predict_classes(*m, *test, scale, pool, s.eval_batch);
    std::string csv = "row,label,prediction\n";
    for (std::size_t i = 0; i < classes.size(); ++i)
      csv += fmt::format("{},{},{}\n", i, test->labels[i], classes[i]);
    if (auto st = write_file(s.predictions, csv); !st)
      return fail(st, 1);
  }
  if (!s.report.empty())
    if (auto st = write_file(s.report, evaluate_report(s, ev)); !st)
      return fail(st, 1);
  return 0;
}

int run_single(const settings& s, const dataset& train, const dataset& test,
               run_context& ctx) {
  train_options to;
  to.schedule = s.job.schedule;
  to.optimizer = s.job.optimizer;
  to.eval_batch = s.eval_batch;
  // A validation split trains on the rows kept only.
  const dataset kept = ctx.data.train_rows.empty() ? dataset{}
                                                   : subset(train, ctx.data.train_rows);
  const dataset& rows = ctx.data.train_rows.empty() ? train : kept;
  const std::size_t batches = full_batches(rows.rows, s.job.schedule.batch_size);
  evaluator ev{s, ctx.data, ctx.m, ctx.pool, ctx.control};
  const auto start = std::chrono::steady_clock::now();
  auto since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
  };
  to.after_epoch = [&](const epoch_stats& e) {
    return ev.epoch(e, batches, since_start());
  };
  std::fprintf(stderr,
               "train_mnist: %s on %s (%zu train / %zu test rows), %zu "
               "parameters, %s, batch %zu, %zu epochs, %zu threads\n",
               s.model.c_str(), s.dataset.c_str(), rows.rows, test.rows,
               ctx.m.param_count(), s.job.optimizer.name.c_str(),
               s.job.schedule.batch_size, s.job.schedule.epochs, s.threads);
  auto res = train_single(ctx.m, rows, &test, to, ctx.pool, std::ref(ctx.printer));
  if (!res)
    return fail(res.error(), 2);
  for (auto& e : res->history)
    std::printf("epoch %zu: loss %.4f acc %.4f | test loss %.4f acc %.4f | "
                "%.1f s, %.0f samples/s\n",
                e.epoch, e.loss, e.accuracy, e.test_loss, e.test_accuracy,
                e.seconds, e.samples_per_second);
  std::printf("trained in %.1f s (%.0f samples/s), test accuracy %.4f, test "
              "loss %.4f, peak RSS %.0f MB\n",
              res->train_seconds, res->samples_per_second, res->test.accuracy,
              res->test.loss, peak_rss_mb());
  ev.at_end(res->history.size() * batches, since_start(), batches, res->test);
  report_single(ctx.j, *res);
  watch_single(s, *res, ctx.w);
  ctx.w.status.end({"done", "", res->train_seconds, res->test.accuracy,
                    res->test.loss, ctx.control.time_to_target(),
                    ctx.control.stop_requested()});
  return 0;
}

} // namespace train_mnist
