#include "actors/runtime/worker.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <set>

#include "actors/data/dataset.hpp"
#include "actors/data/partition.hpp"
#include "actors/nn/model_spec.hpp"
#include "actors/optim/optimizer.hpp"
#include "actors/runtime/transport.hpp"
#include "actors/util/quantize.hpp"
#include "actors/util/rng.hpp"
#include "actors/util/thread_pool.hpp"

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

// Batches trained per step message: long enough to amortise the message,
// short enough that an exit is seen within tens of milliseconds.
constexpr std::size_t batches_per_slice = 8;

struct worker_state {
  worker_job job;
  std::string node;
  model net;
  std::unique_ptr<optimizer> opt;
  std::unique_ptr<update_rule> rule;
  std::unique_ptr<thread_pool> pool;
  rng dropout_rng{0};
  dataset shard;
  scaling scale;
  wire_format wire = wire_format::fp32;
  std::vector<std::uint32_t> order;
  std::vector<float> x, y;
  std::vector<float> w_pull;
  // Quantized commits: the rounding error carried to the next commit, and
  // scratch for the rounded payload.
  std::vector<float> residual, rounded;
  std::size_t batches = 0; // per epoch
  std::size_t epoch = 1;
  std::size_t i = 1;       // 1-based batch within the epoch
  bool before_done = false;
  bool epoch_end_done = false;
  std::uint64_t last_update = 0;
  worker_result result;
  double epoch_loss = 0;
  progress_msg pending;
  clock_type::time_point start;
  caf::typed_response_promise<worker_result> promise;
  bool finished = false;
};

using state_ptr = std::shared_ptr<worker_state>;

std::chrono::milliseconds timeout_of(const job_spec& job) {
  return std::chrono::milliseconds(
    static_cast<long long>(job.schedule.timeout_seconds * 1000.0));
}

void fail(worker_actor::pointer self, const state_ptr& st, caf::error err) {
  if (st->finished)
    return;
  st->finished = true;
  st->promise.deliver(err);
  self->quit(std::move(err));
}

// The model continues from the last centre received.
void load_centre(const state_ptr& st) {
  std::memcpy(st->net.params(), st->w_pull.data(), st->w_pull.size() * sizeof(float));
}

void new_epoch_order(const state_ptr& st) {
  st->order = permutation(st->shard.rows,
                          st->job.job.schedule.seed * 1000003ULL
                            + st->job.worker * 7919ULL + st->epoch);
}

// The worker's position at an exchange, as the server records it.
partition_cursor cursor_now(const state_ptr& st) {
  partition_cursor c;
  c.generation = st->job.start.generation;
  const std::uint64_t before = (st->epoch - 1) * st->batches;
  if (st->i > st->batches && st->epoch_end_done) {
    c.batches_done = before + st->batches;
    c.stage = 1;
  } else {
    c.batches_done = before + (st->i - 1);
    c.stage = st->before_done ? 2 : 0;
  }
  return c;
}

// Puts a replacement worker where its partition's last commit left off; the
// inverse of cursor_now. Its first pull then gives it the centre there.
void resume_at(const state_ptr& st, const partition_cursor& c) {
  const std::uint64_t b = st->batches;
  if (b == 0 || (c.batches_done == 0 && c.stage == 0))
    return;
  const bool at_boundary = c.batches_done > 0 && c.batches_done % b == 0;
  if (c.stage == 2) {
    st->epoch = c.batches_done / b + 1;
    st->i = c.batches_done % b + 1;
    st->before_done = true;
  } else if (c.stage == 1 || at_boundary) {
    // End of an epoch: its epoch-end exchange done (1) or still due (0).
    st->epoch = c.batches_done / b;
    st->i = b + 1;
    st->epoch_end_done = c.stage == 1;
  } else {
    st->epoch = c.batches_done / b + 1;
    st->i = c.batches_done % b + 1;
  }
}

void flush_progress(const state_ptr& st) {
  auto& p = st->pending;
  if (p.batches == 0 || !st->job.progress)
    return;
  p.worker = st->job.worker;
  p.epoch = st->epoch;
  p.commits = st->result.commits;
  caf::anon_send(st->job.progress, progress_atom::value, p);
  p = progress_msg{};
}

void finish(worker_actor::pointer self, const state_ptr& st) {
  flush_progress(st);
  auto& r = st->result;
  r.worker = st->job.worker;
  r.node = st->node;
  r.seconds = std::chrono::duration<double>(clock_type::now() - st->start).count();
  r.weights.values.assign(st->net.params(),
                          st->net.params() + st->net.param_count());
  st->finished = true;
  st->promise.deliver(std::move(r));
  self->quit();
}

