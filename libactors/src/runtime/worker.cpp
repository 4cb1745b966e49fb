#include "actors/runtime/worker.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <set>

#include "actors/cluster/chunk_source.hpp"
#include "actors/cluster/server_watch.hpp"
#include "actors/data/dataset.hpp"
#include "actors/data/partition.hpp"
#include "actors/nn/model_spec.hpp"
#include "actors/optim/lr_schedule.hpp"
#include "actors/optim/optimizer.hpp"
#include "actors/runtime/metrics_hooks.hpp"
#include "actors/runtime/transport.hpp"
#include "actors/train/exchange_slot.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/util/rng.hpp"
#include "actors/util/thread_pool.hpp"
#include "actors/wire/codec.hpp"
#include "server_link.hpp"

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
  std::vector<std::uint32_t> order;
  std::vector<float> x, y;
  // The link to the server or its shards, with each link's codec state
  // (server_link.hpp); it holds the last centre received.
  server_link link;
  // With overlap (job.schedule.overlap): the exchange in flight, W_sent and
  // the time waited for replies.
  exchange_slot slot;
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
  // A reply said the driver stopped the run: return the result at the next
  // step instead of training on.
  bool stopping = false;
  // The learning rate over the run (optim/lr_schedule.hpp): the optimizer's
  // base rate and the schedule on the batch clock (static: this worker's
  // batches in its partition; dynamic: the batch's place in the run).
  float base_rate = 0;
  std::optional<lr_schedule> rate;
  // Dynamic partitioning (what to train next): the leased chunks, the
  // order of the epoch being trained (the shard is the whole training set),
  // the chunk of the commit being made, and loss sums and batches per epoch.
  std::optional<chunk_source> source;
  std::size_t order_epoch = ~std::size_t{0};
  std::uint64_t sending_chunk = no_chunk;
  std::vector<double> loss_sums;
  std::vector<std::uint64_t> loss_batches;
  metrics::worker_meter meter; // metrics/meters.hpp
  // Whether the server was lost and when to end for it (server_watch.hpp).
  server_watch watch;
  // The node of the server (or shard) it lost, and which shard.
  std::string lost_node;
  std::optional<std::uint32_t> lost_shard;
  // The totals the last progress message counted up to (it sends deltas).
  metrics::worker_totals reported;
};

using worker_pointer = worker_actor::stateful_pointer<worker_state>;

std::chrono::milliseconds timeout_of(const job_spec& job) {
  return std::chrono::milliseconds(
    static_cast<long long>(job.schedule.timeout_seconds * 1000.0));
}

void fail(worker_pointer self, caf::error err) {
  auto& st = self->state;
  if (st.finished)
    return;
  st.finished = true;
  st.promise.deliver(err);
  self->quit(std::move(err));
}

// The model continues from the last centre received.
void load_centre(worker_state& st) {
  const auto& c = st.link.centre();
  std::memcpy(st.net.params(), c.data(), c.size() * sizeof(float));
}

void new_epoch_order(worker_state& st) {
  st.order = permutation(st.shard.rows,
                          st.job.job.schedule.seed * 1000003ULL
                            + st.job.worker * 7919ULL + st.epoch);
}

// The worker's position at an exchange, as the server records it (with
// dynamic partitioning only the generation: the queue knows the rest).
partition_cursor cursor_now(worker_state& st) {
  partition_cursor c;
  c.generation = st.job.start.generation;
  if (st.source)
    return c;
  const std::uint64_t before = (st.epoch - 1) * st.batches;
  if (st.i > st.batches && st.epoch_end_done) {
    c.batches_done = before + st.batches;
    c.stage = 1;
  } else {
    c.batches_done = before + (st.i - 1);
    c.stage = st.before_done ? 2 : 0;
  }
  return c;
}

