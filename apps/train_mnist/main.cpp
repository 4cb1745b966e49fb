// train_mnist: trains a Keras-style model on MNIST or Fashion-MNIST.
//
// Runs the single trainer in this process, or drives a distributed trainer
// on caf-node processes (--nodes, --discover) or on the same actors inside
// this process. Distributed runs survive lost workers, nodes and the
// parameter server (see the README's reliability section) and can be
// continued after the driver itself died (--checkpoint-dir, --resume).
//
// Exit codes: 0 success; 1 a failure while running (unreadable data, I/O, a
// run that could not recover, a timeout); 2 bad options or a bad checkpoint.
#include <sys/resource.h>
#include <unistd.h>

#include <caf/io/all.hpp>

#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "actors/data/dataset.hpp"
#include "actors/nn/model_io.hpp"
#include "actors/nn/model_spec.hpp"
#include "actors/runtime/driver.hpp"
#include "actors/runtime/node_config.hpp"
#include "actors/runtime/transport.hpp"
#include "actors/runtime/run_checkpoint.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/trainers/update_rule.hpp"
#include "actors/train/evaluate.hpp"
#include "actors/train/single_trainer.hpp"
#include "actors/util/json.hpp"
#include "actors/util/options.hpp"
#include "actors/util/thread_pool.hpp"
#include "actors/wire/codec.hpp"

using namespace actors;

namespace {

// The recipe train_mnist starts from: the job spec's defaults, except where
// this app has always had its own (5 epochs, batch 16, pixels scaled by 250).
job_spec default_job() {
  job_spec job;
  job.schedule.epochs = 5;
  job.schedule.batch_size = 16;
  job.schedule.scale_max = 250;
  return job;
}

struct settings {
  std::string data = "data";
  std::string dataset = "mnist";
  std::string model = "mnist_cnn";
  /// The training recipe; options bind straight into its parts and a
  /// resumed run replaces it whole.
  job_spec job = default_job();
  std::string nodes;
  std::string discover;
  std::string tls_dir;
  tls_settings tls; // CAF's openssl.* keys
  std::size_t expect_nodes = 0;
  std::size_t workers = 3;
  std::size_t workers_per_node = 0;
  std::string ps_node;
  bool send_shards = false;
  double connect_timeout = 15;
  double run_timeout = 86400;
  std::size_t threads = 0;
  std::size_t eval_batch = 128;
  std::string report;
  std::string save;
  std::string evaluate;
  std::string predictions;
  std::string progress = "auto";
  // Faults and checkpoints.
  std::string checkpoint_dir;
  std::size_t checkpoint_every = 0;
  double checkpoint_seconds = 10;
  std::size_t keep_checkpoints = 3;
  std::string resume;
  std::size_t max_restarts = 3;
  double heartbeat = 0.5;
  double fault_timeout = 5;
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

  void cluster(const cluster_progress& p, std::uint64_t total_samples) {
    if (off_)
      return;
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_).count() < interval_)
      return;
    last_ = now;
    const double left = static_cast<double>(total_samples)
                        - static_cast<double>(p.samples);
    const auto line = fmt::format(
      "{:.0f}%  {:.0f} samples/s  loss {:.4f}  commits {}  ETA {:.0f}s",
      100.0 * static_cast<double>(p.samples) / static_cast<double>(total_samples),
      p.samples_per_second, p.loss, p.commits,
      p.samples_per_second > 0 ? left / p.samples_per_second : 0.0);
    if (live_)
      std::fprintf(stderr, "\r%-78s", line.c_str());
    else
      std::fprintf(stderr, "%s\n", line.c_str());
  }

  void done() {
    if (live_ && !off_)
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

// CAF 0.17's middleman waits at shutdown until every connection has sent
// what it holds; one to a host that vanished (link cut, frozen) never does.
// After a fault the driver leaves its actor system to the process exit.
bool abandoned_system = false;

struct system_holder {
  std::unique_ptr<caf::actor_system> sys;
  bool abandon = false;
  ~system_holder() {
    if (abandon) {
      static_cast<void>(sys.release());
      abandoned_system = true;
    }
  }
};

// Ends the process with `rc`; without running destructors if an actor
// system was abandoned (its threads still run).
int exit_with(int rc) {
  if (abandoned_system) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(rc);
  }
  return rc;
}

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

