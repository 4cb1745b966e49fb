#include "actors/runtime/run_checkpoint.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

namespace actors {

namespace {

// Keys of the checkpoint's maps.
constexpr const char* job_key = "job";
constexpr const char* dataset_key = "dataset";
constexpr const char* centre_key = "centre";
constexpr const char* updates_key = "updates";
constexpr const char* batches_key = "cursor.batches_done";
constexpr const char* stage_key = "cursor.stage";
constexpr const char* generation_key = "cursor.generation";

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
  c.meta["trainer"] = state.job.trainer;
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
  return c;
}

result<run_state> from_checkpoint(const checkpoint& c, const std::string& source) {
  auto missing = [&](const std::string& what) {
    return status::corruption(source + ": checkpoint has no " + what);
  };
  run_state out;
  auto job = c.meta.find(job_key);
  if (job == c.meta.end())
    return missing("job description");
  caf::binary_deserializer src{nullptr, job->second.data(), job->second.size()};
  if (auto err = src(out.job))
    return status::corruption(source + ": unreadable job description");
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
  if (b->size() != out.job.workers)
    return status::corruption(source + ": " + std::to_string(b->size())
                              + " partition cursors for a job of "
                              + std::to_string(out.job.workers) + " workers");
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
  return out;
}

} // namespace actors
