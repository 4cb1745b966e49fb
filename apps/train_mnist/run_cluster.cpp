// train_mnist's distributed runs: the job's cluster options, its actor
// system, the run and its evaluation.
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "actors/cluster/shard_plan.hpp"
#include "actors/runtime/driver.hpp"
#include "actors/runtime/system_host.hpp"
#include "actors/train/evaluate.hpp"
#include "report.hpp"
#include "runs.hpp"

namespace train_mnist {

namespace {

// Where the job runs and what it starts from; completes s.job (a new job id,
// the model) and checks its trainer. 0, or the exit code.
int prepare(settings& s, const model& m, const std::optional<run_state>& resumed,
            cluster_options& co) {
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
  co.ps_shards = s.ps_shards;
  co.send_shards = s.send_shards;
  co.dataset_name = s.dataset;
  co.connect_timeout = s.connect_timeout;
  co.run_timeout = s.run_timeout;
  co.fault_timeout = s.fault_timeout;
  co.checkpoint_every = s.checkpoint_every;
  co.checkpoint_seconds = s.checkpoint_seconds;
  co.max_restarts = s.max_restarts;
  s.job.job_id = (static_cast<std::uint64_t>(::getpid()) << 32)
                 ^ static_cast<std::uint64_t>(std::time(nullptr));
  if (resumed) {
    // s.job is the checkpoint's: same model, trainer, recipe, partitions.
    co.resume_from = resumed->server;
    if (co.nodes.empty())
      co.embedded_workers = s.job.trainer.workers;
  } else {
    s.job.model_spec = m.spec();
  }
  if (auto rule = make_rule(s.job.trainer); !rule)
    return fail(rule.error(), 2);
  if (auto st = check_shard_count(s.ps_shards, m.param_count()); !st)
    return fail(st, 2);
  return 0;
}

// With --checkpoint-dir (or --resume), every snapshot of the server becomes
// a checkpoint file in `store`.
void keep_checkpoints(const settings& s, std::optional<checkpoint_store>& store,
                      cluster_options& co) {
  const std::string dir = !s.checkpoint_dir.empty() ? s.checkpoint_dir : s.resume;
  if (dir.empty())
    return;
  checkpoint_store_options so;
  so.keep = s.keep_checkpoints;
  store.emplace(dir, so);
  co.on_checkpoint = [&store, job = s.job, dataset = s.dataset](const ps_snapshot& snap) {
    run_state rs;
    rs.job = job;
    // The driver settles the worker count when it places the workers.
    rs.job.trainer.workers = snap.cursors.size();
    rs.dataset = dataset;
    rs.server = snap;
    return store->save(to_checkpoint(rs));
  };
}

system_host_options host_options(const settings& s, bool remote) {
  system_host_options h;
  h.node.name = "embedded";
  h.node.data_dir = s.data;
  // In this process the workers' compute threads share the cores; the CAF
  // scheduler only routes messages.
  h.node.threads = std::max<std::size_t>(1, s.threads / std::max<std::size_t>(1, s.workers));
  h.node.workers = s.workers;
  h.tls = s.tls;
  h.use_transport = remote;
  // Workers hold a scheduler thread per slice of batches; two more route
  // messages.
  h.max_threads = s.workers + 2;
  // Heartbeats both ways and a silence limit: a frozen node or a cut link
  // closes its connection, which the driver sees as lost actors.
  h.heartbeat = timespan_of(s.heartbeat);
  h.connection_timeout = timespan_of(s.fault_timeout);
  return h;
}

void announce(const settings& s, const cluster_options& co,
              const dataset& train, const dataset& test) {
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
               s.job.trainer.name.c_str(), s.job.optimizer.name.c_str(),
               s.job.schedule.batch_size, s.job.schedule.epochs, where.c_str());
}

// --target-accuracy, --early-stopping, --eval-every: the server sends its
// centre at every epoch's end and every --eval-every updates; `ev`
// evaluates it on this thread.
void watch_centre(const settings& s, evaluator& ev, run_control& control,
                  cluster_options& co) {
  if (!control.options().active() && s.eval_every == 0)
    return;
  co.eval_every = s.eval_every;
  co.eval_epochs = true;
  co.on_centre = [&ev](const centre_sample& c) { return ev.centre(c); };
}

} // namespace

int run_cluster(settings& s, const dataset& train, const dataset& test,
                run_context& ctx, const std::optional<run_state>& resumed) {
  model& m = ctx.m;
  run_watch& w = ctx.w;
  cluster_options co;
  co.status = &w.status;
  if (int rc = prepare(s, m, resumed, co); rc != 0)
    return rc;
  std::optional<checkpoint_store> store;
  keep_checkpoints(s, store, co);
  co.train_rows = ctx.data.train_rows;
  evaluator ev{s, ctx.data, m, ctx.pool, ctx.control};
  watch_centre(s, ev, ctx.control, co);
  auto hopts = host_options(s, !co.nodes.empty());
  hopts.metrics = w.metrics();
  auto host = system_host::start(hopts);
  if (!host)
    return fail(host.error(), 2);
  announce(s, co, train, test);
  const job_spec& job = s.job;
  const std::vector<float> initial(m.params(), m.params() + m.param_count());
  const auto rows = co.train_rows.empty() ? train.rows : co.train_rows.size();
  const auto total = static_cast<std::uint64_t>(job.schedule.epochs) * rows;
  auto res = run_job((*host)->system(), job, co, train, initial,
                     [&](const cluster_progress& p) { ctx.printer.cluster(p, total); });
  ctx.printer.done();
  if (!res || !res->faults.empty())
    (*host)->abandon();
  if (!res) {
    w.status.end({"failed", res.error().message(), w.seconds(), {}, {}, {}, false});
    return fail(res.error(), 1);
  }
  std::copy(res->weights.begin(), res->weights.end(), m.params());
  const scaling scale = scaling_of(job.schedule);
  const evaluation test_ev
    = res->members.size() > 1
        ? evaluate_members(res->members, m, test, scale, ctx.pool, s.eval_batch)
        : evaluate(m, test, scale, ctx.pool, s.eval_batch);
  ev.at_end(res->server.updates, res->seconds, res->updates_per_epoch, test_ev);
  std::printf("trained in %.1f s (%.0f samples/s) on %zu workers, %llu server "
              "updates, %.1f MB between nodes, test accuracy %.4f, test loss %.4f\n",
              res->seconds, static_cast<double>(res->samples) / res->seconds,
              res->workers.size(),
              static_cast<unsigned long long>(res->server.updates),
              static_cast<double>(totals_of(*res).between_nodes.total()) / 1e6,
              test_ev.accuracy,
              test_ev.loss);
  if (res->stopped)
    std::printf("stopped early at update %llu: %s\n",
                static_cast<unsigned long long>(res->stopped_at_update),
                ctx.control.stop_reason().c_str());
  report_cluster(ctx.j, job, *res, test_ev, resumed ? resumed->server.updates : 0);
  w.status.evaluation({res->server.updates, res->seconds, test_ev.accuracy,
                       test_ev.loss, "test"});
  w.status.end({"done", "", res->seconds, test_ev.accuracy, test_ev.loss,
                ctx.control.time_to_target(), ctx.control.stop_requested()});
  return 0;
}

} // namespace train_mnist
