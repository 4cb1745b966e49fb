// train_mnist: trains a Keras-style model on MNIST or Fashion-MNIST.
//
// Single-process trainer for now (dist-keras's SingleTrainer); the driver of
// the distributed trainers grows out of this program. Exit codes: 0 success,
// 1 a failure while running (unreadable data, I/O), 2 bad options.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "actors/data/dataset.hpp"
#include "actors/nn/model_io.hpp"
#include "actors/nn/model_spec.hpp"
#include "actors/train/evaluate.hpp"
#include "actors/train/single_trainer.hpp"
#include "actors/util/json.hpp"
#include "actors/util/options.hpp"
#include "actors/util/thread_pool.hpp"

using namespace actors;

namespace {

struct settings {
  std::string data = "data";
  std::string dataset = "mnist";
  std::string model = "mnist_cnn";
  std::string trainer = "single";
  std::size_t epochs = 5;
  std::size_t batch_size = 16;
  std::string optimizer = "adam";
  double learning_rate = -1;
  double momentum = 0;
  bool nesterov = false;
  std::uint64_t seed = 42;
  std::size_t threads = 0;
  double scale_max = 250;
  std::size_t eval_batch = 128;
  std::string report;
  std::string save;
  std::string evaluate;
  std::string predictions;
  std::string progress = "auto";
};

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // ru_maxrss is in KiB
}

// Prints a live line on a terminal, or a plain line every 10 s otherwise.
class progress_printer {
public:
  explicit progress_printer(const std::string& mode) {
    live_ = mode == "bar" || (mode == "auto" && isatty(STDERR_FILENO));
    off_ = mode == "off";
    interval_ = live_ ? 0.2 : 10.0;
  }

  void operator()(const train_progress& p) {
    if (off_)
      return;
    const auto now = std::chrono::steady_clock::now();
    if (p.batch != p.batches
        && std::chrono::duration<double>(now - last_).count() < interval_)
      return;
    last_ = now;
    const auto line = fmt::format(
      "epoch {}/{}  batch {}/{}  {:.0f} samples/s  loss {:.4f}  ETA {:.0f}s",
      p.epoch, p.epochs, p.batch, p.batches, p.samples_per_second, p.loss,
      p.eta_seconds);
    if (live_)
      std::fprintf(stderr, "\r%-78s", line.c_str());
    else
      std::fprintf(stderr, "%s\n", line.c_str());
    if (live_ && p.batch == p.batches)
      std::fprintf(stderr, "\n");
  }

private:
  bool live_ = false;
  bool off_ = false;
  double interval_ = 10.0;
  std::chrono::steady_clock::time_point last_{};
};

status write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out{tmp};
    out << text;
    if (!out)
      return status::io_error(path + ": cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return status::io_error(path + ": cannot rename into place");
  return status::ok();
}

int fail(const status& st, int code) {
  std::fprintf(stderr, "train_mnist: %s\n", st.message().c_str());
  return code;
}

