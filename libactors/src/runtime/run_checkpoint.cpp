#include "actors/runtime/run_checkpoint.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/wire/codec.hpp"

namespace actors {

namespace {

// Keys of the checkpoint's maps. The job spec of protocol 4 and later lives
// under "job_spec" (protocol 4's schedule had no partitioning, protocols 4
// and 5 no learning-rate schedule: unscheduled_job below); files written
// before keep the flat layout under "job".
constexpr const char* job_key = "job_spec";
constexpr const char* legacy_job_key = "job";
constexpr const char* dataset_key = "dataset";
constexpr const char* centre_key = "centre";
constexpr const char* updates_key = "updates";
constexpr const char* batches_key = "cursor.batches_done";
constexpr const char* stage_key = "cursor.stage";
constexpr const char* generation_key = "cursor.generation";
// Dynamic partitioning's chunk queue (cluster/chunk_queue.hpp); absent in
// files written before protocol 5, which were all static.
constexpr const char* queue_next_key = "queue.next_fresh";
constexpr const char* queue_pending_key = "queue.pending";

// The flat job description checkpoints held before the job spec had parts
// (protocol 3), in its serialized order; read only.
struct legacy_job {
  std::uint64_t job_id = 0;
  std::string model_spec, trainer;
  std::uint64_t window = 0;
  double rho = -1, elastic_lr = -1, momentum = -1;
  std::uint64_t num_ensembles = 0;
  std::uint32_t workers = 1;
  std::string optimizer;
  double learning_rate = -1, optimizer_momentum = 0;
  bool nesterov = false;
  std::uint64_t epochs = 1, batch_size = 32, seed = 42;
  float scale_max = 255;
  double timeout_seconds = 120;
  std::uint64_t progress_every = 50;
  std::uint8_t wire = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, legacy_job& x) {
  return f(x.job_id, x.model_spec, x.trainer, x.window, x.rho, x.elastic_lr,
           x.momentum, x.num_ensembles, x.workers, x.optimizer, x.learning_rate,
           x.optimizer_momentum, x.nesterov, x.epochs, x.batch_size, x.seed,
           x.scale_max, x.timeout_seconds, x.progress_every, x.wire);
}

// The one place that maps the old flat fields onto the spec's parts.
bool read_legacy_job(const std::string& bytes, job_spec& out) {
  legacy_job x;
  caf::binary_deserializer src{nullptr, bytes.data(), bytes.size()};
  if (src(x))
    return false;
  // Old checkpoints named the wire by its codec's format byte.
  const wire::codec* codec = wire::codec_of_format(x.wire);
  if (codec == nullptr)
    return false;
  out.job_id = x.job_id;
  out.model_spec = x.model_spec;
  out.trainer = {x.trainer, x.window, x.rho, x.elastic_lr, x.momentum,
                 x.num_ensembles, x.workers};
  out.optimizer.name = x.optimizer;
  out.optimizer.learning_rate = static_cast<float>(x.learning_rate);
  out.optimizer.momentum = static_cast<float>(x.optimizer_momentum);
  out.optimizer.nesterov = x.nesterov;
  out.schedule = {x.epochs, x.batch_size, x.seed, x.scale_max,
                  x.progress_every, x.timeout_seconds};
  out.wire = std::string{codec->name()};
  return true;
}

// The job spec as protocols 4 and 5 wrote it under "job_spec", read only.
// Both had no learning-rate schedule (protocol 6 added `lr_schedule` and
// `warmup` to the optimizer's part): those runs trained at the constant
// rate, which the defaults left in the two fields say, so they resume at it.
// Protocol 4's schedule ended at timeout_seconds (no partitioning, no
// overlap: those runs were static and did not overlap); protocol 5 added
// both.
struct unscheduled_job {
  job_spec spec;
  int protocol = 5;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unscheduled_job& x) {
  auto& j = x.spec;
  auto& o = j.optimizer;
  auto& s = j.schedule;
  if (auto err = f(j.job_id, j.model_spec, j.trainer, o.name, o.learning_rate,
                   o.momentum, o.nesterov, o.rho, o.beta1, o.beta2, o.epsilon,
                   s.epochs, s.batch_size, s.seed, s.scale_max,
                   s.progress_every, s.timeout_seconds))
    return err;
  if (x.protocol >= 5)
    if (auto err = f(s.partitioning, s.overlap))
      return err;
  return f(j.wire);
}

// Whether `bytes` are exactly a `T` (nothing left over), read into `out`.
template <class T>
bool read_exactly(const std::string& bytes, T& out) {
  caf::binary_deserializer src{nullptr, bytes.data(), bytes.size()};
  return !src(out) && src.remaining() == 0;
}

// The job spec under "job_spec", in this protocol's layout (6 and later:
// the learning-rate schedule included), protocol 5's or protocol 4's.
bool read_job_spec(const std::string& bytes, job_spec& out) {
  if (read_exactly(bytes, out))
    return true;
  for (int protocol : {5, 4}) {
    unscheduled_job old;
    old.protocol = protocol;
    if (read_exactly(bytes, old)) {
      out = std::move(old.spec);
      return true;
    }
  }
  return false;
}

} // namespace

checkpoint to_checkpoint(const run_state& state) {
  checkpoint c;
  c.sequence = state.server.updates;
  std::vector<char> buf;
  // No actor handles in a job_spec: no actor system needed.
  caf::binary_serializer sink{nullptr, buf};
  job_spec job = state.job;
  // A job_spec always serializes; an error here would be a CAF bug.
  static_cast<void>(sink(job));
  c.meta[job_key].assign(buf.begin(), buf.end());
  c.meta[dataset_key] = state.dataset;
  // Readable copies for a human with a hex dump; not read back.
  c.meta["trainer"] = state.job.trainer.name;
  c.meta["model_spec"] = state.job.model_spec;
  c.tensors[centre_key] = state.server.weights.values;
  c.counters[updates_key] = {state.server.updates};
  auto& b = c.counters[batches_key];
  auto& s = c.counters[stage_key];
  auto& g = c.counters[generation_key];
  for (auto& cur : state.server.cursors) {
    b.push_back(cur.batches_done);
    s.push_back(cur.stage);
    g.push_back(cur.generation);
  }
  c.counters[queue_next_key] = {state.server.queue.next_fresh};
  c.counters[queue_pending_key] = state.server.queue.pending;
  return c;
}

result<run_state> from_checkpoint(const checkpoint& c, const std::string& source) {
  auto missing = [&](const std::string& what) {
    return status::corruption(source + ": checkpoint has no " + what);
  };
  run_state out;
  if (auto job = c.meta.find(job_key); job != c.meta.end()) {
    if (!read_job_spec(job->second, out.job))
      return status::corruption(source + ": unreadable job description");
  } else if (auto old = c.meta.find(legacy_job_key); old != c.meta.end()) {
    if (!read_legacy_job(old->second, out.job))
      return status::corruption(source + ": unreadable job description");
  } else {
    return missing("job description");
  }
  auto ds = c.meta.find(dataset_key);
  if (ds == c.meta.end())
    return missing("data set name");
  out.dataset = ds->second;
  auto centre = c.tensors.find(centre_key);
  if (centre == c.tensors.end())
    return missing("centre variable");
  out.server.weights.values = centre->second;
  auto counter = [&](const char* key) -> const std::vector<std::uint64_t>* {
    auto it = c.counters.find(key);
    return it == c.counters.end() ? nullptr : &it->second;
  };
  auto* updates = counter(updates_key);
  auto* b = counter(batches_key);
  auto* s = counter(stage_key);
  auto* g = counter(generation_key);
  if (!updates || updates->size() != 1)
    return missing("update count");
  if (!b || !s || !g || b->size() != s->size() || b->size() != g->size())
    return missing("consistent partition cursors");
  if (b->size() != out.job.trainer.workers)
    return status::corruption(source + ": " + std::to_string(b->size())
                              + " partition cursors for a job of "
                              + std::to_string(out.job.trainer.workers) + " workers");
  out.server.updates = updates->front();
  for (std::size_t w = 0; w < b->size(); ++w) {
    partition_cursor cur;
    cur.batches_done = (*b)[w];
    cur.stage = static_cast<std::uint32_t>((*s)[w]);
    cur.generation = static_cast<std::uint32_t>((*g)[w]);
    if (cur.stage > 2)
      return status::corruption(source + ": partition " + std::to_string(w)
                                + " has cursor stage " + std::to_string(cur.stage)
                                + " (expected 0, 1 or 2)");
    out.server.cursors.push_back(cur);
  }
  if (auto* next = counter(queue_next_key); next != nullptr) {
    if (next->size() != 1)
      return missing("chunk queue position");
    out.server.queue.next_fresh = next->front();
  }
  if (auto* pending = counter(queue_pending_key); pending != nullptr)
    out.server.queue.pending = *pending;
  return out;
}

} // namespace actors
