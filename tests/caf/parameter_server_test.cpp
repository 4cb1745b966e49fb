// parameter_server: pulls, commits and exchanges, message validation, and
// Averaging's rounds, driven one message at a time by CAF's test coordinator.
#include "actor_test_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "actors/runtime/node_config.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/util/quantize.hpp"
#include "actors/wire/codec.hpp"
#include "actors/runtime/protocol.hpp"

using namespace actors;

namespace {

const std::vector<float> initial = {1.0f, -2.0f, 0.5f, 4.0f};
const std::vector<float> payload_a = {0.25f, 1.0f, -0.5f, 2.0f};
const std::vector<float> payload_b = {-1.0f, 0.5f, 0.125f, -3.0f};

ps_init make_init(const std::string& trainer, std::uint32_t workers,
                  std::vector<float> weights = initial) {
  ps_init init;
  init.job.job_id = 7;
  init.job.trainer.name = trainer;
  init.job.trainer.workers = workers;
  init.weights.values = std::move(weights);
  return init;
}

commit_msg make_commit(std::uint32_t worker, std::vector<float> payload,
                       std::uint64_t last_update = 0) {
  commit_msg msg;
  msg.worker = worker;
  msg.last_update = last_update;
  msg.payload.values = std::move(payload);
  return msg;
}

std::vector<float> plus(std::vector<float> x, const std::vector<float>& y) {
  for (std::size_t k = 0; k < x.size(); ++k)
    x[k] += y[k];
  return x;
}

bool is_runtime_error(const caf::error& err, runtime_errc code) {
  return err.category() == caf::atom("actors")
         && err.code() == static_cast<std::uint8_t>(code);
}

struct fixture : test_coordinator_fixture<node_config> {
  ~fixture() override {
    // A server holding promises (an incomplete Averaging round) keeps
    // itself alive; stop every server so a failed test cannot hang the
    // actor system's shutdown.
    for (auto& ps : servers)
      anon_send_exit(ps, caf::exit_reason::user_shutdown);
    run();
  }

  ps_actor spawn_ps(ps_init init) {
    auto ps = spawn_parameter_server(sys, std::move(init));
    servers.push_back(ps);
    return ps;
  }

  /// Sends a request from `self`, runs the system until it is idle and
  /// returns the reply or the error; an empty error if nothing came back.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& hdl, Ts... xs) {
    return testing::ask<T>(*this, hdl, std::move(xs)...);
  }

  std::vector<float> centre(const ps_actor& ps) {
    auto w = ask<weights_msg>(ps, weights_atom::value);
    REQUIRE(w);
    return w->weights.values;
  }

  ps_stats stats(const ps_actor& ps) {
    auto s = ask<ps_stats>(ps, stats_atom::value);
    REQUIRE(s);
    return *s;
  }

  std::vector<ps_actor> servers;
};

} // namespace

TEST_CASE_FIXTURE(fixture, "parameter_server: a pull from a fresh server "
                           "returns the initial weights at version 0") {
  auto ps = spawn_ps(make_init("downpour", 2));
  // The request travels to the server and the reply back to the requester,
  // one message each.
  self->send(ps, pull_atom::value, std::uint32_t{1});
  expect((pull_atom, std::uint32_t), from(self).to(ps).with(_, 1u));
  CHECK(self->has_next_message());
  self->receive([&](weights_msg& w) {
    CHECK(w.version == 0);
    CHECK(w.weights.values == initial);
  });
  auto w = ask<weights_msg>(ps, pull_atom::value, std::uint32_t{0});
  REQUIRE(w);
  CHECK(w->version == 0);
  CHECK(w->weights.values == initial);
  auto s = stats(ps);
  CHECK(s.pulls == 2);
  CHECK(s.updates == 0);
  CHECK(s.bytes_out == 2 * initial.size() * sizeof(float));
}

