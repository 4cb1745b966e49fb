// Run checkpoints (runtime/run_checkpoint.hpp): the job spec and the server's
// state survive to_checkpoint / from_checkpoint with every part intact (the
// learning-rate schedule too, so a resumed run's rate at each batch is the
// uninterrupted run's), and checkpoints written before the schedule
// (protocols 4 and 5) and before the job spec had parts (protocol 3, the
// flat layout under "job") still resume, at the constant rate they had.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/optim/lr_schedule.hpp"
#include "actors/runtime/run_checkpoint.hpp"

using namespace actors;

namespace {

run_state sample_state() {
  run_state rs;
  rs.job.job_id = 77;
  rs.job.model_spec = "input height=4 width=4 channels=1\n";
  rs.job.trainer.name = "eamsgd";
  rs.job.trainer.window = 7;
  rs.job.trainer.rho = 2.5;
  rs.job.trainer.momentum = 0.8;
  rs.job.trainer.workers = 2;
  rs.job.optimizer.name = "sgd";
  rs.job.optimizer.learning_rate = 0.05f;
  rs.job.optimizer.nesterov = true;
  rs.job.optimizer.lr_schedule = "step:2:0.5";
  rs.job.optimizer.warmup = 7;
  rs.job.schedule.epochs = 3;
  rs.job.schedule.batch_size = 8;
  rs.job.schedule.seed = 9;
  rs.job.schedule.scale_max = 250;
  rs.job.schedule.partitioning = partitioning_mode::dynamic;
  rs.job.wire = "int8";
  rs.dataset = "fashion";
  rs.server.updates = 12;
  rs.server.weights.values = {1.0f, -2.0f, 0.5f};
  rs.server.cursors = {{10, 1, 0}, {11, 0, 2}};
  rs.server.queue = {40, {17, 38, 39}};
  return rs;
}

// The job spec as protocols 4 and 5 wrote it: the optimizer's part ended at
// epsilon (no lr_schedule, no warmup); protocol 4's schedule at
// timeout_seconds, protocol 5's at overlap.
std::string unscheduled_job_bytes(const job_spec& j, int protocol) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  const auto& o = j.optimizer;
  const auto& s = j.schedule;
  REQUIRE_FALSE(sink(j.job_id, j.model_spec, j.trainer, o.name, o.learning_rate,
                     o.momentum, o.nesterov, o.rho, o.beta1, o.beta2, o.epsilon,
                     s.epochs, s.batch_size, s.seed, s.scale_max,
                     s.progress_every, s.timeout_seconds));
  if (protocol >= 5)
    REQUIRE_FALSE(sink(s.partitioning, s.overlap));
  REQUIRE_FALSE(sink(j.wire));
  return {buf.begin(), buf.end()};
}

} // namespace

TEST_CASE("run checkpoint: the job spec's parts and the server state round-trip") {
  const run_state in = sample_state();
  auto out = from_checkpoint(to_checkpoint(in), "test");
  REQUIRE(out.has_value());
  const job_spec& job = out->job;
  CHECK(job.job_id == 77);
  CHECK(job.model_spec == in.job.model_spec);
  CHECK(job.trainer.name == "eamsgd");
  CHECK(job.trainer.window == 7);
  CHECK(job.trainer.rho == 2.5);
  CHECK(job.trainer.elastic_lr == -1);
  CHECK(job.trainer.momentum == 0.8);
  CHECK(job.trainer.workers == 2);
  CHECK(job.optimizer.name == "sgd");
  CHECK(job.optimizer.learning_rate == 0.05f);
  CHECK(job.optimizer.nesterov);
  CHECK(job.optimizer.beta2 == 0.999f);
  CHECK(job.optimizer.lr_schedule == "step:2:0.5");
  CHECK(job.optimizer.warmup == 7);
  CHECK(job.schedule.epochs == 3);
  CHECK(job.schedule.batch_size == 8);
  CHECK(job.schedule.seed == 9);
  CHECK(job.schedule.scale_max == 250);
  CHECK(job.schedule.partitioning == partitioning_mode::dynamic);
  CHECK(job.wire == "int8");
  CHECK(out->dataset == "fashion");
  CHECK(out->server.updates == 12);
  CHECK(out->server.weights.values == in.server.weights.values);
  REQUIRE(out->server.cursors.size() == 2);
  CHECK(out->server.cursors[1].batches_done == 11);
  CHECK(out->server.cursors[1].generation == 2);
  // Dynamic partitioning: the chunk queue, leased chunks as pending.
  CHECK(out->server.queue.next_fresh == 40);
  CHECK(out->server.queue.pending == std::vector<std::uint64_t>{17, 38, 39});
}

