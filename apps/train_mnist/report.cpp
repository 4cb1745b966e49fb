#include "report.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "actors/metrics/run_status.hpp"

namespace train_mnist {

namespace {

void write_fault(json_writer& j, const fault_event& f) {
  j.value("at_seconds", f.at_seconds)
    .value("unix_time", f.unix_time)
    .value("what", f.what)
    .value("action", f.action);
}

void write_node_bytes(json_writer& j, const metrics::node_bytes& n) {
  j.value("node", n.node)
    .value("bytes_sent_between_nodes", n.sent_between_nodes)
    .value("bytes_received_between_nodes", n.received_between_nodes)
    .value("bytes_within_node", n.within_node);
}

// A sharded server (--ps-shards > 1): each shard's node, range and
// counters; every shard applies every commit, so the updates are equal.
void write_shard(json_writer& j, const shard_report& sh) {
  j.value("shard", static_cast<std::uint64_t>(sh.shard))
    .value("node", sh.node)
    .value("values", static_cast<std::uint64_t>(sh.values))
    .value("updates", sh.stats.updates)
    .value("rejected", sh.stats.rejected)
    .value("busy_seconds", sh.stats.busy_seconds);
}

// The status page's worker rows share worker..chunks and the bytes.
void write_worker(json_writer& j, const worker_result& w) {
  metrics::write_worker_counts(j, w.worker, w.node, w.totals);
  j.value("seconds", w.seconds).value("wait_seconds", w.totals.wait_seconds);
  metrics::write_bytes(j, w.totals);
  j.value("relayed", w.relayed);
}

void write_epoch(json_writer& j, const epoch_stats& e) {
  j.value("epoch", static_cast<std::uint64_t>(e.epoch))
    .value("loss", e.loss)
    .value("accuracy", e.accuracy)
    .value("test_loss", e.test_loss)
    .value("test_accuracy", e.test_accuracy)
    .value("seconds", e.seconds)
    .value("samples_per_second", e.samples_per_second);
}

void report_arrays(json_writer& j, const cluster_result& res) {
  j.object_array("faults", res.faults, write_fault);
  j.begin_array("nodes");
  for (auto& n : res.nodes)
    j.value("", n);
  j.end_array()
    .object_array("node_bytes", res.node_bytes, write_node_bytes)
    .object_array("ps_shards", res.shards, write_shard)
    .object_array("per_worker", res.workers, write_worker);
}

} // namespace

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

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0; // ru_maxrss is in KiB
}

std::string evaluate_report(const settings& s, const evaluation& ev) {
  json_writer j;
  j.begin_object()
    .value("mode", "evaluate")
    .value("model_file", s.evaluate)
    .value("dataset", s.dataset)
    .value("test_rows", static_cast<std::uint64_t>(ev.samples))
    .value("test_accuracy", ev.accuracy)
    .value("test_loss", ev.loss)
    .end_object();
  return j.str() + "\n";
}

void report_start(json_writer& j, const settings& s, const model& m,
                  const dataset& train, const dataset& test) {
  j.begin_object()
    .value("trainer", s.job.trainer.name)
    .value("model", s.model)
    .value("parameters", static_cast<std::uint64_t>(m.param_count()))
    .value("dataset", s.dataset)
    .value("train_rows", static_cast<std::uint64_t>(train.rows))
    .value("test_rows", static_cast<std::uint64_t>(test.rows))
    .value("epochs", static_cast<std::uint64_t>(s.job.schedule.epochs))
    .value("batch_size", static_cast<std::uint64_t>(s.job.schedule.batch_size))
    .value("optimizer", s.job.optimizer.name)
    .value("learning_rate", s.job.optimizer.learning_rate)
    .value("seed", s.job.schedule.seed)
    .value("threads", static_cast<std::uint64_t>(s.threads))
    .value("scale_max", s.job.schedule.scale_max);
}

void report_single(json_writer& j, const train_result& res) {
  j.value("workers", std::uint64_t{1})
    .value("train_seconds", res.train_seconds)
    .value("eval_seconds", res.eval_seconds)
    .value("samples", static_cast<std::uint64_t>(res.samples))
    .value("samples_per_second", res.samples_per_second)
    .value("test_accuracy", res.test.accuracy)
    .value("test_loss", res.test.loss);
  j.object_array("history", res.history, write_epoch);
}

metrics::worker_totals totals_of(const cluster_result& res) {
  metrics::worker_totals t;
  for (auto& w : res.workers)
    t += w.totals;
  return t;
}

void report_cluster(json_writer& j, const job_spec& job,
                    const cluster_result& res, const evaluation& ev,
                    std::uint64_t resumed_from) {
  const auto t = totals_of(res);
  const auto bytes = t.bytes_sent() + t.bytes_received();
  std::uint64_t relayed = 0;
  for (auto& w : res.workers)
    relayed += w.relayed ? 1 : 0;
  const auto workers = static_cast<double>(res.workers.size());
  const auto rule = make_rule(job.trainer); // run_cluster checked it
  j.value("workers", static_cast<std::uint64_t>(res.workers.size()))
    .value("window", static_cast<std::uint64_t>((*rule)->options().window))
    .value("wire", job.wire)
    .value("overlap", job.schedule.overlap)
    .value("partitioning", partitioning_name(job.schedule.partitioning))
    .value("train_seconds", res.seconds)
    .value("samples", res.samples)
    .value("samples_per_second", static_cast<double>(res.samples) / res.seconds)
    .value("test_accuracy", ev.accuracy)
    .value("test_loss", ev.loss)
    .value("ps_updates", res.server.updates)
    .value("ps_rejected", res.server.rejected)
    .value("ps_busy_seconds", res.server.busy_seconds)
    .value("commits", t.commits)
    .value("bytes_sent", t.bytes_sent())
    .value("bytes_received", t.bytes_received())
    .value("bytes_between_nodes", t.between_nodes.total())
    .value("bytes_within_nodes", t.within_node.total())
    .value("bytes_per_commit",
           t.commits > 0 ? static_cast<double>(bytes) / static_cast<double>(t.commits)
                         : 0.0)
    .value("wait_share",
           res.workers.empty() ? 0.0 : t.wait_seconds / (res.seconds * workers))
    .value("workers_relayed", relayed)
    .value("shards_read_on_nodes", static_cast<std::uint64_t>(res.shards_local))
    .value("shards_sent", static_cast<std::uint64_t>(res.shards_sent))
    .value("resumed_from_update", resumed_from)
    .value("checkpoints", static_cast<std::uint64_t>(res.checkpoints))
    .value("checkpoint_errors",
           static_cast<std::uint64_t>(res.checkpoint_errors.size()))
    .value("updates_per_epoch", res.updates_per_epoch)
    .value("stopped_at_update", res.stopped_at_update);
  report_arrays(j, res);
}

status finish_report(json_writer& j, const std::string& path, double wall,
                     const model& m) {
  j.value("wall_seconds", wall)
    .value("train_flops_per_sample", m.train_flops_per_sample())
    .value("peak_rss_mb", peak_rss_mb())
    .end_object();
  return write_file(path, j.str() + "\n");
}

} // namespace train_mnist
