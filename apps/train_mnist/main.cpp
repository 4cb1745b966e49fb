// train_mnist: trains a Keras-style model on MNIST or Fashion-MNIST.
//
// Runs the single trainer in this process, or drives a distributed trainer
// on caf-node processes (--nodes, --discover) or on the same actors inside
// this process. Distributed runs survive lost workers, nodes and the
// parameter server (see the README's reliability section) and can be
// continued after the driver itself died (--checkpoint-dir, --resume).
//
// --target-accuracy, --early-stopping, --eval-every and --validation-split
// evaluate the model during the run and may stop it early (control.hpp);
// --lr-schedule and --warmup move the worker optimizers' learning rate
// (optim/lr_schedule.hpp).
//
// --status=HOST:PORT serves GET /metrics in the Prometheus text format, the
// live status page (GET /) and its data (GET /status.json) while the run
// lasts; --report-html=FILE writes that page with the final status
// (watch.hpp; runtime/status_server.hpp, runtime/status_page.hpp).
//
// Exit codes: 0 success; 1 a failure while running (unreadable data, I/O, a
// run that could not recover, a timeout); 2 bad options (also a --status
// that is not HOST:PORT, cannot be bound, or is not loopback without
// --status-public=true; a --report, --save, --predictions or checkpoint
// directory that cannot be written, found before training) or a bad
// checkpoint.
#include <chrono>
#include <cstdio>
#include <optional>

#include "actors/data/dataset.hpp"
#include "actors/nn/model_io.hpp"
#include "actors/nn/model_spec.hpp"
#include "actors/runtime/run_checkpoint.hpp"
#include "actors/runtime/status_server.hpp"
#include "actors/runtime/system_host.hpp"
#include "actors/trainers/registry.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "runs.hpp"
#include "settings.hpp"

using namespace train_mnist;

namespace {

// --resume: the newest intact checkpoint; its recipe (the whole job spec but
// the wire, which is transport, not recipe), data set and model become this
// run's. 0, or the exit code.
int load_resume(settings& s, std::optional<run_state>& resumed) {
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
               "partitions, learning rate %s, warm-up %llu batches)\n",
               latest->path.c_str(),
               static_cast<unsigned long long>(resumed->server.updates),
               resumed->job.trainer.name.c_str(), resumed->dataset.c_str(),
               static_cast<unsigned>(resumed->job.trainer.workers),
               resumed->job.optimizer.lr_schedule.c_str(),
               static_cast<unsigned long long>(resumed->job.optimizer.warmup));
  const std::string wire = s.job.wire;
  s.job = resumed->job;
  s.job.wire = wire;
  s.dataset = resumed->dataset;
  s.model = "(from the checkpoint)";
  return 0;
}

// Only a trainer of one worker without a server runs without actors.
bool runs_alone(const settings& s, const std::optional<run_state>& resumed) {
  const trainer_entry* entry = find_trainer(s.job.trainer.name);
  return entry != nullptr && !entry->needs_server
         && entry->fixed_workers(s.job.trainer) == 1 && s.nodes.empty()
         && s.discover.empty() && !resumed;
}

// Every evaluation the control records goes to the live status too, except
// the final test figures (run_cluster adds them) and a single run's
// per-epoch test figures (watch_single adds them).
void watch_evaluations(run_control& control, run_watch& w, bool single) {
  control.on_record([&w, single](const eval_point& p) {
    if (p.why == "final" || (single && p.set == "test"))
      return;
    w.status.evaluation({p.updates, p.seconds, p.accuracy, p.loss, p.set});
  });
}

// Loads the data and the model, trains, saves and reports.
int train(settings& s, thread_pool& pool, const std::optional<run_state>& resumed,
          run_watch& w) {
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
  auto data = split_data(s, *train, *test);
  if (!data)
    return fail(data.error(), 2);
  run_control control{control_of(s)};
  json_writer j;
  report_start(j, s, *m, *train, *test);
  progress_printer printer{s.progress};
  begin_watch(s, *train, w);
  const bool single = runs_alone(s, resumed);
  watch_evaluations(control, w, single);
  run_context ctx{*m, pool, printer, j, *data, control, w};
  const int rc = single ? run_single(s, *train, *test, ctx)
                        : run_cluster(s, *train, *test, ctx, resumed);
  // The HTML report also tells how a failed run ended.
  if (auto st = write_report_html(s, w); !st)
    return fail(st, 1);
  if (rc != 0)
    return rc;
  report_control(j, s, *data, control);
  const double wall = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - wall_start)
                        .count();
  if (!s.save.empty()) {
    if (auto st = save_model(*m, s.save); !st)
      return fail(st, 1);
    std::printf("saved model to %s\n", s.save.c_str());
  }
  if (!s.report.empty())
    if (auto st = finish_report(j, s.report, wall, *m); !st)
      return fail(st, 1);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  settings s;
  option_set opts{"train_mnist",
                  "data-parallel training of a Keras-style model on MNIST"};
  declare_options(opts, s);
  bool help = false;
  if (auto st = opts.parse(argc, argv, help); !st)
    return fail(st, 2);
  if (help) {
    std::printf("%s", opts.help().c_str());
    return 0;
  }
  if (auto st = check_settings(s); !st)
    return fail(st, 2);
  if (auto st = resolve_exchange(s, opts); !st)
    return fail(st, 2);
  if (auto st = check_ps_shards(s); !st)
    return fail(st, 2);
  // Before any training: a result that cannot be written is lost at the end.
  if (auto st = check_outputs(s); !st)
    return fail(st, 2);
  thread_pool pool{s.threads};
  if (!s.evaluate.empty())
    return run_evaluate(s, pool);
  run_watch watch;
  if (auto st = serve_status(s, watch); !st)
    return fail(st, 2);
  std::optional<run_state> resumed;
  if (!s.resume.empty())
    if (int rc = load_resume(s, resumed); rc != 0)
      return rc;
  // After a fault the actor system was abandoned: no destructors then.
  return system_host::exit_process(
    train(s, pool, resumed, watch));
}