void train_batch(const state_ptr& st) {
  const std::size_t b = st->job.job.schedule.batch_size;
  gather_batch(st->shard, st->order.data() + (st->i - 1) * b, b, st->scale,
               st->x.data(), st->y.data());
  step_context ctx{st->pool.get(), true, &st->dropout_rng};
  auto res = st->net.train_step(st->x.data(), st->y.data(), b, ctx);
  st->opt->step(st->net.params(), st->net.grads(), st->net.param_count(),
                st->pool.get());
  st->result.samples += b;
  st->epoch_loss += res.loss;
  auto& p = st->pending;
  ++p.batches;
  p.samples += b;
  p.loss_sum += res.loss;
  ++p.loss_batches;
  if (p.batches >= st->job.job.schedule.progress_every)
    flush_progress(st);
}

wire_format wire_of(const state_ptr& st) { return st->wire; }

bool server_is_remote(worker_actor::pointer self, const state_ptr& st) {
  return st->job.ps.node() != self->node();
}

// Whether this worker exchanges int8 deltas and rounded commits: only with
// a server on another node; on one node nothing is serialized.
bool quantized(worker_actor::pointer self, const state_ptr& st) {
  return wire_of(st) == wire_format::int8 && server_is_remote(self, st);
}

// Bytes n values of `b` took on the wire (fp32 if nothing was serialized).
std::size_t wire_size(worker_actor::pointer self, const state_ptr& st,
                      const float_buffer& b) {
  return server_is_remote(self, st) ? wire_bytes(b.wire, b.values.size())
                                    : b.values.size() * sizeof(float);
}

// Stamps a payload with the wire format. Quantized, the payload plus the
// rounding error left from the last commit is rounded to the int8 code
// here, so the worker knows exactly what the server will add, and the new
// error is kept for the next commit (error feedback).
void prepare_payload(worker_actor::pointer self, const state_ptr& st,
                     float_buffer& p) {
  p.wire = wire_of(st);
  if (!quantized(self, st))
    return;
  const std::size_t n = p.values.size();
  st->residual.resize(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i)
    p.values[i] += st->residual[i];
  st->rounded = p.values;
  round_int8(st->rounded.data(), n);
  for (std::size_t i = 0; i < n; ++i)
    st->residual[i] = p.values[i] - st->rounded[i];
  p.values.swap(st->rounded);
}

// Brings w_pull, the last centre received, up to date from `w` (a whole
// centre or the change since the last one); false if `w` does not fit.
bool receive_centre(worker_actor::pointer self, const state_ptr& st,
                    weights_msg& w) {
  const auto n = st->net.param_count();
  if (w.weights.values.size() != n || (w.delta && st->w_pull.size() != n))
    return false;
  st->result.bytes_received += wire_size(self, st, w.weights);
  st->last_update = w.version;
  if (w.delta) {
    for (std::size_t i = 0; i < n; ++i)
      st->w_pull[i] += w.weights.values[i];
  } else {
    st->w_pull.swap(w.weights.values);
  }
  return true;
}

// Talks to the parameter server as the rule says, then resumes stepping.
void exchange(worker_actor::pointer self, const state_ptr& st) {
  const auto n = st->net.param_count();
  const auto timeout = timeout_of(st->job.job);
  const auto sent_at = clock_type::now();
  const bool want_delta = quantized(self, st);
  auto on_error = [self, st](caf::error& err) { fail(self, st, std::move(err)); };
  auto wrong_size = [self, st] {
    fail(self, st,
         make_runtime_error(runtime_errc::bad_message,
                            "centre of the wrong size from the server"));
  };
  if (st->rule->kind() == exchange_kind::push_then_pull) {
    commit_msg msg;
    msg.worker = st->job.worker;
    msg.last_update = st->last_update;
    msg.cursor = cursor_now(st);
    msg.want_delta = want_delta;
    msg.payload.values.resize(n);
    st->rule->make_payload(st->net.params(), st->w_pull.data(),
                           msg.payload.values.data(), n);
    prepare_payload(self, st, msg.payload);
    st->result.bytes_sent += wire_size(self, st, msg.payload);
    self->request(st->job.ps, timeout, exchange_atom::value, std::move(msg))
      .then(
        [self, st, sent_at, wrong_size](weights_msg& w) {
          if (!receive_centre(self, st, w)) {
            wrong_size();
            return;
          }
          st->result.wait_seconds
            += std::chrono::duration<double>(clock_type::now() - sent_at).count();
          ++st->result.commits;
          load_centre(st);
          self->send(self, step_atom::value);
        },
        on_error);
    return;
  }
  // pull_then_push: elastic step towards the centre, then send it.
  self->request(st->job.ps, timeout, pull_atom::value, st->job.worker, want_delta)
    .then(
      [self, st, n, timeout, sent_at, on_error, wrong_size](weights_msg& c) {
        if (!receive_centre(self, st, c)) {
          wrong_size();
          return;
        }
        commit_msg msg;
        msg.worker = st->job.worker;
        msg.last_update = c.version;
        msg.cursor = cursor_now(st);
        msg.payload.values.resize(n);
        st->rule->elastic_step(st->net.params(), st->w_pull.data(),
                               msg.payload.values.data(), n);
        prepare_payload(self, st, msg.payload);
        st->result.bytes_sent += wire_size(self, st, msg.payload);
        self->request(st->job.ps, timeout, commit_atom::value, std::move(msg))
          .then(
            [self, st, sent_at](commit_ack&) {
              st->result.wait_seconds
                += std::chrono::duration<double>(clock_type::now() - sent_at)
                     .count();
              ++st->result.commits;
              self->send(self, step_atom::value);
            },
            on_error);
      },
      on_error);
}