// Puts a replacement worker where its partition's last commit left off; the
// inverse of cursor_now. Its first pull then gives it the centre there.
void resume_at(worker_state& st, const partition_cursor& c) {
  const std::uint64_t b = st.batches;
  if (b == 0 || (c.batches_done == 0 && c.stage == 0))
    return;
  const bool at_boundary = c.batches_done > 0 && c.batches_done % b == 0;
  if (c.stage == 2) {
    st.epoch = c.batches_done / b + 1;
    st.i = c.batches_done % b + 1;
    st.before_done = true;
  } else if (c.stage == 1 || at_boundary) {
    // End of an epoch: its epoch-end exchange done (1) or still due (0).
    st.epoch = c.batches_done / b;
    st.i = b + 1;
    st.epoch_end_done = c.stage == 1;
  } else {
    st.epoch = c.batches_done / b + 1;
    st.i = c.batches_done % b + 1;
  }
}

// The worker's totals as of now: the result's, plus the time waited for
// an overlapped exchange and the chunks completed (both added to the
// result itself at the end).
metrics::worker_totals totals_now(const worker_state& st) {
  auto t = st.result.totals;
  t.wait_seconds += st.slot.waited_seconds();
  if (st.source)
    t.chunks = st.source->completed();
  return t;
}

void flush_progress(worker_state& st) {
  const auto now = totals_now(st);
  st.meter.publish(now);
  auto& p = st.pending;
  if (p.batches == 0 || !st.job.progress)
    return;
  p.worker = st.job.worker;
  p.epoch = st.epoch;
  p.commits = now.commits;
  p.node = st.node;
  p.grown = now.since(st.reported);
  st.reported = now;
  caf::anon_send(st.job.progress, progress_atom::value, p);
  p = progress_msg{};
}

void finish_chunks(worker_state& st);
// A commit applied: the server was at `updates` after it, the worker had
// pulled at `pulled`, so updates - 1 - pulled others came between
// (parameter_server.cpp's staleness).
void note_applied(worker_state& st, std::uint64_t updates, std::uint64_t pulled) {
  auto& t = st.result.totals;
  if (++t.commits == 1 && st.job.start.generation > 0)
    // A replacement (or a resumed run) is training again: the end of a
    // fault's recovery in the node's log (faults_test.sh times it).
    std::fprintf(stderr, "node %s: worker %u (generation %u): first exchange applied (update %llu)\n",
                 st.node.c_str(), st.job.worker, st.job.start.generation,
                 static_cast<unsigned long long>(updates));
  if (updates > pulled) {
    t.staleness_sum += updates - 1 - pulled;
    ++t.staleness_count;
  }
}

void finish(worker_pointer self) {
  auto& st = self->state;
  if (st.source)
    finish_chunks(st);
  flush_progress(st);
  auto& r = st.result;
  r.worker = st.job.worker;
  r.node = st.node;
  r.seconds = std::chrono::duration<double>(clock_type::now() - st.start).count();
  r.totals.wait_seconds += st.slot.waited_seconds();
  r.weights.values.assign(st.net.params(),
                          st.net.params() + st.net.param_count());
  r.shard_bytes = st.link.shard_bytes();
  st.finished = true;
  st.promise.deliver(std::move(r));
  self->quit();
}

// Trains one mini-batch of the shard's rows `rows` (batch_size of them),
// batch `t` of the run's clock (the learning-rate schedule's).
double train_rows(worker_state& st, const std::uint32_t* rows, std::uint64_t t) {
  const std::size_t b = st.job.job.schedule.batch_size;
  gather_batch(st.shard, rows, b, st.scale, st.x.data(), st.y.data());
  step_context ctx{st.pool.get(), true, &st.dropout_rng};
  auto res = st.net.train_step(st.x.data(), st.y.data(), b, ctx);
  if (st.rate)
    st.opt->learning_rate(static_cast<float>(st.base_rate * st.rate->factor(t)));
  st.opt->step(st.net.params(), st.net.grads(), st.net.param_count(),
                st.pool.get());
  st.result.totals.samples += b;
  auto& p = st.pending;
  ++p.batches;
  p.loss_sum += res.loss;
  p.correct += res.correct;
  ++p.loss_batches;
  if (p.batches >= st.job.job.schedule.progress_every)
    flush_progress(st);
  return res.loss;
}

