#include "actors/train/single_trainer.hpp"

#include <chrono>

#include <fmt/format.h>

#include "actors/data/partition.hpp"
#include "actors/optim/lr_schedule.hpp"
#include "actors/util/rng.hpp"
#include "actors/util/thread_pool.hpp"

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// The figures after `done` batches of `batches` in epoch `epoch` of
// `epochs`, `elapsed` seconds into the epoch.
train_progress progress_at(std::size_t epoch, std::size_t epochs, std::size_t done,
                           std::size_t batches, std::size_t batch, double loss_sum,
                           double elapsed) {
  train_progress p;
  p.epoch = epoch;
  p.epochs = epochs;
  p.batch = done;
  p.batches = batches;
  p.loss = loss_sum / static_cast<double>(done);
  p.samples_per_second = static_cast<double>(done * batch) / elapsed;
  const double remaining_batches
    = static_cast<double>((batches - done) + (epochs - epoch) * batches);
  p.eta_seconds = remaining_batches * elapsed / static_cast<double>(done);
  return p;
}

} // namespace

status check_compatible(const model& m, const dataset& d,
                        const std::string& what) {
  if (m.input_shape().size() != d.features())
    return status::invalid_argument(fmt::format(
      "{}: images have {}x{}x{} values but the model expects {}x{}x{}", what,
      d.height, d.width, d.channels, m.input_shape().h, m.input_shape().w,
      m.input_shape().c));
  if (m.output_shape().size() != d.classes)
    return status::invalid_argument(
      fmt::format("{}: {} classes but the model has {} outputs", what,
                  d.classes, m.output_shape().size()));
  return status::ok();
}

result<train_result> train_single(model& m, const dataset& train,
                                  const dataset* test, const train_options& opts,
                                  thread_pool& pool,
                                  const progress_callback& on_progress) {
  if (!m.ends_in_softmax())
    return status::invalid_argument(
      "model: must end in softmax for categorical cross-entropy");
  if (auto st = check_compatible(m, train, "training set"); !st)
    return st;
  if (test)
    if (auto st = check_compatible(m, *test, "test set"); !st)
      return st;
  const schedule_options& sched = opts.schedule;
  const scaling scale = scaling_of(sched);
  if (sched.batch_size == 0 || sched.batch_size > train.rows)
    return status::invalid_argument(fmt::format(
      "batch-size {} must be between 1 and the {} training rows",
      sched.batch_size, train.rows));
  auto made = make_optimizer(opts.optimizer);
  if (!made)
    return made.error();
  auto& opt = *made;
  auto shape = parse_lr_schedule(opts.optimizer.lr_schedule);
  if (!shape)
    return shape.error();

  const std::size_t batch = sched.batch_size;
  const std::size_t batches = full_batches(train.rows, batch);
  std::vector<float> x(batch * train.features());
  std::vector<float> y(batch * train.classes);
  rng dropout_rng{sched.seed ^ 0x5eedULL};
  step_context ctx{&pool, true, &dropout_rng};
  const float base_rate = opt->learning_rate();
  const lr_schedule rate{*shape, opts.optimizer.warmup, batches * sched.epochs,
                         batches};

  train_result res;
  for (std::size_t epoch = 1; epoch <= sched.epochs; ++epoch) {
    const auto order = permutation(train.rows, sched.seed * 1000003ULL + epoch);
    epoch_stats stats;
    stats.epoch = epoch;
    double loss_sum = 0;
    std::size_t correct = 0;
    const auto start = clock_type::now();
    for (std::size_t b = 0; b < batches; ++b) {
      gather_batch(train, order.data() + b * batch, batch, scale, x.data(),
                   y.data());
      auto step = m.train_step(x.data(), y.data(), batch, ctx);
      if (!rate.is_constant())
        opt->learning_rate(static_cast<float>(
          base_rate * rate.factor((epoch - 1) * batches + b)));
      opt->step(m.params(), m.grads(), m.param_count(), &pool);
      loss_sum += step.loss;
      correct += step.correct;
      if (on_progress)
        on_progress(progress_at(epoch, sched.epochs, b + 1, batches, batch,
                                loss_sum, seconds_since(start)));
    }
    stats.seconds = seconds_since(start);
    stats.samples = batches * batch;
    stats.samples_per_second = static_cast<double>(stats.samples) / stats.seconds;
    stats.loss = loss_sum / static_cast<double>(batches);
    stats.accuracy = static_cast<double>(correct)
                     / static_cast<double>(stats.samples);
    res.train_seconds += stats.seconds;
    res.samples += stats.samples;
    if (test) {
      const auto eval_start = clock_type::now();
      res.test = evaluate(m, *test, scale, pool, opts.eval_batch);
      res.eval_seconds += seconds_since(eval_start);
      stats.test_loss = res.test.loss;
      stats.test_accuracy = res.test.accuracy;
    }
    res.history.push_back(stats);
    if (opts.after_epoch && opts.after_epoch(stats))
      break;
  }
  res.samples_per_second = static_cast<double>(res.samples) / res.train_seconds;
  return res;
}

} // namespace actors