int run_single(const settings& s, const dataset& train, const dataset& test,
               model& m, thread_pool& pool, progress_printer& printer,
               json_writer& j) {
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
  j.value("workers", std::uint64_t{1})
    .value("train_seconds", res->train_seconds)
    .value("eval_seconds", res->eval_seconds)
    .value("samples", static_cast<std::uint64_t>(res->samples))
    .value("samples_per_second", res->samples_per_second)
    .value("test_accuracy", res->test.accuracy)
    .value("test_loss", res->test.loss);
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
  j.end_array();
  return 0;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text + ",") {
    if (c == ',') {
      if (!item.empty())
        out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  return out;
}

// Ensemble prediction: the argmax of the members' summed probabilities.
evaluation evaluate_members(const std::vector<std::vector<float>>& members,
                            model& m, const dataset& test, const scaling& scale,
                            thread_pool& pool, std::size_t batch) {
  const std::size_t k = test.classes;
  std::vector<double> sum(test.rows * k, 0.0);
  std::vector<std::uint32_t> idx(batch);
  std::vector<float> x(batch * test.features());
  step_context ctx{&pool, false, nullptr};
  for (auto& w : members) {
    std::copy(w.begin(), w.end(), m.params());
    for (std::size_t start = 0; start < test.rows; start += batch) {
      const std::size_t n = std::min(batch, test.rows - start);
      for (std::size_t i = 0; i < n; ++i)
        idx[i] = static_cast<std::uint32_t>(start + i);
      gather_batch(test, idx.data(), n, scale, x.data(), nullptr);
      const float* p = m.predict(x.data(), n, ctx);
      for (std::size_t i = 0; i < n * k; ++i)
        sum[start * k + i] += p[i];
    }
  }
  evaluation ev;
  ev.samples = test.rows;
  double loss = 0;
  std::size_t correct = 0;
  for (std::size_t r = 0; r < test.rows; ++r) {
    const double* row = sum.data() + r * k;
    std::size_t best = 0;
    for (std::size_t c = 1; c < k; ++c)
      if (row[c] > row[best])
        best = c;
    correct += best == test.labels[r];
    loss -= std::log(std::max(row[test.labels[r]] / static_cast<double>(members.size()), 1e-7));
  }
  ev.accuracy = static_cast<double>(correct) / static_cast<double>(test.rows);
  ev.loss = loss / static_cast<double>(test.rows);
  return ev;
}

int run_cluster(settings& s, const dataset& train, const dataset& test,
                model& m, thread_pool& pool, const scaling& scale,
                progress_printer& printer, json_writer& j,
                const std::optional<run_state>& resumed) {
  cluster_options co;
  co.nodes = split_list(s.nodes);
  if (!s.discover.empty()) {
    auto found = discover_nodes(split_list(s.discover), s.expect_nodes,
                                s.connect_timeout);
    if (!found)
      return fail(found.error(), 1);
    for (auto& n : *found)
      co.nodes.push_back(n);
    std::fprintf(stderr, "train_mnist: discovered %zu node(s) behind %s\n",
                 found->size(), s.discover.c_str());
  }
  co.embedded_workers = s.workers;
  co.workers_per_node = s.workers_per_node;
  co.ps_node = s.ps_node;
  co.send_shards = s.send_shards;
  co.dataset_name = s.dataset;
  co.connect_timeout = s.connect_timeout;
  co.run_timeout = s.run_timeout;
  s.job.job_id = (static_cast<std::uint64_t>(::getpid()) << 32)
                 ^ static_cast<std::uint64_t>(std::time(nullptr));
  if (resumed) {
    co.resume_from = resumed->server;
    if (co.nodes.empty())
      co.embedded_workers = s.job.trainer.workers;
  } else {
    s.job.model_spec = m.spec();
  }
  const job_spec& job = s.job;
  if (auto rule = make_rule(job.trainer); !rule)
    return fail(rule.error(), 2);
  co.checkpoint_every = s.checkpoint_every;
  co.checkpoint_seconds = s.checkpoint_seconds;
  co.max_restarts = s.max_restarts;
  std::optional<checkpoint_store> store;
  const std::string ckpt_dir = !s.checkpoint_dir.empty() ? s.checkpoint_dir : s.resume;
  if (!ckpt_dir.empty()) {
    checkpoint_store_options so;
    so.keep = s.keep_checkpoints;
    store.emplace(ckpt_dir, so);
    co.on_checkpoint = [&store, job, &s](const ps_snapshot& snap) {
      run_state rs;
      rs.job = job;
      // The driver settles the worker count when it places the workers.
      rs.job.trainer.workers = snap.cursors.size();
      rs.dataset = s.dataset;
      rs.server = snap;
      return store->save(to_checkpoint(rs));
    };
  }

  node_config cfg;
  // In this process the workers' compute threads share the cores; the CAF
  // scheduler only routes messages.
  const std::size_t embedded_threads
    = std::max<std::size_t>(1, s.threads / std::max<std::size_t>(1, s.workers));
  // Workers hold a scheduler thread per slice of batches; two more route
  // messages.
  cfg.set("scheduler.max-threads", static_cast<int>(s.workers + 2));
  // Heartbeats both ways and a silence limit: a frozen node or a cut link
  // closes its connection, which the driver sees as lost actors.
  using namespace std::chrono;
  cfg.set("middleman.heartbeat-interval",
          caf::timespan{duration_cast<nanoseconds>(duration<double>(s.heartbeat))});
  cfg.set("middleman.connection-timeout",
          caf::timespan{duration_cast<nanoseconds>(duration<double>(s.fault_timeout))});
  node_settings ns;
  ns.name = "embedded";
  ns.data_dir = s.data;
  ns.threads = embedded_threads;
  ns.workers = s.workers;
  cfg.apply(ns);
  if (!co.nodes.empty())
    use_transport(cfg, s.tls);
  system_holder holder{std::make_unique<caf::actor_system>(cfg)};
  auto& sys = *holder.sys;

  std::string where = fmt::format("{} workers in this process", s.workers);
  if (!co.nodes.empty()) {
    where = "nodes";
    for (auto& n : co.nodes)
      where += " " + n;
  }
  std::fprintf(stderr,
               "train_mnist: %s on %s (%zu train / %zu test rows), trainer %s, "
               "%s, batch %zu, %zu epochs, %s\n",
               s.model.c_str(), s.dataset.c_str(), train.rows, test.rows,
               job.trainer.name.c_str(), job.optimizer.name.c_str(),
               job.schedule.batch_size, job.schedule.epochs, where.c_str());
  const std::vector<float> initial(m.params(), m.params() + m.param_count());
  auto res = run_job(sys, job, co, train, initial, [&](const cluster_progress& p) {
    printer.cluster(p, static_cast<std::uint64_t>(job.schedule.epochs) * train.rows);
  });
  printer.done();
  holder.abandon = !res || !res->faults.empty();
  if (!res)
    return fail(res.error(), 1);
  std::copy(res->weights.begin(), res->weights.end(), m.params());
  evaluation ev = res->members.size() > 1
                    ? evaluate_members(res->members, m, test, scale, pool, s.eval_batch)
                    : evaluate(m, test, scale, pool, s.eval_batch);
  const double sps = static_cast<double>(res->samples) / res->seconds;
  std::uint64_t bytes = 0, sent = 0, received_bytes = 0, commits = 0;
  double wait = 0;
  std::uint64_t relayed = 0;
  for (auto& w : res->workers) {
    relayed += w.relayed ? 1 : 0;
    sent += w.bytes_sent;
    received_bytes += w.bytes_received;
    bytes += w.bytes_sent + w.bytes_received;
    commits += w.commits;
    wait += w.wait_seconds;
  }
  std::printf("trained in %.1f s (%.0f samples/s) on %zu workers, %llu server "
              "updates, %.1f MB on the wire, test accuracy %.4f, test loss %.4f\n",
              res->seconds, sps, res->workers.size(),
              static_cast<unsigned long long>(res->server.updates),
              static_cast<double>(bytes) / 1e6, ev.accuracy, ev.loss);
  const auto rule = make_rule(job.trainer);
  j.value("workers", static_cast<std::uint64_t>(res->workers.size()))
    .value("window", static_cast<std::uint64_t>((*rule)->options().window))
    .value("wire", job.wire)
    .value("train_seconds", res->seconds)
    .value("samples", res->samples)
    .value("samples_per_second", sps)
    .value("test_accuracy", ev.accuracy)
    .value("test_loss", ev.loss)
    .value("ps_updates", res->server.updates)
    .value("ps_rejected", res->server.rejected)
    .value("ps_busy_seconds", res->server.busy_seconds)
    .value("commits", commits)
    .value("bytes_sent", sent)
    .value("bytes_received", received_bytes)
    .value("bytes_on_wire", bytes)
    .value("bytes_per_commit",
           commits > 0 ? static_cast<double>(bytes) / static_cast<double>(commits) : 0.0)
    .value("wait_share",
           res->workers.empty() ? 0.0
                                : wait / (res->seconds * static_cast<double>(res->workers.size())))
    .value("workers_relayed", relayed)
    .value("shards_read_on_nodes", static_cast<std::uint64_t>(res->shards_local))
    .value("shards_sent", static_cast<std::uint64_t>(res->shards_sent))
    .value("resumed_from_update", resumed ? resumed->server.updates : std::uint64_t{0})
    .value("checkpoints", static_cast<std::uint64_t>(res->checkpoints))
    .value("checkpoint_errors", static_cast<std::uint64_t>(res->checkpoint_errors.size()));
  j.begin_array("faults");
  for (auto& f : res->faults)
    j.begin_object()
      .value("at_seconds", f.at_seconds)
      .value("unix_time", f.unix_time)
      .value("what", f.what)
      .value("action", f.action)
      .end_object();
  j.end_array();
  j.begin_array("nodes");
  for (auto& n : res->nodes)
    j.value("", n);
  j.end_array();
  j.begin_array("per_worker");
  for (auto& w : res->workers)
    j.begin_object()
      .value("worker", static_cast<std::uint64_t>(w.worker))
      .value("node", w.node)
      .value("samples", w.samples)
      .value("commits", w.commits)
      .value("seconds", w.seconds)
      .value("wait_seconds", w.wait_seconds)
      .value("bytes_sent", w.bytes_sent)
      .value("bytes_received", w.bytes_received)
      .value("relayed", w.relayed)
      .end_object();
  j.end_array();
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
  opts.add_choice("trainer", &s.job.trainer.name, trainer_names(),
                  "training algorithm (dist-keras's trainers)");
  opts.add("nodes", &s.nodes,
           "caf-node addresses host:port,...; empty = run the actors in this process");
  opts.add("discover", &s.discover,
           "name:port,... resolved to every address it has, each a node "
           "(compose service, Swarm tasks.NAME, Kubernetes headless Service)");
  opts.add("expect-nodes", &s.expect_nodes, 0, 100000,
           "with --discover: wait until this many nodes resolve");
  opts.add("tls-dir", &s.tls_dir,
           "use DIR/tls.crt, DIR/tls.key and DIR/ca.crt for TLS if DIR holds them");
  add_tls_options(opts, s.tls, "this driver", "nodes");
  opts.add("workers", &s.workers, 1, 1024, "workers when running in this process");
  opts.add("workers-per-node", &s.workers_per_node, 0, 1024,
           "workers on each node; 0 = each node's node.workers");
  opts.add("ps-node", &s.ps_node, "node of the parameter server; empty = the first");
  opts.add("window", &s.job.trainer.window, 0, 1000000,
           "communication window in batches; 0 = the trainer's default");
  opts.add("rho", &s.job.trainer.rho, -1, 1e6, "AEASGD/EAMSGD elasticity; -1 = 5.0");
  opts.add("elastic-lr", &s.job.trainer.elastic_lr, -1, 1e6,
           "AEASGD/EAMSGD elastic learning rate; -1 = 0.1");
  opts.add("momentum", &s.job.trainer.momentum, -1, 0.999999,
           "EAMSGD worker momentum; -1 = 0.9");
  opts.add("num-ensembles", &s.job.trainer.num_ensembles, 0, 1024,
           "Ensemble: models to train; 0 = 2");
  opts.add("send-shards", &s.send_shards,
           "send every shard from the driver even if a node has the data");
  opts.add_choice("wire", &s.job.wire, wire::codec_names(),
                  "how workers and the server send weights between nodes: "
                  "fp32 exact; fp16 half the bytes (~3 digits); int8 a "
                  "quarter (8-bit deltas with error feedback); actors on "
                  "one node always exchange exact values");
  opts.add("timeout", &s.job.schedule.timeout_seconds, 0.1, 86400,
           "seconds to wait for any reply between actors");
  opts.add("connect-timeout", &s.connect_timeout, 0.1, 3600,
           "seconds to wait for a node connection, spawn or handshake");
  opts.add("run-timeout", &s.run_timeout, 1, 30 * 86400,
           "seconds the whole distributed training may take");
  opts.add("epochs", &s.job.schedule.epochs, 1, 100000, "passes over the training set");
  opts.add("batch-size", &s.job.schedule.batch_size, 1, 65536, "samples per mini-batch");
  opts.add_choice("optimizer", &s.job.optimizer.name, {"adam", "adagrad", "sgd", "rmsprop"},
                  "worker optimizer (Keras defaults)");
  opts.add("learning-rate", &s.job.optimizer.learning_rate, -1, 10,
           "step size; -1 = the optimizer's Keras default");
  opts.add("optimizer-momentum", &s.job.optimizer.momentum, 0, 0.999999,
           "SGD momentum of the worker optimizer");
  opts.add("nesterov", &s.job.optimizer.nesterov, "SGD Nesterov momentum");
  opts.add("seed", &s.job.schedule.seed, "seed of initialisation and shuffling");
  opts.add("threads", &s.threads, 0, 256, "compute threads; 0 = all cores");
  opts.add("scale-max", &s.job.schedule.scale_max, 1, 65535,
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
  opts.add("checkpoint-dir", &s.checkpoint_dir,
           "write the parameter server's checkpoints here (for --resume)");
  opts.add("checkpoint-every", &s.checkpoint_every, 0, 1ULL << 40,
           "checkpoint every this many server updates; 0 = by time only");
  opts.add("checkpoint-seconds", &s.checkpoint_seconds, 0, 86400,
           "checkpoint when this many seconds passed; 0 = by count only");
  opts.add("keep-checkpoints", &s.keep_checkpoints, 1, 1000,
           "checkpoint files kept in --checkpoint-dir");
  opts.add("resume", &s.resume,
           "continue the run checkpointed in this directory (same data)");
  opts.add("max-restarts", &s.max_restarts, 0, 1000,
           "restarts of one worker, or of the server, before the run fails");
  opts.add("heartbeat", &s.heartbeat, 0.05, 60,
           "seconds between heartbeats to the nodes");
  opts.add("fault-timeout", &s.fault_timeout, 0.2, 3600,
           "seconds of silence after which a node counts as lost");

  bool help = false;
  if (auto st = opts.parse(argc, argv, help); !st)
    return fail(st, 2);
  if (help) {
    std::printf("%s", opts.help().c_str());
    return 0;
  }
  if (s.job.optimizer.learning_rate != -1 && s.job.optimizer.learning_rate <= 0)
    return fail(status::invalid_argument(
                  "option 'learning-rate' expects a number > 0 or -1"),
                2);
  if (auto st = apply_tls_dir(s.tls, s.tls_dir, "tls-dir"); !st)
    return fail(st, 2);
  if (auto st = check_tls(s.tls); !st)
    return fail(st, 2);
  for (const auto& list : {s.nodes, s.discover, s.ps_node})
    for (auto& entry : split_list(list))
      if (auto ep = parse_endpoint(entry); !ep)
        return fail(ep.error(), 2);
  if (s.threads == 0)
    s.threads = std::max(1u, std::thread::hardware_concurrency());
  thread_pool pool{s.threads};

  if (!s.evaluate.empty())
    return run_evaluate(s, pool);

  std::optional<run_state> resumed;
  if (!s.resume.empty()) {
    checkpoint_store store{s.resume};
    auto latest = store.load_latest();
    if (!latest)
      return fail(status::invalid_argument("--resume=" + s.resume + ": "
                                           + latest.error().message()),
                  2);
    for (auto& r : latest->refused)
      std::fprintf(stderr, "train_mnist: refused checkpoint %s: %s\n",
                   r.path.c_str(), r.reason.c_str());
    auto state = from_checkpoint(latest->value, latest->path);
    if (!state)
      return fail(state.error(), 2);
    resumed = std::move(*state);
    std::fprintf(stderr,
                 "train_mnist: resuming from %s at update %llu (%s on %s, %u "
                 "partitions)\n",
                 latest->path.c_str(),
                 static_cast<unsigned long long>(resumed->server.updates),
                 resumed->job.trainer.name.c_str(), resumed->dataset.c_str(),
                 static_cast<unsigned>(resumed->job.trainer.workers));
    // The run's own recipe wins over the command line's; the wire is
    // transport, not recipe: this run's choice.
    const std::string wire = s.job.wire;
    s.job = resumed->job;
    s.job.wire = wire;
    s.dataset = resumed->dataset;
    s.model = "(from the checkpoint)";
  }

  const auto wall_start = std::chrono::steady_clock::now();
  auto train = load_dataset(s.data, s.dataset, "train");
  if (!train)
    return fail(train.error(), 1);
  auto test = load_dataset(s.data, s.dataset, "test");
  if (!test)
    return fail(test.error(), 1);
  auto m = resumed ? parse_model_spec(resumed->job.model_spec, s.resume)
                   : make_model(s.model);
  if (!m)
    return fail(m.error(), 2);
  m->init(s.job.schedule.seed);
  if (auto st = check_compatible(*m, *train, "training set"); !st)
    return fail(st, 2);

  json_writer j;
  j.begin_object()
    .value("trainer", s.job.trainer.name)
    .value("model", s.model)
    .value("parameters", static_cast<std::uint64_t>(m->param_count()))
    .value("dataset", s.dataset)
    .value("train_rows", static_cast<std::uint64_t>(train->rows))
    .value("test_rows", static_cast<std::uint64_t>(test->rows))
    .value("epochs", static_cast<std::uint64_t>(s.job.schedule.epochs))
    .value("batch_size", static_cast<std::uint64_t>(s.job.schedule.batch_size))
    .value("optimizer", s.job.optimizer.name)
    .value("learning_rate", s.job.optimizer.learning_rate)
    .value("seed", s.job.schedule.seed)
    .value("threads", static_cast<std::uint64_t>(s.threads))
    .value("scale_max", s.job.schedule.scale_max);

  progress_printer printer{s.progress};
  // Only a trainer of one worker without a server runs without actors.
  const trainer_entry* entry = find_trainer(s.job.trainer.name);
  const bool alone = entry != nullptr && !entry->needs_server
                     && entry->fixed_workers(s.job.trainer) == 1;
  const bool distributed = !alone || !s.nodes.empty() || !s.discover.empty()
                           || resumed;
  const scaling scale = scaling_of(s.job.schedule);
  int rc = distributed ? run_cluster(s, *train, *test, *m, pool, scale, printer, j,
                                     resumed)
                       : run_single(s, *train, *test, *m, pool, printer, j);
  if (rc != 0)
    return exit_with(rc);
  const double wall = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - wall_start)
                        .count();
  if (!s.save.empty()) {
    if (auto st = save_model(*m, s.save); !st)
      return exit_with(fail(st, 1));
    std::printf("saved model to %s\n", s.save.c_str());
  }
  if (!s.report.empty()) {
    j.value("wall_seconds", wall)
      .value("train_flops_per_sample", m->train_flops_per_sample())
      .value("peak_rss_mb", peak_rss_mb())
      .end_object();
    if (auto st = write_file(s.report, j.str() + "\n"); !st)
      return exit_with(fail(st, 1));
  }
  return exit_with(0);
}