TEST_CASE_FIXTURE(fixture, "parameter_server: commits add the payload to the "
                           "centre and exchange returns the new centre") {
  // DOWNPOUR adds deltas; ADAG adds its payload as given, because the
  // division by the window happens on the worker.
  for (const char* trainer : {"downpour", "adag"}) {
    CAPTURE(trainer);
    auto ps = spawn_ps(make_init(trainer, 2));
    auto ack = ask<commit_ack>(ps, commit_atom::value, make_commit(0, payload_a));
    REQUIRE(ack);
    CHECK(ack->updates == 1);
    auto w = ask<weights_msg>(ps, pull_atom::value, std::uint32_t{1});
    REQUIRE(w);
    CHECK(w->version == 1);
    CHECK(w->weights.values == plus(initial, payload_a));
    // Worker 1 saw update 1 at its pull; an exchange applies its payload and
    // answers with the centre after it.
    auto x = ask<weights_msg>(ps, exchange_atom::value,
                              make_commit(1, payload_b, 1));
    REQUIRE(x);
    CHECK(x->version == 2);
    CHECK(x->weights.values == plus(plus(initial, payload_a), payload_b));
    CHECK(centre(ps) == x->weights.values);
    auto s = stats(ps);
    CHECK(s.updates == 2);
    CHECK(s.rejected == 0);
    CHECK(s.bytes_in == 2 * initial.size() * sizeof(float));
  }
}

TEST_CASE_FIXTURE(fixture, "parameter_server: invalid commits are rejected "
                           "with bad_message and leave the centre alone") {
  auto ps = spawn_ps(make_init("adag", 2));
  REQUIRE(ask<commit_ack>(ps, commit_atom::value, make_commit(0, payload_a)));
  const auto before = centre(ps);
  REQUIRE(before == plus(initial, payload_a));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  struct bad_case {
    const char* what;
    commit_msg msg;
  };
  const std::vector<bad_case> cases = {
    {"payload one value short", make_commit(0, {1.0f, 2.0f, 3.0f})},
    {"payload one value long", make_commit(0, {1.0f, 2.0f, 3.0f, 4.0f, 5.0f})},
    {"worker id == workers", make_commit(2, payload_b)},
    {"worker id far out of range", make_commit(4000000000u, payload_b)},
    {"a NaN", make_commit(1, {0.0f, nan, 0.0f, 0.0f})},
    {"an infinity", make_commit(1, {0.0f, 0.0f, 0.0f, -inf})},
    {"last_update ahead of the server", make_commit(1, payload_b, 2)},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto ack = ask<commit_ack>(ps, commit_atom::value, c.msg);
    REQUIRE_FALSE(ack);
    CHECK(is_runtime_error(ack.error(), runtime_errc::bad_message));
    CHECK(centre(ps) == before);
  }
  // The same checks guard exchange, and a rejected exchange gets no centre.
  auto x = ask<weights_msg>(ps, exchange_atom::value, make_commit(1, {nan}));
  REQUIRE_FALSE(x);
  CHECK(is_runtime_error(x.error(), runtime_errc::bad_message));
  CHECK(describe(sys, x.error()).find("bad_message") == 0);
  // A pull from a worker outside the job is refused as well.
  auto p = ask<weights_msg>(ps, pull_atom::value, std::uint32_t{2});
  REQUIRE_FALSE(p);
  CHECK(is_runtime_error(p.error(), runtime_errc::bad_message));
  auto s = stats(ps);
  CHECK(s.updates == 1);
  CHECK(s.rejected == cases.size() + 2);
  CHECK(centre(ps) == before);
}

TEST_CASE_FIXTURE(fixture, "parameter_server: an unknown trainer makes every "
                           "request fail with bad_job") {
  auto ps = spawn_ps(make_init("nosuchrule", 2));
  auto w = ask<weights_msg>(ps, pull_atom::value, std::uint32_t{0});
  REQUIRE_FALSE(w);
  CHECK(is_runtime_error(w.error(), runtime_errc::bad_job));
  auto ack = ask<commit_ack>(ps, commit_atom::value, make_commit(0, payload_a));
  REQUIRE_FALSE(ack);
  CHECK(is_runtime_error(ack.error(), runtime_errc::bad_job));
}