// The static walk's batch i of its epoch.
void train_batch(worker_state& st) {
  const std::size_t b = st.job.job.schedule.batch_size;
  st.epoch_loss += train_rows(st, st.order.data() + (st.i - 1) * b,
                             (st.epoch - 1) * st.batches + (st.i - 1));
}

// Dynamic partitioning: batch `s.batch` of epoch `s.epoch`'s global order.
void train_chunk_batch(worker_state& st, const chunk_step& s) {
  const auto& plan = st.source->plan();
  if (st.order_epoch != s.epoch) {
    st.order = epoch_order(plan, s.epoch);
    st.order_epoch = s.epoch;
  }
  st.epoch = s.epoch + 1;
  const double loss = train_rows(st, st.order.data() + s.batch * plan.batch,
                                 s.epoch * plan.batches_per_epoch + s.batch);
  st.loss_sums[s.epoch] += loss;
  ++st.loss_batches[s.epoch];
}

// Dynamic partitioning: the chunks completed and the mean loss of the
// batches this worker trained in each epoch (0 where it trained none).
void finish_chunks(worker_state& st) {
  st.result.totals.chunks = st.source->completed();
  for (std::size_t e = 0; e < st.loss_sums.size(); ++e)
    st.result.epoch_loss.push_back(
      st.loss_batches[e] > 0 ? st.loss_sums[e] / static_cast<double>(st.loss_batches[e])
                             : 0.0);
}

// Dynamic partitioning: the grants on a reply to this worker's commit.
void take_grants(worker_state& st, const chunk_grants& grants) {
  if (st.source)
    st.source->replied(grants);
}