// Trains up to batches_per_slice batches; returns after scheduling either
// the next step or an exchange whose reply schedules it.
void step(worker_actor::pointer self, const state_ptr& st) {
  if (st->finished)
    return;
  const auto& job = st->job.job;
  for (std::size_t done = 0; done < batches_per_slice; ++done) {
    if (st->i > st->batches) {
      if (st->rule->communicate_at_epoch_end() && !st->epoch_end_done) {
        st->epoch_end_done = true;
        exchange(self, st);
        return;
      }
      st->result.epoch_loss.push_back(
        st->batches > 0 ? st->epoch_loss / static_cast<double>(st->batches) : 0.0);
      st->epoch_loss = 0;
      if (st->epoch >= job.schedule.epochs) {
        finish(self, st);
        return;
      }
      ++st->epoch;
      st->i = 1;
      st->epoch_end_done = false;
      new_epoch_order(st);
      continue;
    }
    if (!st->before_done && st->rule->communicate_before(st->i)) {
      st->before_done = true;
      exchange(self, st);
      return;
    }
    train_batch(st);
    const bool after = st->rule->communicate_after(st->i);
    ++st->i;
    st->before_done = false;
    if (after) {
      exchange(self, st);
      return;
    }
  }
  self->send(self, step_atom::value);
}

caf::error setup(const state_ptr& st, shard_data& s) {
  auto& job = st->job.job;
  auto wire = wire_format_of(job);
  if (!wire)
    return wire.error();
  st->wire = *wire;
  auto m = parse_model_spec(job.model_spec, "job model");
  if (!m)
    return make_runtime_error(runtime_errc::bad_job, m.error().message());
  st->net = std::move(*m);
  auto rule = make_rule(job.trainer);
  if (!rule)
    return make_runtime_error(runtime_errc::bad_job, rule.error().message());
  st->rule = std::move(*rule);
  auto opt = make_optimizer(effective_optimizer(job, *st->rule));
  if (!opt)
    return make_runtime_error(runtime_errc::bad_job, opt.error().message());
  st->opt = std::move(*opt);
  st->shard.rows = s.rows;
  st->shard.height = s.height;
  st->shard.width = s.width;
  st->shard.channels = s.channels;
  st->shard.classes = s.classes;
  st->shard.pixels = std::move(s.pixels);
  st->shard.labels = std::move(s.labels);
  if (st->net.input_shape().size() != st->shard.features()
      || st->net.output_shape().size() != st->shard.classes)
    return make_runtime_error(runtime_errc::bad_job,
                              "model does not fit the data's shape");
  st->scale = scaling_of(job.schedule);
  st->batches = full_batches(st->shard.rows, job.schedule.batch_size);
  st->x.resize(job.schedule.batch_size * st->shard.features());
  st->y.resize(job.schedule.batch_size * st->shard.classes);
  st->dropout_rng.reseed(job.schedule.seed ^ (0x9e37ULL * (st->job.worker + 1))
                         ^ (0x51ULL * st->job.start.generation));
  const auto total = static_cast<std::uint64_t>(st->batches) * job.schedule.epochs;
  if (st->job.start.batches_done > total)
    return make_runtime_error(runtime_errc::bad_job,
                              "start position " + std::to_string(st->job.start.batches_done)
                                + " is past the partition's "
                                + std::to_string(total) + " batches");
  resume_at(st, st->job.start);
  new_epoch_order(st);
  return {};
}