TEST_CASE_FIXTURE(fixture, "parameter_server: Averaging answers a round's "
                           "exchanges only once every worker's model is in") {
  const std::vector<float> zeros(4, 0.0f);
  const std::vector<float> model_0 = {2.0f, 4.0f, 6.0f, -8.0f};
  const std::vector<float> model_1 = {4.0f, 8.0f, 10.0f, 0.0f};
  const std::vector<float> mean = {3.0f, 6.0f, 8.0f, -4.0f};
  auto ps = spawn_ps(make_init("averaging", 2, zeros));
  // Worker 0's exchange is consumed, but no reply comes back...
  auto first = self->request(ps, caf::infinite, exchange_atom::value,
                             make_commit(0, model_0));
  expect((exchange_atom, commit_msg), from(self).to(ps));
  run();
  CHECK_FALSE(self->has_next_message());
  // ... and a pull from worker 1 in the middle of the round waits too, as
  // the centre is still the previous round's.
  auto pulled = self->request(ps, caf::infinite, pull_atom::value,
                              std::uint32_t{1});
  run();
  CHECK_FALSE(self->has_next_message());
  CHECK(stats(ps).updates == 1);
  CHECK(centre(ps) == zeros);
  // Worker 1's exchange completes the round: all three get the mean.
  auto second = self->request(ps, caf::infinite, exchange_atom::value,
                              make_commit(1, model_1));
  run();
  auto got = [&](auto& handle) {
    std::vector<float> out;
    REQUIRE(self->has_next_message());
    handle.receive([&](weights_msg& w) { out = w.weights.values; },
                   [&](caf::error& err) { FAIL(describe(sys, err)); });
    return out;
  };
  CHECK(got(first) == mean);
  CHECK(got(pulled) == mean);
  CHECK(got(second) == mean);
  CHECK(centre(ps) == mean);
  // The next round starts from scratch: the mean of new models only.
  auto third = self->request(ps, caf::infinite, exchange_atom::value,
                             make_commit(1, model_0));
  run();
  CHECK_FALSE(self->has_next_message());
  auto fourth = self->request(ps, caf::infinite, exchange_atom::value,
                              make_commit(0, model_0));
  run();
  CHECK(got(third) == model_0);
  CHECK(got(fourth) == model_0);
}

TEST_CASE_FIXTURE(fixture, "parameter_server: with the int8 wire a worker "
                           "that asks gets deltas whose sum tracks the centre") {
  // 600 values: three blocks of the int8 code, values over four decades.
  std::vector<float> start(600);
  for (std::size_t k = 0; k < start.size(); ++k)
    start[k] = std::pow(10.0f, -static_cast<float>(k % 4)) * std::sin(0.1f * k);
  auto init = make_init("downpour", 2, start);
  init.job.wire = "int8";
  auto ps = spawn_ps(init);
  auto step = [&](std::size_t i) {
    std::vector<float> d(start.size());
    for (std::size_t k = 0; k < d.size(); ++k)
      d[k] = 1e-3f * std::cos(0.37f * static_cast<float>(k * (i + 1)));
    return d;
  };
  // Worker 0's first exchange asks for a delta but has no view yet: whole,
  // exact, fp32.
  auto x = ask<weights_msg>(ps, exchange_atom::value, [&] {
    auto c = make_commit(0, step(0));
    c.want_delta = true;
    return c;
  }());
  REQUIRE(x);
  CHECK_FALSE(x->delta);
  CHECK(x->weights.format == wire::exact_codec().format());
  CHECK(x->weights.values == centre(ps));
  std::vector<float> held = x->weights.values;
  // Worker 1 commits in between (it does not ask): worker 0's next answers
  // are deltas in the int8 code, and adding them up stays within one step of
  // the centre because the server's view moves by exactly what it sent.
  for (std::size_t i = 1; i <= 40; ++i) {
    REQUIRE(ask<commit_ack>(ps, commit_atom::value, make_commit(1, step(100 + i))));
    auto c = make_commit(0, step(i), 2 * i);
    c.want_delta = true;
    auto d = ask<weights_msg>(ps, exchange_atom::value, c);
    REQUIRE(d);
    CHECK(d->delta);
    CHECK(d->weights.format == wire::find_codec("int8")->format());
    // The delta travels coded; a worker reads it back as its deserializer
    // (or, on one node as here, receive_centre) does.
    d->weights.ensure_values();
    REQUIRE(d->weights.values.size() == held.size());
    for (std::size_t k = 0; k < held.size(); ++k)
      held[k] += d->weights.values[k];
  }
  const auto now = centre(ps);
  double worst = 0, moved = 0;
  for (std::size_t k = 0; k < now.size(); ++k) {
    worst = std::max(worst, static_cast<double>(std::fabs(now[k] - held[k])));
    moved = std::max(moved, static_cast<double>(std::fabs(now[k] - start[k])));
  }
  CHECK(moved > 0.01);          // the centre went somewhere ...
  CHECK(worst < 2e-3 / 127 * 2); // ... and the sum of deltas followed it
  // A pull that does not ask, and the driver's download, are whole.
  auto full = ask<weights_msg>(ps, pull_atom::value, std::uint32_t{1});
  REQUIRE(full);
  CHECK_FALSE(full->delta);
  CHECK(full->weights.values == now);
  // A replaced worker starts over from a whole centre.
  REQUIRE(ask<partition_cursor>(ps, reassign_atom::value, std::uint32_t{0}));
  auto fresh = ask<weights_msg>(ps, pull_atom::value, std::uint32_t{0}, true);
  REQUIRE(fresh);
  CHECK_FALSE(fresh->delta);
  CHECK(fresh->weights.values == now);
  auto next = ask<weights_msg>(ps, pull_atom::value, std::uint32_t{0}, true);
  REQUIRE(next);
  CHECK(next->delta);
  CHECK(std::all_of(next->weights.values.begin(), next->weights.values.end(),
                    [](float v) { return v == 0.0f; }));
}

