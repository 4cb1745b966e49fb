// settings: train_mnist's options. The training recipe binds straight into
// a job_spec's parts; the rest says where and how this run goes (nodes,
// workers in this process, files to write, checkpoints, fault detection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/runtime/transport.hpp"
#include "actors/train/job_spec.hpp"
#include "actors/util/options.hpp"
#include "actors/util/status.hpp"

namespace train_mnist {

using namespace actors;

/// The recipe train_mnist starts from: the job spec's defaults, except where
/// this app has always had its own (5 epochs, batch 16, pixels scaled by 250).
job_spec default_job();

/// Every option of train_mnist.
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
  /// --ps-shards: range shards of the parameter server (cluster/shard_plan.hpp);
  /// 1 = one unsharded server, the only value this build runs.
  std::size_t ps_shards = 1;
  /// --partitioning as given: "static", "dynamic", or empty for the
  /// driver's choice (resolve_exchange).
  std::string partitioning;
  bool send_shards = false;
  double connect_timeout = 15;
  double run_timeout = 86400;
  std::size_t threads = 0;
  std::size_t eval_batch = 128;
  std::string report;
  std::string report_html;
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
  // Control (train/run_control.hpp): when to evaluate and to stop.
  /// Stop once the monitored accuracy reaches this; -1 = no target.
  double target_accuracy = -1;
  /// Stop after this many evaluations without improvement; 0 = never.
  std::size_t early_stopping = 0;
  /// Evaluate the server's centre every this many updates; 0 = at epoch
  /// ends only (when anything is evaluated during the run).
  std::uint64_t eval_every = 0;
  /// --validation-split as given, and its value (0 = none: monitor the test
  /// set).
  std::string validation_split;
  double validation_fraction = 0;
  // Observability (runtime/status_server.hpp).
  std::string status;
  bool status_public = false;
};

/// Declares every option on `opts`, bound to `s` (the config file goes
/// through the same set).
void declare_options(option_set& opts, settings& s);

/// Checks what the option ranges cannot (learning rate, TLS files, node
/// addresses) and fills in defaults that depend on the machine (threads).
status check_settings(settings& s);

/// Sets the job's partitioning, overlap and wire: each as given (on the
/// command line or in the config file), else the driver's default for the
/// trainer and whether the run crosses nodes (train/exchange_defaults.hpp).
/// invalid_argument (exit 2), naming the option and the trainer, for a mode
/// the trainer does not support.
status resolve_exchange(settings& s, const option_set& opts);

/// ok for --ps-shards=1; above 1 invalid_argument (exit 2) naming the option:
/// why the trainer cannot be sharded (trainers/registry.hpp check_shards), or
/// which checkpoint option a sharded server cannot serve yet (--resume,
/// --checkpoint-dir, --checkpoint-every).
status check_ps_shards(const settings& s);

/// "a, b,c" -> {"a", "b", "c"}; empty items dropped.
std::vector<std::string> split_list(const std::string& text);

/// Prints "train_mnist: <message>" and returns `code`.
int fail(const status& st, int code);

} // namespace train_mnist
