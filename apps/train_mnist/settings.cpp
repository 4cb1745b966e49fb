#include "settings.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <thread>

#include "actors/optim/lr_schedule.hpp"
#include "actors/runtime/driver.hpp"
#include "actors/train/exchange_defaults.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/wire/codec.hpp"

namespace train_mnist {

job_spec default_job() {
  job_spec job;
  job.schedule.epochs = 5;
  job.schedule.batch_size = 16;
  job.schedule.scale_max = 250;
  return job;
}

namespace {

// A fraction strictly between 0 and 1, as --validation-split takes it.
bool parse_fraction(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && out > 0 && out < 1;
}

// Learning-rate schedule, evaluation and stopping (train/run_control.hpp,
// optim/lr_schedule.hpp).
void declare_control(option_set& opts, settings& s) {
  opts.add_checked("lr-schedule", &s.job.optimizer.lr_schedule,
                   "constant, step:EPOCHS:FACTOR (EPOCHS an integer >= 1, FACTOR "
                   "a number > 0) or cosine",
                   [](const std::string& v) { return bool(parse_lr_schedule(v)); },
                   "learning rate of the worker optimizers over the run: "
                   "constant; step: times FACTOR every EPOCHS epochs; cosine: "
                   "annealed to 0 over the run (SGDR, one cycle)");
  opts.add("warmup", &s.job.optimizer.warmup,
           "batches of linear learning-rate warm-up (Goyal et al. 2017); 0 = none");
  opts.add("target-accuracy", &s.target_accuracy, 0, 1,
           "stop once the test (or validation) accuracy reaches this, checked "
           "after every epoch and every --eval-every updates; -1 = no target");
  opts.add("early-stopping", &s.early_stopping, 0, 1000000,
           "stop after this many evaluations without a better accuracy; 0 = off");
  opts.add("eval-every", &s.eval_every, 0, 1ULL << 40,
           "also evaluate the server's centre every this many updates (on the "
           "driver's thread); 0 = at epoch ends only");
  opts.add_checked("validation-split", &s.validation_split,
                   "a fraction between 0 and 1 (exclusive)",
                   [](const std::string& v) {
                     double f = 0;
                     return v.empty() || parse_fraction(v, f);
                   },
                   "hold out this fraction of the training set (one fixed "
                   "shuffle) and monitor its accuracy instead of the test set's; "
                   "empty = none");
}

// Data, model and trainer: what is trained.
void declare_job(option_set& opts, settings& s) {
  opts.add("data", &s.data, "data directory holding mnist/ and fashion/");
  opts.add_choice("dataset", &s.dataset, {"mnist", "fashion"}, "data set");
  opts.add("model", &s.model, "built-in model (mnist_cnn, mnist_mlp) or a spec file");
  opts.add_choice("trainer", &s.job.trainer.name, trainer_names(),
                  "training algorithm (dist-keras's trainers)");
}

// Where it runs: the nodes, TLS to them, workers and the parameter server.
void declare_cluster(option_set& opts, settings& s) {
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
  opts.add("ps-shards", &s.ps_shards, 1, 1 << 20,
           "split the parameter server's centre into this many ranges, one "
           "shard actor each, round-robin over the nodes from --ps-node "
           "(downpour, adag, dynsgd, aeasgd, eamsgd); above 1 no checkpoints "
           "are taken (--checkpoint-dir, --checkpoint-every and --resume are "
           "refused) and a lost shard restarts every shard from the start");
}

// The update rules' parameters (trainers/*.hpp).
void declare_rule(option_set& opts, settings& s) {
  opts.add("window", &s.job.trainer.window, 0, 1000000,
           "communication window in batches; 0 = the trainer's default");
  opts.add("rho", &s.job.trainer.rho, -1, 1e6, "AEASGD/EAMSGD elasticity; -1 = 5.0");
  opts.add("elastic-lr", &s.job.trainer.elastic_lr, -1, 1e6,
           "AEASGD/EAMSGD elastic learning rate; -1 = 0.1");
  opts.add("momentum", &s.job.trainer.momentum, -1, 0.999999,
           "EAMSGD worker momentum; -1 = 0.9");
  opts.add("num-ensembles", &s.job.trainer.num_ensembles, 0, 1024,
           "Ensemble: models to train; 0 = 2");
}

// How work and weights move between workers and the server
// (train/exchange_defaults.hpp, wire/codec.hpp), and how long to wait.
void declare_exchange(option_set& opts, settings& s) {
  opts.add_checked("partitioning", &s.partitioning, "static or dynamic",
                   [](const std::string& v) {
                     return v.empty() || v == "static" || v == "dynamic";
                   },
                   "static: dist-keras's equal slices, one per worker; dynamic: "
                   "chunks of a window of batches from the server's queue, so "
                   "faster workers take more; empty = the driver's choice "
                   "(dynamic across nodes where the trainer can, else static)");
  opts.add("send-shards", &s.send_shards,
           "send every shard from the driver even if a node has the data");
  opts.add_checked("wire", &s.job.wire, wire::codec_syntax(),
                   [](const std::string& v) { return wire::find_codec(v) != nullptr; },
                   "how workers and the server send weights between nodes: "
                   "fp32 exact; fp16 half the bytes (~3 digits); int8 a "
                   "quarter (8-bit deltas with error feedback); sign 1 bit "
                   "per value and a scale per 256 (0.14 bytes per value); "
                   "topk:R the fraction R of largest changes with their "
                   "indices (~5-6 bytes per value sent); sign and topk keep "
                   "what they did not send for the next message (error "
                   "feedback); actors on one node always exchange exact "
                   "values; not given: int8 across nodes, else fp32");
  opts.add("overlap", &s.job.schedule.overlap,
           "workers train on while an exchange is in flight (at most one); "
           "not given: true across nodes for downpour, adag and dynsgd, "
           "else false; true is refused for averaging, single and ensemble");
  opts.add("timeout", &s.job.schedule.timeout_seconds, 0.1, 86400,
           "seconds to wait for any reply between actors");
  opts.add("connect-timeout", &s.connect_timeout, 0.1, 3600,
           "seconds to wait for a node connection, spawn or handshake");
  opts.add("run-timeout", &s.run_timeout, 1, 30 * 86400,
           "seconds the whole distributed training may take");
}

// The recipe: epochs, batches, optimizer, seed, compute.
void declare_recipe(option_set& opts, settings& s) {
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
}

// What the run writes and shows.
void declare_outputs(option_set& opts, settings& s) {
  opts.add("eval-batch", &s.eval_batch, 1, 65536, "batch size for evaluation");
  opts.add("report", &s.report, "write a JSON report to this file");
  opts.add("report-html", &s.report_html,
           "write a self-contained HTML report (charts, workers, nodes, "
           "faults) to this file");
  opts.add("save", &s.save, "save the trained model to this file");
  opts.add("evaluate", &s.evaluate,
           "evaluate this saved model on the test set instead of training");
  opts.add("predictions", &s.predictions,
           "with --evaluate: write row,label,prediction CSV here");
  opts.add_choice("progress", &s.progress, {"auto", "bar", "lines", "off"},
                  "progress display: live line on a terminal, else lines");
}

// Checkpoints, --resume and fault handling.
void declare_recovery(option_set& opts, settings& s) {
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
}

} // namespace

void declare_options(option_set& opts, settings& s) {
  declare_job(opts, s);
  declare_cluster(opts, s);
  declare_rule(opts, s);
  declare_exchange(opts, s);
  declare_recipe(opts, s);
  declare_outputs(opts, s);
  declare_recovery(opts, s);
  declare_control(opts, s);
  opts.add("status", &s.status,
           "serve GET /metrics (Prometheus text format) on HOST:PORT while "
           "running; empty = off");
  opts.add("status-public", &s.status_public,
           "allow --status on a non-loopback address (no authentication)");
}

status resolve_exchange(settings& s, const option_set& opts) {
  const bool multi_node = !s.nodes.empty() || !s.discover.empty();
  const exchange_choice chosen = default_exchange(s.job.trainer.name, multi_node);
  auto& schedule = s.job.schedule;
  if (s.partitioning.empty()) {
    schedule.partitioning = chosen.partitioning;
  } else {
    auto mode = parse_partitioning(s.partitioning, "partitioning");
    if (!mode)
      return mode.error();
    schedule.partitioning = *mode;
    if (auto st = check_partitioning(s.job.trainer.name, *mode); !st)
      return st;
  }
  if (!opts.was_set("overlap"))
    schedule.overlap = chosen.overlap;
  else if (auto st = check_overlap(s.job.trainer.name, schedule.overlap); !st)
    return st;
  if (!opts.was_set("wire"))
    s.job.wire = chosen.wire;
  return status::ok();
}

// Evaluating during the run needs a model to evaluate: the server's centre,
// or the single trainer's own model in this process.
status check_control(const settings& s) {
  const bool wants = s.target_accuracy >= 0 || s.early_stopping > 0 || s.eval_every > 0;
  const trainer_entry* entry = find_trainer(s.job.trainer.name);
  const bool in_process_single = entry != nullptr && !entry->needs_server
                                 && entry->fixed_workers(s.job.trainer) == 1
                                 && s.nodes.empty() && s.discover.empty();
  if (wants && entry != nullptr && !entry->needs_server && !in_process_single) {
    const char* option = s.target_accuracy >= 0 ? "target-accuracy"
                         : s.early_stopping > 0 ? "early-stopping"
                                                : "eval-every";
    return status::invalid_argument(
      std::string{"option '"} + option + "': trainer '" + s.job.trainer.name
      + "' has no parameter server whose centre could be evaluated during the "
        "run (only the single trainer in this process evaluates its own model)");
  }
  if (s.eval_every > 0 && in_process_single)
    return status::invalid_argument(
      "option 'eval-every': the single trainer evaluates after every epoch only");
  return status::ok();
}

status check_settings(settings& s) {
  if (s.job.optimizer.learning_rate != -1 && s.job.optimizer.learning_rate <= 0)
    return status::invalid_argument(
      "option 'learning-rate' expects a number > 0 or -1");
  if (auto st = apply_tls_dir(s.tls, s.tls_dir, "tls-dir"); !st)
    return st;
  if (auto st = check_tls(s.tls); !st)
    return st;
  for (const auto& list : {s.nodes, s.discover, s.ps_node})
    for (auto& entry : split_list(list))
      if (auto ep = parse_endpoint(entry); !ep)
        return ep.error();
  if (s.threads == 0)
    s.threads = std::max(1u, std::thread::hardware_concurrency());
  if (!s.validation_split.empty())
    parse_fraction(s.validation_split, s.validation_fraction);
  return check_control(s);
}

status check_ps_shards(const settings& s) {
  if (s.ps_shards <= 1)
    return status::ok();
  if (auto st = check_shards(s.job.trainer.name, s.ps_shards); !st)
    return st;
  // The shards run (runtime/ps_shards.cpp), but their snapshots, a cut
  // consistent over every shard, are not built: whatever needs one is
  // refused rather than checkpointing one shard's range.
  const auto refuse = [&](const std::string& option) {
    return status::invalid_argument(
      "option 'ps-shards': a sharded server takes no checkpoints in this build "
      "(the cut over its shards is not built), so " + option
      + " needs --ps-shards=1, got " + std::to_string(s.ps_shards));
  };
  if (!s.resume.empty())
    return refuse("--resume");
  if (!s.checkpoint_dir.empty())
    return refuse("--checkpoint-dir");
  if (s.checkpoint_every > 0)
    return refuse("--checkpoint-every");
  return status::ok();
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

int fail(const status& st, int code) {
  std::fprintf(stderr, "train_mnist: %s\n", st.message().c_str());
  return code;
}

} // namespace train_mnist