int run_evaluate(const settings& s, const scaling& scale, thread_pool& pool) {
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
  if (!s.report.empty()) {
    json_writer j;
    j.begin_object()
      .value("mode", "evaluate")
      .value("model_file", s.evaluate)
      .value("dataset", s.dataset)
      .value("test_rows", static_cast<std::uint64_t>(ev.samples))
      .value("test_accuracy", ev.accuracy)
      .value("test_loss", ev.loss)
      .end_object();
    if (auto st = write_file(s.report, j.str() + "\n"); !st)
      return fail(st, 1);
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  settings s;
  option_set opts{"train_mnist",
                  "data-parallel training of a Keras-style model on MNIST"};
  opts.add("data", &s.data, "data directory holding mnist/ and fashion/");
  opts.add_choice("dataset", &s.dataset, {"mnist", "fashion"}, "data set");
  opts.add("model", &s.model, "built-in model (mnist_cnn, mnist_mlp) or a spec file");
  opts.add_choice("trainer", &s.trainer, {"single"}, "training algorithm");
  opts.add("epochs", &s.epochs, 1, 100000, "passes over the training set");
  opts.add("batch-size", &s.batch_size, 1, 65536, "samples per mini-batch");
  opts.add_choice("optimizer", &s.optimizer, {"adam", "adagrad", "sgd", "rmsprop"},
                  "worker optimizer (Keras defaults)");
  opts.add("learning-rate", &s.learning_rate, -1, 10,
           "step size; -1 = the optimizer's Keras default");
  opts.add("momentum", &s.momentum, 0, 0.999999, "SGD momentum");
  opts.add("nesterov", &s.nesterov, "SGD Nesterov momentum");
  opts.add("seed", &s.seed, "seed of initialisation and shuffling");
  opts.add("threads", &s.threads, 0, 256, "compute threads; 0 = all cores");
  opts.add("scale-max", &s.scale_max, 1, 65535,
           "pixel value mapped to 1.0 (the seed used 250)");
  opts.add("eval-batch", &s.eval_batch, 1, 65536, "batch size for evaluation");
  opts.add("report", &s.report, "write a JSON report to this file");
  opts.add("save", &s.save, "save the trained model to this file");
  opts.add("evaluate", &s.evaluate,
           "evaluate this saved model on the test set instead of training");
  opts.add("predictions", &s.predictions,
           "with --evaluate: write row,label,prediction CSV here");
  opts.add_choice("progress", &s.progress, {"auto", "bar", "lines", "off"},
                  "progress display: live line on a terminal, else lines");

  bool help = false;
  if (auto st = opts.parse(argc, argv, help); !st)
    return fail(st, 2);
  if (help) {
    std::printf("%s", opts.help().c_str());
    return 0;
  }
  if (s.learning_rate != -1 && s.learning_rate <= 0)
    return fail(status::invalid_argument(
                  "option 'learning-rate' expects a number > 0 or -1"),
                2);
  if (s.threads == 0)
    s.threads = std::max(1u, std::thread::hardware_concurrency());
  thread_pool pool{s.threads};
  scaling scale;
  scale.old_max = static_cast<float>(s.scale_max);

  if (!s.evaluate.empty())
    return run_evaluate(s, scale, pool);

  const auto wall_start = std::chrono::steady_clock::now();
  auto train = load_dataset(s.data, s.dataset, "train");
  if (!train)
    return fail(train.error(), 1);
  auto test = load_dataset(s.data, s.dataset, "test");
  if (!test)
    return fail(test.error(), 1);
  auto m = make_model(s.model);
  if (!m)
    return fail(m.error(), 2);
  m->init(s.seed);

  train_options to;
  to.epochs = s.epochs;
  to.batch_size = s.batch_size;
  to.seed = s.seed;
  to.scale = scale;
  to.eval_batch = s.eval_batch;
  to.optimizer.name = s.optimizer;
  to.optimizer.learning_rate = static_cast<float>(s.learning_rate);
  to.optimizer.momentum = static_cast<float>(s.momentum);
  to.optimizer.nesterov = s.nesterov;

  std::fprintf(stderr,
               "train_mnist: %s on %s (%zu train / %zu test rows), %zu "
               "parameters, %s, batch %zu, %zu epochs, %zu threads\n",
               s.model.c_str(), s.dataset.c_str(), train->rows, test->rows,
               m->param_count(), s.optimizer.c_str(), s.batch_size, s.epochs,
               s.threads);
  progress_printer printer{s.progress};
  auto res = train_single(*m, *train, &*test, to, pool, std::ref(printer));
  if (!res)
    return fail(res.error(), 2);
  const double wall = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - wall_start)
                        .count();
  for (auto& e : res->history)
    std::printf("epoch %zu: loss %.4f acc %.4f | test loss %.4f acc %.4f | "
                "%.1f s, %.0f samples/s\n",
                e.epoch, e.loss, e.accuracy, e.test_loss, e.test_accuracy,
                e.seconds, e.samples_per_second);
  std::printf("trained in %.1f s (%.0f samples/s), test accuracy %.4f, test "
              "loss %.4f, peak RSS %.0f MB\n",
              res->train_seconds, res->samples_per_second, res->test.accuracy,
              res->test.loss, peak_rss_mb());

  if (!s.save.empty()) {
    if (auto st = save_model(*m, s.save); !st)
      return fail(st, 1);
    std::printf("saved model to %s\n", s.save.c_str());
  }
  if (!s.report.empty()) {
    json_writer j;
    j.begin_object()
      .value("trainer", s.trainer)
      .value("model", s.model)
      .value("parameters", static_cast<std::uint64_t>(m->param_count()))
      .value("dataset", s.dataset)
      .value("train_rows", static_cast<std::uint64_t>(train->rows))
      .value("test_rows", static_cast<std::uint64_t>(test->rows))
      .value("epochs", static_cast<std::uint64_t>(s.epochs))
      .value("batch_size", static_cast<std::uint64_t>(s.batch_size))
      .value("optimizer", s.optimizer)
      .value("learning_rate", static_cast<double>(s.learning_rate))
      .value("seed", s.seed)
      .value("threads", static_cast<std::uint64_t>(s.threads))
      .value("scale_max", s.scale_max)
      .value("train_seconds", res->train_seconds)
      .value("eval_seconds", res->eval_seconds)
      .value("wall_seconds", wall)
      .value("samples", static_cast<std::uint64_t>(res->samples))
      .value("samples_per_second", res->samples_per_second)
      .value("train_flops_per_sample", m->train_flops_per_sample())
      .value("test_accuracy", res->test.accuracy)
      .value("test_loss", res->test.loss)
      .value("peak_rss_mb", peak_rss_mb());
    j.begin_array("history");
    for (auto& e : res->history)
      j.begin_object()
        .value("epoch", static_cast<std::uint64_t>(e.epoch))
        .value("loss", e.loss)
        .value("accuracy", e.accuracy)
        .value("test_loss", e.test_loss)
        .value("test_accuracy", e.test_accuracy)
        .value("seconds", e.seconds)
        .value("samples_per_second", e.samples_per_second)
        .end_object();
    j.end_array().end_object();
    if (auto st = write_file(s.report, j.str() + "\n"); !st)
      return fail(st, 1);
  }
  return 0;
}