namespace {

// A dynamic job of 5 chunks on `workers` workers.
ps_init dynamic_init(std::uint32_t workers) {
  auto init = make_init("adag", workers);
  init.job.schedule.partitioning = partitioning_mode::dynamic;
  init.chunks = 5;
  return init;
}

commit_msg chunk_commit(std::uint32_t worker, std::uint64_t chunk,
                        std::uint32_t generation = 0) {
  auto msg = make_commit(worker, payload_a);
  msg.chunk = chunk;
  msg.cursor.generation = generation;
  return msg;
}

} // namespace

TEST_CASE_FIXTURE(fixture, "parameter_server: dynamic partitioning leases chunks "
                           "and tops the lease up on every reply") {
  auto ps = spawn_ps(dynamic_init(2));
  CHECK(ask<chunk_grants>(ps, lease_atom::value, 0u, 0u, 2u) == chunk_grants{0, 1});
  CHECK(ask<chunk_grants>(ps, lease_atom::value, 1u, 0u, 1u) == chunk_grants{2});
  auto w = ask<weights_msg>(ps, exchange_atom::value, chunk_commit(0, 0));
  REQUIRE(w);
  CHECK(w->grants == chunk_grants{3});
  auto ack = ask<commit_ack>(ps, commit_atom::value, chunk_commit(1, 2));
  REQUIRE(ack);
  CHECK(ack->updates == 2);
  CHECK(ack->grants == chunk_grants{4});
  // Drained: replies grant nothing more.
  auto last = ask<commit_ack>(ps, commit_atom::value, chunk_commit(1, 4));
  REQUIRE(last);
  CHECK(last->grants.empty());
}

TEST_CASE_FIXTURE(fixture, "parameter_server: a commit of a chunk not leased to "
                           "that incarnation is refused and changes nothing") {
  auto ps = spawn_ps(dynamic_init(2));
  REQUIRE(ask<chunk_grants>(ps, lease_atom::value, 0u, 0u, 1u));
  REQUIRE(ask<chunk_grants>(ps, lease_atom::value, 1u, 0u, 1u));
  // Worker 1 claims worker 0's chunk; worker 0 claims a chunk never leased.
  for (auto msg : {chunk_commit(1, 0), chunk_commit(0, 3)}) {
    auto r = ask<commit_ack>(ps, commit_atom::value, msg);
    REQUIRE_FALSE(r);
    CHECK(is_runtime_error(r.error(), runtime_errc::bad_message));
  }
  CHECK(centre(ps) == initial);
  auto s = ask<ps_stats>(ps, stats_atom::value);
  REQUIRE(s);
  CHECK(s->rejected == 2);
  CHECK(s->updates == 0);
}

TEST_CASE_FIXTURE(fixture, "parameter_server: reassign puts the lost worker's "
                           "chunks back, and only the replacement applies them") {
  auto ps = spawn_ps(dynamic_init(2));
  CHECK(ask<chunk_grants>(ps, lease_atom::value, 0u, 0u, 2u) == chunk_grants{0, 1});
  auto at = ask<partition_cursor>(ps, reassign_atom::value, 0u);
  REQUIRE(at);
  CHECK(at->generation == 1);
  // The old incarnation's late commit is refused (its generation is old).
  CHECK_FALSE(ask<commit_ack>(ps, commit_atom::value, chunk_commit(0, 0, 0)));
  // Worker 1 takes the front of the queue: the released chunk 0 first.
  CHECK(ask<chunk_grants>(ps, lease_atom::value, 1u, 0u, 1u) == chunk_grants{0});
  CHECK(ask<chunk_grants>(ps, lease_atom::value, 0u, 1u, 1u) == chunk_grants{1});
  CHECK(ask<commit_ack>(ps, commit_atom::value, chunk_commit(0, 1, 1)));
  CHECK(ask<commit_ack>(ps, commit_atom::value, chunk_commit(1, 0, 0)));
  CHECK(centre(ps) == plus(plus(initial, payload_a), payload_a));
}

