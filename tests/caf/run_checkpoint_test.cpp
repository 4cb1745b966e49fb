// Run checkpoints (runtime/run_checkpoint.hpp): the job spec and the server's
// state survive to_checkpoint / from_checkpoint with every part intact, and a
// checkpoint written before the job spec had parts (protocol 3, the flat
// layout under "job") still resumes.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

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

TEST_CASE("run checkpoint: a protocol-4 checkpoint (no partitioning) resumes static") {
  checkpoint c = to_checkpoint(sample_state());
  c.counters.erase("queue.next_fresh");
  c.counters.erase("queue.pending");
  // The job spec as protocol 4 wrote it: the schedule ends at its timeout.
  job_spec old = sample_state().job;
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  auto& s = old.schedule;
  REQUIRE_FALSE(sink(old.job_id, old.model_spec, old.trainer, old.optimizer,
                     s.epochs, s.batch_size, s.seed, s.scale_max,
                     s.progress_every, s.timeout_seconds, old.wire));
  c.meta["job_spec"].assign(buf.begin(), buf.end());
  auto out = from_checkpoint(c, "v4");
  REQUIRE(out.has_value());
  CHECK(out->job.trainer.name == "eamsgd");
  CHECK(out->job.schedule.epochs == 3);
  CHECK(out->job.schedule.partitioning == partitioning_mode::fixed);
  CHECK(out->job.wire == "int8");
  CHECK(out->server.queue == chunk_queue_state{});
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