// Fetches the shard, then the centre, then starts stepping.
void begin(worker_actor::pointer self, const state_ptr& st) {
  const auto timeout = timeout_of(st->job.job);
  auto on_error = [self, st](caf::error& err) { fail(self, st, std::move(err)); };
  self->request(st->job.loader, timeout, shard_atom::value, st->job.worker)
    .then(
      [self, st, timeout, on_error](shard_data& s) {
        if (auto err = setup(st, s)) {
          fail(self, st, std::move(err));
          return;
        }
        if (st->rule->kind() == exchange_kind::none) {
          // Single and Ensemble: no server; each worker draws its own
          // initial model (Ensemble wants them to differ).
          st->net.init(st->job.job.schedule.seed + 7919ULL * st->job.worker);
          self->send(self, step_atom::value);
          return;
        }
        // Every worker starts from the centre variable, whole and exact;
        // with the int8 wire the server's view of this worker starts at its
        // first exchange, which is answered whole too.
        self->request(st->job.ps, timeout, pull_atom::value, st->job.worker)
          .then(
            [self, st](weights_msg& w) {
              if (w.delta || !receive_centre(self, st, w)) {
                fail(self, st,
                     make_runtime_error(runtime_errc::bad_message,
                                        "initial centre has the wrong size"));
                return;
              }
              load_centre(st);
              self->send(self, step_atom::value);
            },
            on_error);
      },
      on_error);
}

// Opens a connection from this node to the server's before the first pull.
// CAF 0.17 only knows the nodes it was introduced to: without this, a
// worker's commits and the server's centres are relayed through the driver,
// each model-sized message crossing two links store-and-forward, which
// doubles the exchange time on a network. (CAF's own automatic connections
// would open a second, plain, all-interface port on every node instead.)
// Failing to connect is not fatal: the relayed route still works. With TLS
// the route stays relayed (see below).
void link_to_server(worker_actor::pointer self, const state_ptr& st,
                    std::function<void()> then) {
  const auto& ps = st->job.ps;
  if (st->job.ps_host.empty() || !ps || ps.node() == self->node()) {
    then();
    return;
  }
  const auto where = st->job.ps_host + ":" + std::to_string(st->job.ps_port);
  if (tls_enabled(self->system())) {
    // Tried: with CAF 0.17's OpenSSL transport the second job over the same
    // node-to-node connection loses a node (remote_link_unreachable) or
    // times out connecting; relaying through the driver works.
    st->result.relayed = true;
    std::fprintf(stderr,
                 "node %s: worker %u: TLS: exchanges with %s go through the "
                 "driver (node-to-node TLS links are unreliable in CAF 0.17)\n",
                 st->node.c_str(), st->job.worker, where.c_str());
    then();
    return;
  }
  const auto timeout = std::min(timeout_of(st->job.job), std::chrono::milliseconds(10000));
  self->request(middleman_of(self->system()), timeout, caf::connect_atom::value,
                st->job.ps_host, st->job.ps_port)
    .then(
      [self, st, then, where](caf::node_id& nid, caf::strong_actor_ptr&,
                              std::set<std::string>&) {
        st->result.relayed = nid != st->job.ps.node();
        if (st->result.relayed)
          std::fprintf(stderr,
                       "node %s: worker %u: %s is not the server's node; "
                       "exchanges go through the driver\n",
                       st->node.c_str(), st->job.worker, where.c_str());
        then();
      },
      [self, st, then, where](caf::error& err) {
        st->result.relayed = true;
        std::fprintf(stderr,
                     "node %s: worker %u: cannot connect to the server's node "
                     "%s (%s); exchanges go through the driver\n",
                     st->node.c_str(), st->job.worker, where.c_str(),
                     describe(self->system(), err).c_str());
        then();
      });
}

} // namespace

worker_actor::behavior_type worker(worker_actor::pointer self) {
  auto st = std::make_shared<worker_state>();
  const auto& cfg = self->system().config();
  st->node = caf::get_or(cfg, "node.name", "local");
  const auto threads = caf::get_or(cfg, "node.threads", 1);
  st->pool = std::make_unique<thread_pool>(threads > 0 ? static_cast<std::size_t>(threads) : 1);
  return {
    [=](run_atom, worker_job& job) -> caf::result<worker_result> {
      st->job = std::move(job);
      st->start = clock_type::now();
      st->promise = self->make_response_promise<worker_result>();
      if (st->job.progress) {
        // The progress sink lives in the driver: without it the job is over.
        self->monitor(st->job.progress);
        const auto driver = st->job.progress.address();
        self->set_down_handler([self, st, driver](caf::down_msg& dm) {
          if (dm.source == driver)
            fail(self, st,
                 make_runtime_error(runtime_errc::timeout,
                                    "the driver is gone; stopping worker "
                                      + std::to_string(st->job.worker)));
        });
      }
      link_to_server(self, st, [self, st] { begin(self, st); });
      return st->promise;
    },
    [=](step_atom) { step(self, st); },
  };
}

caf::actor_factory worker_factory() {
  return [](caf::actor_config& cfg,
            caf::message& args) -> caf::actor_factory_result {
    if (!args.empty())
      return {};
    auto& sys = cfg.host->system();
    auto hdl = sys.spawn(worker);
    return {caf::actor_cast<caf::strong_actor_ptr>(std::move(hdl)),
            sys.message_types<worker_actor>()};
  };
}

} // namespace actors