TEST_CASE_FIXTURE(fixture, "parameter_server: a restored queue hands out its "
                           "pending chunks first; Averaging refuses dynamic mode") {
  auto init = dynamic_init(1);
  init.queue.next_fresh = 3;
  init.queue.pending = {1};
  auto ps = spawn_ps(init);
  CHECK(ask<chunk_grants>(ps, lease_atom::value, 0u, 0u, 2u) == chunk_grants{1, 3});
  auto avg = make_init("averaging", 2);
  avg.job.schedule.partitioning = partitioning_mode::dynamic;
  avg.chunks = 5;
  auto bad = spawn_ps(avg);
  auto r = ask<chunk_grants>(bad, lease_atom::value, 0u, 0u, 1u);
  REQUIRE_FALSE(r);
  CHECK(is_runtime_error(r.error(), runtime_errc::bad_job));
}

TEST_CASE_FIXTURE(fixture, "parameter_server: a coded int8 payload (as the "
                           "deserializer keeps it) is checked from its bytes "
                           "and applied a run at a time, as its decoded "
                           "values would be; one that reads as an infinity "
                           "or is cut short is refused") {
  // Two runs of 4096 and a part: more than one run of the encoder's.
  const std::size_t n = 2 * 4096 + 700;
  std::vector<float> start(n), payload(n);
  for (std::size_t k = 0; k < n; ++k) {
    start[k] = 0.01f * std::sin(0.01f * static_cast<float>(k));
    payload[k] = 1e-3f * std::cos(0.37f * static_cast<float>(k));
  }
  const wire::codec& int8 = *wire::find_codec("int8");
  auto coded = [&](std::vector<float> v) {
    auto bytes = std::make_shared<wire::coded_values>();
    bytes->format = int8.format();
    bytes->count = v.size();
    int8.write_to(v.data(), v.size(), bytes->bytes);
    commit_msg msg = make_commit(0, {});
    msg.payload.format = int8.format();
    msg.payload.coded = bytes;
    return msg;
  };
  std::vector<float> rounded = payload;
  int8.round(rounded.data(), n);
  // ADAG and DynSGD (applied value by value) take it coded; Averaging
  // decodes it first. Each ends where the decoded values take it.
  for (const char* trainer : {"adag", "dynsgd", "averaging"}) {
    CAPTURE(trainer);
    auto init = make_init(trainer, 1, start);
    init.job.wire = "int8";
    auto ps = spawn_ps(init);
    auto x = ask<weights_msg>(ps, exchange_atom::value, coded(payload));
    REQUIRE(x);
    const auto expect = std::string{trainer} == "averaging" ? rounded : plus(start, rounded);
    CHECK(centre(ps) == expect);
    CHECK(stats(ps).bytes_in == n * sizeof(float));
    // A payload with a NaN, or of another size, is refused and changes nothing.
    auto bad = payload;
    bad[n - 3] = std::numeric_limits<float>::quiet_NaN();
    auto r = ask<weights_msg>(ps, exchange_atom::value, coded(bad));
    REQUIRE_FALSE(r);
    CHECK(is_runtime_error(r.error(), runtime_errc::bad_message));
    // Bytes no encoder writes: block 1's scale 2^121 with the code -128,
    // which reads as -2^128 = -inf (finite scales; 127 * 2^121 is finite
    // too), and bytes one short of their count.
    auto overflow = coded(payload);
    auto bytes = std::make_shared<wire::coded_values>(*overflow.payload.coded);
    const float p121 = std::ldexp(1.0f, 121);
    std::memcpy(bytes->bytes.data() + 4, &p121, 4);
    bytes->bytes[4 * int8_blocks(n) + int8_block + 9] = static_cast<char>(-128);
    overflow.payload.coded = bytes;
    auto o = ask<weights_msg>(ps, exchange_atom::value, overflow);
    REQUIRE_FALSE(o);
    CHECK(is_runtime_error(o.error(), runtime_errc::bad_message));
    auto cut = coded(payload);
    auto fewer = std::make_shared<wire::coded_values>(*cut.payload.coded);
    fewer->bytes.pop_back();
    cut.payload.coded = fewer;
    auto c = ask<weights_msg>(ps, exchange_atom::value, cut);
    REQUIRE_FALSE(c);
    CHECK(is_runtime_error(c.error(), runtime_errc::bad_message));
    auto shorter = ask<weights_msg>(ps, exchange_atom::value,
                                    coded(std::vector<float>(n - 1, 0.5f)));
    REQUIRE_FALSE(shorter);
    CHECK(centre(ps) == expect);
  }
}
