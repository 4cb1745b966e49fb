// train_mnist's runs without actors: --evaluate and the single trainer.
#include <cstdio>
#include <functional>

#include <fmt/format.h>

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
               model& m, thread_pool& pool, progress_printer& printer,
               json_writer& j, run_watch& w) {
  train_options to;
  to.schedule = s.job.schedule;
  to.optimizer = s.job.optimizer;
  to.eval_batch = s.eval_batch;
  std::fprintf(stderr,
               "train_mnist: %s on %s (%zu train / %zu test rows), %zu "
               "parameters, %s, batch %zu, %zu epochs, %zu threads\n",
               s.model.c_str(), s.dataset.c_str(), train.rows, test.rows,
               m.param_count(), s.job.optimizer.name.c_str(),
               s.job.schedule.batch_size, s.job.schedule.epochs, s.threads);
  auto res = train_single(m, train, &test, to, pool, std::ref(printer));
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
  report_single(j, *res);
  watch_single(s, *res, w);
  w.status.end({"done", "", res->train_seconds, res->test.accuracy,
                res->test.loss, {}, false});
  return 0;
}

} // namespace train_mnist
