// Helpers shared by the actor tests: a one-node configuration and a request
// that runs the test coordinator until the reply is in.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "caf_doctest_bridge.hpp"

#include "actors/nn/model_spec.hpp"
#include "actors/runtime/node_config.hpp"
#include "actors/runtime/protocol.hpp"

namespace actors::testing {

/// One node named "sim" with one compute thread per worker (a pool of one
/// starts no threads: a worker computes on the coordinator's thread).
struct sim_config : node_config {
  sim_config() {
    node_settings s;
    s.name = "sim";
    s.threads = 1;
    apply(s);
  }
};

/// 4x4 grey images, 3 classes: 16 * 3 + 3 = 51 parameters.
inline const char* tiny_spec = "input height=4 width=4 channels=1\n"
                               "flatten\n"
                               "dense units=3 activation=softmax\n";

/// A job on the tiny model: SGD at 0.1, window 2, batch 4, no progress
/// messages in the way of the messages a test follows.
inline job_spec tiny_job(const std::string& trainer, std::uint32_t workers,
                         std::uint64_t epochs, std::uint64_t seed) {
  job_spec job;
  job.job_id = seed;
  job.model_spec = tiny_spec;
  job.trainer.name = trainer;
  job.trainer.window = 2;
  job.trainer.workers = workers;
  job.optimizer.name = "sgd";
  job.optimizer.learning_rate = 0.1f;
  job.schedule.epochs = epochs;
  job.schedule.batch_size = 4;
  job.schedule.seed = seed;
  job.schedule.progress_every = 1000;
  return job;
}

/// `rows` images of class (r + worker) % 3 whose brightness sits in one
/// third of the image per class, so the classes are learnable.
inline shard_data make_shard(std::uint32_t worker, std::uint64_t rows) {
  shard_data s;
  s.worker = worker;
  s.rows = rows;
  s.height = 4;
  s.width = 4;
  s.channels = 1;
  s.classes = 3;
  for (std::uint64_t r = 0; r < rows; ++r) {
    const auto label = static_cast<std::uint8_t>((r + worker) % 3);
    for (std::size_t p = 0; p < 16; ++p) {
      const bool lit = p / 6 == label;
      s.pixels.push_back(static_cast<std::uint8_t>(lit ? 200 + (r % 50) : r % 20));
    }
    s.labels.push_back(label);
  }
  return s;
}

/// The tiny model's weights drawn with `seed`.
inline std::vector<float> tiny_weights(std::uint64_t seed) {
  auto m = parse_model_spec(tiny_spec, "tiny");
  REQUIRE(m);
  m.value().init(seed);
  const auto& net = m.value();
  return std::vector<float>(net.params(), net.params() + net.param_count());
}

/// Sends a request from the fixture's `self`, runs the system until it is
/// idle and returns the reply or the error; an empty error if nothing came
/// back.
template <class T, class Fixture, class Handle, class... Ts>
caf::expected<T> ask(Fixture& f, const Handle& hdl, Ts... xs) {
  auto handle = f.self->request(hdl, caf::infinite, std::move(xs)...);
  f.run();
  caf::expected<T> out{caf::error{}};
  if (!f.self->has_next_message())
    return out;
  handle.receive([&](T& x) { out = std::move(x); },
                 [&](caf::error& err) { out = std::move(err); });
  return out;
}

/// A test-coordinator fixture that stops every actor it keep()s at its end
/// (a server holding promises keeps itself alive, and a failed test must
/// not hang the actor system's shutdown) and asks servers for their stats.
template <class Config>
struct keeping_fixture : test_coordinator_fixture<Config> {
  ~keeping_fixture() override {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    this->run();
  }

  template <class Handle>
  Handle keep(Handle h) {
    spawned.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  ps_stats stats(const ps_actor& ps) {
    auto s = ask<ps_stats>(*this, ps, stats_atom::value);
    REQUIRE(s);
    return *s;
  }

  std::vector<caf::actor> spawned;
};

} // namespace actors::testing