TEST_CASE("run checkpoint: the resumed run's learning rate is the uninterrupted run's") {
  // The run: 3 epochs of 10 batches per worker, a warm-up of 7 batches, then
  // halved every 2 epochs. The schedule a worker builds from the resumed
  // job spec gives the same rate at every batch as the original's, e.g.
  // lr * 3/7 at batch 2 (warm-up), lr at 7, lr * 0.5 at 20-29.
  const run_state in = sample_state();
  auto out = from_checkpoint(to_checkpoint(in), "test");
  REQUIRE(out.has_value());
  auto shape_in = parse_lr_schedule(in.job.optimizer.lr_schedule);
  auto shape_out = parse_lr_schedule(out->job.optimizer.lr_schedule);
  REQUIRE(shape_in.has_value());
  REQUIRE(shape_out.has_value());
  const lr_schedule before{*shape_in, in.job.optimizer.warmup, 30, 10};
  const lr_schedule after{*shape_out, out->job.optimizer.warmup, 30, 10};
  for (std::size_t t = 0; t < 30; ++t)
    CHECK(after.factor(t) == before.factor(t));
  CHECK(after.factor(2) == doctest::Approx(3.0 / 7.0));
  CHECK(after.factor(7) == 1.0);
  CHECK(after.factor(25) == 0.5);
}

TEST_CASE("run checkpoint: protocol-4 and -5 checkpoints (no schedule) resume at the constant rate") {
  for (int protocol : {4, 5}) {
    CAPTURE(protocol);
    checkpoint c = to_checkpoint(sample_state());
    if (protocol == 4) {
      c.counters.erase("queue.next_fresh");
      c.counters.erase("queue.pending");
    }
    c.meta["job_spec"] = unscheduled_job_bytes(sample_state().job, protocol);
    auto out = from_checkpoint(c, "old");
    REQUIRE(out.has_value());
    const job_spec& job = out->job;
    CHECK(job.trainer.name == "eamsgd");
    CHECK(job.optimizer.name == "sgd");
    CHECK(job.optimizer.learning_rate == 0.05f);
    CHECK(job.optimizer.nesterov);
    CHECK(job.optimizer.lr_schedule == "constant");
    CHECK(job.optimizer.warmup == 0);
    CHECK(job.schedule.epochs == 3);
    CHECK(job.schedule.scale_max == 250);
    CHECK(job.wire == "int8");
    if (protocol == 4) {
      CHECK(job.schedule.partitioning == partitioning_mode::fixed);
      CHECK(out->server.queue == chunk_queue_state{});
    } else {
      CHECK(job.schedule.partitioning == partitioning_mode::dynamic);
      CHECK(out->server.queue.next_fresh == 40);
    }
  }
}

TEST_CASE("run checkpoint: a protocol-3 checkpoint (flat job) still resumes") {
  checkpoint c = to_checkpoint(sample_state());
  c.meta.erase("job_spec");
  // The job description as protocol 3 wrote it: one flat struct, field by
  // field (id, model, trainer, window, rho, elastic_lr, momentum,
  // num_ensembles, workers (32 bit), optimizer, learning rate, optimizer
  // momentum, nesterov, epochs, batch, seed, scale_max (float), timeout,
  // progress_every, wire (a byte: 1 = fp16)).
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  REQUIRE_FALSE(sink(std::uint64_t{5}, std::string{"flatten\n"},
                     std::string{"downpour"}, std::uint64_t{4}, -1.0, 0.2, -1.0,
                     std::uint64_t{0}, std::uint32_t{2}, std::string{"adagrad"},
                     0.02, 0.0, false, std::uint64_t{6}, std::uint64_t{16},
                     std::uint64_t{3}, 250.0f, 60.0, std::uint64_t{50},
                     std::uint8_t{1}));
  c.meta["job"].assign(buf.begin(), buf.end());
  auto out = from_checkpoint(c, "old");
  REQUIRE(out.has_value());
  const job_spec& job = out->job;
  CHECK(job.job_id == 5);
  CHECK(job.model_spec == "flatten\n");
  CHECK(job.trainer.name == "downpour");
  CHECK(job.trainer.window == 4);
  CHECK(job.trainer.elastic_lr == 0.2);
  CHECK(job.trainer.workers == 2);
  CHECK(job.optimizer.name == "adagrad");
  CHECK(job.optimizer.learning_rate == 0.02f);
  CHECK(job.schedule.epochs == 6);
  CHECK(job.schedule.batch_size == 16);
  CHECK(job.schedule.seed == 3);
  CHECK(job.schedule.timeout_seconds == 60);
  CHECK(job.wire == "fp16");
}

TEST_CASE("run checkpoint: no job description, or an unreadable one, is refused") {
  checkpoint c = to_checkpoint(sample_state());
  c.meta["job_spec"] = "garbage";
  auto bad = from_checkpoint(c, "f");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message() == "f: unreadable job description");
  c.meta.erase("job_spec");
  auto none = from_checkpoint(c, "f");
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message() == "f: checkpoint has no job description");
}

TEST_CASE("job spec: prints its parts (CAF's inspect without type names)") {
  job_spec job;
  job.trainer.name = "adag";
  const std::string text = caf::deep_to_string(job);
  CHECK(text.find("adag") != std::string::npos);
  CHECK(text.find("fp32") != std::string::npos);
}