// A commit at the worker's current position (the link adds the payload,
// encoded for each link).
commit_msg commit_base(worker_state& st, std::uint64_t last_update) {
  commit_msg msg;
  msg.worker = st.job.worker;
  msg.last_update = last_update;
  msg.cursor = cursor_now(st);
  msg.chunk = st.sending_chunk;
  return msg;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Talks to the parameter server as the rule says, then resumes stepping.
void exchange(worker_pointer self) {
  auto& st = self->state;
  const auto n = st.net.param_count();
  const auto sent_at = clock_type::now();
  auto on_error = [self](caf::error& err) { fail(self, std::move(err)); };
  if (st.rule->kind() == exchange_kind::push_then_pull) {
    auto payload = st.link.take_payload(n);
    st.rule->make_payload(st.net.params(), st.link.centre().data(), payload.data(), n);
    st.link.exchange(
      self, commit_base(st, st.last_update), std::move(payload),
      [self, sent_at](server_link::reply& w) {
        auto& st = self->state;
        const auto pulled = st.last_update;
        st.last_update = w.version;
        st.result.totals.wait_seconds += seconds_since(sent_at);
        note_applied(st, w.version, pulled);
        take_grants(st, w.grants);
        st.stopping = st.stopping || w.stop;
        load_centre(st);
        self->send(self, step_atom::value);
      },
      on_error);
    return;
  }
  // pull_then_push: elastic step towards the centre, then send it.
  st.link.pull(
    self, st.job.worker, st.job.start.generation, false,
    [self, n, sent_at, on_error](server_link::reply& c) {
      auto& st = self->state;
      st.last_update = c.version;
      auto payload = st.link.take_payload(n);
      st.rule->elastic_step(st.net.params(), st.link.centre().data(), payload.data(), n);
      st.link.commit(
        self, commit_base(st, c.version), std::move(payload),
        [self, sent_at, pulled = c.version](server_link::reply& ack) {
          auto& st = self->state;
          st.result.totals.wait_seconds += seconds_since(sent_at);
          note_applied(st, ack.version, pulled);
          take_grants(st, ack.grants);
          st.stopping = st.stopping || ack.stop;
          self->send(self, step_atom::value);
        },
        on_error);
    },
    on_error);
}

// -- overlapped exchange (--overlap=true) --------------------------------------

void overlapped_reply(worker_pointer self, server_link::reply& w);

// Sends the exchange due at the worker's position and returns: the payload
// made from W (push_then_pull) or the elastic step against the newest
// centre the worker has, one exchange old (pull_then_push), as one exchange
// request. The reply is handled by overlapped_reply whenever it comes.
void send_overlapped(worker_pointer self) {
  auto& st = self->state;
  const auto n = st.net.param_count();
  auto payload = st.link.take_payload(n);
  if (st.rule->kind() == exchange_kind::push_then_pull)
    st.rule->make_payload(st.net.params(), st.link.centre().data(), payload.data(), n);
  else
    st.rule->elastic_step(st.net.params(), st.link.centre().data(), payload.data(), n);
  st.slot.sent(*st.rule, st.net.params(), n);
  st.link.exchange(self, commit_base(st, st.last_update), std::move(payload),
                   [self](server_link::reply& w) { overlapped_reply(self, w); },
                   [self](caf::error& err) { fail(self, std::move(err)); });
}

// The centre answering the exchange in flight: W <- C + (W - W_sent) as the
// rule says; then whatever the worker stopped to wait for (the next
// exchange, or returning its weights), or nothing if it is training.
void overlapped_reply(worker_pointer self, server_link::reply& w) {
  auto& st = self->state;
  if (st.finished)
    return;
  const auto pulled = st.last_update;
  st.last_update = w.version;
  note_applied(st, w.version, pulled);
  take_grants(st, w.grants);
  const auto then = st.slot.arrived(*st.rule, st.net.params(),
                                    st.link.centre().data(),
                                    st.net.param_count(), clock_type::now());
  if (w.stop) {
    // Nothing else is in flight (at most one exchange): done.
    st.stopping = true;
    finish(self);
    return;
  }
  switch (then) {
    case exchange_slot::next_action::exchange:
      send_overlapped(self);
      self->send(self, step_atom::value);
      break;
    case exchange_slot::next_action::finish:
      finish(self);
      break;
    case exchange_slot::next_action::resume:
      self->send(self, step_atom::value);
      break;
    case exchange_slot::next_action::keep_training:
      break;
  }
}

// At an exchange point: true if the worker may train on at once (overlap,
// nothing in flight: the exchange is sent); false if stepping resumes from
// a reply (without overlap, or waiting for the exchange in flight).
bool exchange_point(worker_pointer self) {
  auto& st = self->state;
  if (!st.job.job.schedule.overlap) {
    exchange(self);
    return false;
  }
  if (st.slot.in_flight()) {
    st.slot.wait(exchange_slot::next_action::exchange, clock_type::now());
    return false;
  }
  send_overlapped(self);
  return true;
}

// The worker's work is done: returns its weights once no exchange is in
// flight (with overlap, after the last reply's rebase).
void finish_when_settled(worker_pointer self) {
  auto& st = self->state;
  if (st.slot.in_flight()) {
    st.slot.wait(exchange_slot::next_action::finish, clock_type::now());
    return;
  }
  finish(self);
}

// Dynamic partitioning: step() through the leased chunks.
void step_chunks(worker_pointer self) {
  auto& st = self->state;
  for (std::size_t done = 0; done < batches_per_slice; ++done) {
    const auto s = st.source->next();
    switch (s.kind) {
      case chunk_step::train:
        train_chunk_batch(st, s);
        continue;
      case chunk_step::commit:
        st.sending_chunk = s.chunk;
        if (!exchange_point(self))
          return;
        continue;
      case chunk_step::wait:
        // A commit is in flight (overlap) and nothing else may start.
        if (st.slot.in_flight() && !st.slot.waiting())
          st.slot.wait(exchange_slot::next_action::resume, clock_type::now());
        return; // the reply schedules the next step
      case chunk_step::finished:
        finish(self);
        return;
    }
  }
  self->send(self, step_atom::value);
}

// Trains up to batches_per_slice batches; returns after scheduling either
// the next step or an exchange whose reply schedules it.
void step(worker_pointer self) {
  auto& st = self->state;
  if (st.finished)
    return;
  if (st.stopping) {
    finish_when_settled(self);
    return;
  }
  if (st.source) {
    step_chunks(self);
    return;
  }
  const auto& job = st.job.job;
  for (std::size_t done = 0; done < batches_per_slice; ++done) {
    if (st.i > st.batches) {
      if (st.rule->communicate_at_epoch_end() && !st.epoch_end_done) {
        st.epoch_end_done = true;
        if (!exchange_point(self))
          return;
        continue;
      }
      st.result.epoch_loss.push_back(
        st.batches > 0 ? st.epoch_loss / static_cast<double>(st.batches) : 0.0);
      st.epoch_loss = 0;
      if (st.epoch >= job.schedule.epochs) {
        finish_when_settled(self);
        return;
      }
      ++st.epoch;
      st.i = 1;
      st.epoch_end_done = false;
      new_epoch_order(st);
      continue;
    }
    if (!st.before_done && st.rule->communicate_before(st.i)) {
      st.before_done = true;
      if (!exchange_point(self))
        return;
    }
    train_batch(st);
    const bool after = st.rule->communicate_after(st.i);
    ++st.i;
    st.before_done = false;
    if (after && !exchange_point(self))
      return;
  }
  self->send(self, step_atom::value);
}

// The learning-rate schedule over `total` batches of `per_epoch` each; none
// when it is constant.
caf::error schedule_rate(worker_state& st, std::size_t total, std::size_t per_epoch) {
  const auto& o = st.job.job.optimizer;
  auto shape = parse_lr_schedule(o.lr_schedule);
  if (!shape)
    return make_runtime_error(runtime_errc::bad_job, shape.error().message());
  lr_schedule sched{*shape, static_cast<std::size_t>(o.warmup), total, per_epoch};
  if (!sched.is_constant())
    st.rate = sched;
  return {};
}

caf::error setup(worker_state& st, shard_data& s, const caf::node_id& here) {
  auto& job = st.job.job;
  const wire::codec* codec = wire::find_codec(job.wire);
  if (codec == nullptr)
    return make_runtime_error(runtime_errc::bad_job,
                              "unknown wire format '" + job.wire + "'");
  auto m = parse_model_spec(job.model_spec, "job model");
  if (!m)
    return make_runtime_error(runtime_errc::bad_job, m.error().message());
  st.net = std::move(*m);
  if (auto err = st.link.setup(st.job, *codec, here, st.net.param_count(),
                               &st.result.totals))
    return err;
  auto rule = make_rule(job.trainer);
  if (!rule)
    return make_runtime_error(runtime_errc::bad_job, rule.error().message());
  if (auto st_overlap = check_overlap(job.trainer.name, job.schedule.overlap);
      !st_overlap)
    return make_runtime_error(runtime_errc::bad_job, st_overlap.message());
  st.rule = std::move(*rule);
  auto opt = make_optimizer(effective_optimizer(job, *st.rule));
  if (!opt)
    return make_runtime_error(runtime_errc::bad_job, opt.error().message());
  st.opt = std::move(*opt);
  st.base_rate = st.opt->learning_rate();
  st.shard.rows = s.rows;
  st.shard.height = s.height;
  st.shard.width = s.width;
  st.shard.channels = s.channels;
  st.shard.classes = s.classes;
  st.shard.pixels = std::move(s.pixels);
  st.shard.labels = std::move(s.labels);
  if (st.net.input_shape().size() != st.shard.features()
      || st.net.output_shape().size() != st.shard.classes)
    return make_runtime_error(runtime_errc::bad_job,
                              "model does not fit the data's shape");
  st.scale = scaling_of(job.schedule);
  st.x.resize(job.schedule.batch_size * st.shard.features());
  st.y.resize(job.schedule.batch_size * st.shard.classes);
  st.dropout_rng.reseed(job.schedule.seed ^ (0x9e37ULL * (st.job.worker + 1))
                         ^ (0x51ULL * st.job.start.generation));
  if (job.schedule.partitioning == partitioning_mode::dynamic) {
    // The shard is the whole training set; the server leases the chunks.
    st.source.emplace(make_chunk_plan(st.shard.rows, job.schedule.batch_size,
                                      st.rule->options().window,
                                      job.schedule.epochs, job.schedule.seed));
    st.loss_sums.assign(job.schedule.epochs, 0.0);
    st.loss_batches.assign(job.schedule.epochs, 0);
    const auto per_epoch = st.source->plan().batches_per_epoch;
    return schedule_rate(st, per_epoch * job.schedule.epochs, per_epoch);
  }
  st.batches = full_batches(st.shard.rows, job.schedule.batch_size);
  if (auto err = schedule_rate(st, st.batches * job.schedule.epochs, st.batches))
    return err;
  const auto total = static_cast<std::uint64_t>(st.batches) * job.schedule.epochs;
  if (st.job.start.batches_done > total)
    return make_runtime_error(runtime_errc::bad_job,
                              "start position " + std::to_string(st.job.start.batches_done)
                                + " is past the partition's "
                                + std::to_string(total) + " batches");
  resume_at(st, st.job.start);
  new_epoch_order(st);
  return {};
}

// Dynamic partitioning: asks the server for the first chunks, then starts
// stepping; static: starts stepping.
void first_lease(worker_pointer self) {
  auto& st = self->state;
  if (!st.source) {
    self->send(self, step_atom::value);
    return;
  }
  self->request(st.link.lead(), timeout_of(st.job.job), lease_atom::value, st.job.worker,
                st.job.start.generation,
                // With overlap the worker trains chunk k + 1 while chunk k's
                // commit is in flight.
                std::uint32_t{st.job.job.schedule.overlap ? 2u : 1u})
    .then(
      [self](chunk_grants& grants) {
        self->state.source->grant(grants);
        self->send(self, step_atom::value);
      },
      [self](caf::error& err) { fail(self, std::move(err)); });
}

// Fetches the shard, then the centre, then starts stepping.
void begin(worker_pointer self) {
  auto& st = self->state;
  const auto timeout = timeout_of(st.job.job);
  auto on_error = [self](caf::error& err) { fail(self, std::move(err)); };
  self->request(st.job.loader, timeout, shard_atom::value, st.job.worker)
    .then(
      [self, on_error](shard_data& s) {
        auto& st = self->state;
        if (auto err = setup(st, s, self->node())) {
          fail(self, std::move(err));
          return;
        }
        if (st.rule->kind() == exchange_kind::none) {
          // Single and Ensemble: no server; each worker draws its own
          // initial model (Ensemble wants them to differ).
          st.net.init(st.job.job.schedule.seed + 7919ULL * st.job.worker);
          self->send(self, step_atom::value);
          return;
        }
        // Every worker starts from the centre variable, whole and exact.
        // With a delta codec (int8, sign, topk) to another node it asks
        // for deltas already: the server has no view of this incarnation
        // (a new one's was reset by the reassign), so it answers whole and
        // starts its view there, and the first exchange's answer is a
        // delta. Not asking cost a second whole fp32 centre per worker.
        st.link.pull(
          self, st.job.worker, st.job.start.generation, true,
          [self](server_link::reply& w) {
            auto& st = self->state;
            st.last_update = w.version;
            load_centre(st);
            first_lease(self);
          },
          on_error);
      },
      on_error);
}

// Seconds on the actor system's clock (the test coordinator's simulated
// one in tests), for the server watch's deadline.
double clock_seconds(worker_pointer self) {
  return std::chrono::duration<double>(self->clock().now().time_since_epoch()).count();
}

// Which of the job's server actors `a` is: the server (index 0),
// or shard K; nothing if neither.
std::optional<std::size_t> server_index(const worker_job& j, const caf::actor_addr& a) {
  for (std::size_t k = 0; k < j.shards.size(); ++k)
    if (j.shards[k] && j.shards[k].address() == a)
      return k;
  if (j.ps && j.ps.address() == a)
    return std::size_t{0};
  return std::nullopt;
}

// The node of server actor k ("HOST:PORT"; empty when local).
std::string server_node(const worker_job& j, std::size_t k) {
  if (j.shards.empty())
    return j.ps_host.empty() ? std::string{} : j.ps_host + ":" + std::to_string(j.ps_port);
  if (k >= j.shard_hosts.size() || k >= j.shard_ports.size() || j.shard_hosts[k].empty())
    return {};
  return j.shard_hosts[k] + ":" + std::to_string(j.shard_ports[k]);
}

// A monitored actor ended: the driver's progress sink (the job is over), or
// the server, whose loss the driver may not see (server_watch.hpp): the
// worker ends after the grace unless the driver stopped it meanwhile.
void on_down(worker_pointer self, caf::down_msg& dm) {
  auto& st = self->state;
  if (st.job.progress && dm.source == st.job.progress.address()) {
    fail(self, make_runtime_error(runtime_errc::timeout,
                                  "the driver is gone; stopping worker "
                                    + std::to_string(st.job.worker)));
    return;
  }
  const auto k = server_index(st.job, dm.source);
  if (!k)
    return;
  const auto reason = describe(self->system(), dm.reason);
  if (auto after = st.watch.lost(reason, clock_seconds(self))) {
    st.lost_node = server_node(st.job, *k);
    if (st.job.shards.size() > 1)
      st.lost_shard = static_cast<std::uint32_t>(*k);
    const auto which = st.lost_shard ? "'s shard " + std::to_string(*st.lost_shard) : "";
    std::fprintf(stderr, "node %s: worker %u lost the parameter server%s (%s); "
                         "ending in %.1f s unless the driver restarts it\n",
                 st.node.c_str(), st.job.worker, which.c_str(), reason.c_str(), *after);
    self->delayed_send(self,
                      std::chrono::milliseconds(static_cast<long long>(*after * 1000.0)),
                      lost_atom::value);
  }
}

// The grace after losing the server passed and the driver did not stop this
// worker: its partition is to be reassigned (job_supervisor::worker_lost).
void server_gone(worker_pointer self) {
  auto& st = self->state;
  if (!st.watch.expired(clock_seconds(self)))
    return;
  fail(self, make_runtime_error(runtime_errc::server_lost,
                                "worker " + std::to_string(st.job.worker) + " "
                                  + st.watch.why(st.lost_node, st.lost_shard)));
}

// Starts a job: keeps it, watches the driver, links to the server, begins.
caf::result<worker_result> run(worker_pointer self, worker_job& job) {
  auto& st = self->state;
  st.job = std::move(job);
  st.start = clock_type::now();
  st.meter = worker_meter_of(self->system(), st.job.worker);
  st.promise = self->make_response_promise<worker_result>();
  st.watch = server_watch{st.job.fault_timeout, st.job.shards.size() > 1};
  // The progress sink lives in the driver: without it the job is over.
  if (st.job.progress)
    self->monitor(st.job.progress);
  if (st.job.ps)
    self->monitor(st.job.ps);
  for (auto& shard : st.job.shards)
    if (shard && (!st.job.ps || shard.address() != st.job.ps.address()))
      self->monitor(shard);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  const auto timeout = std::min(timeout_of(st.job.job), std::chrono::milliseconds(10000));
  connect_to_server(self, st.job, st.node, timeout, [self](bool relayed) {
    self->state.result.relayed = relayed;
    begin(self);
  });
  return st.promise;
}

worker_actor::behavior_type worker(worker_pointer self) {
  auto& st = self->state;
  const auto& cfg = self->system().config();
  st.node = caf::get_or(cfg, "node.name", "local");
  const auto threads = caf::get_or(cfg, "node.threads", 1);
  st.pool = std::make_unique<thread_pool>(threads > 0 ? static_cast<std::size_t>(threads) : 1);
  return {
    [self](run_atom, worker_job& job) { return run(self, job); },
    [self](step_atom) { step(self); },
    [self](lost_atom) { server_gone(self); },
  };
}

} // namespace

worker_actor spawn_worker(caf::actor_system& sys) {
  return sys.spawn(worker);
}

caf::actor_factory worker_factory() {
  return [](caf::actor_config& cfg,
            caf::message& args) -> caf::actor_factory_result {
    if (!args.empty())
      return {};
    auto& sys = cfg.host->system();
    // Honours the spawn's detached flag as caf::make_actor_factory does.
    auto hdl = (cfg.flags & caf::abstract_actor::is_detached_flag) != 0
                 ? sys.spawn<caf::detached>(worker)
                 : sys.spawn(worker);
    return {caf::actor_cast<caf::strong_actor_ptr>(std::move(hdl)),
            sys.message_types<worker_actor>()};
  };
}

} // namespace actors
