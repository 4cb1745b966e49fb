#include "actors/runtime/data_loader.hpp"

#include <cstdio>
#include <map>

#include "actors/data/dataset.hpp"
#include "actors/data/holdout.hpp"
#include "actors/nn/model_io.hpp"

namespace actors {

namespace {

struct loader_state {
  // (Not `name`: CAF would take that for the actor's name.)
  std::string node;
  std::string data_dir;
  std::uint32_t workers = 1;
  std::uint32_t threads = 1;
  std::uint64_t job_id = 0;
  std::string driver;
  std::map<std::uint32_t, shard_data> shards;
};

// Logs the job's end when the loader stops. The state is gone by then (CAF
// destroys it before running attached functors), so the values are copied.
void log_job_end(loader_actor::stateful_pointer<loader_state> self,
                 std::string node, std::uint64_t job_id, std::string driver) {
  self->attach_functor([node, job_id, driver](const caf::error& reason) {
    std::fprintf(stderr, "node %s: job %llu end (driver %s)%s\n", node.c_str(),
                 static_cast<unsigned long long>(job_id), driver.c_str(),
                 reason && reason != caf::exit_reason::user_shutdown
                   ? ", stopped abnormally"
                   : "");
  });
}

} // namespace

shard_data cut_shard(const dataset& d, std::uint32_t worker,
                     const std::vector<std::uint32_t>& rows) {
  dataset part = subset(d, rows);
  shard_data s;
  s.worker = worker;
  s.rows = part.rows;
  s.height = part.height;
  s.width = part.width;
  s.channels = part.channels;
  s.classes = part.classes;
  s.pixels = std::move(part.pixels);
  s.labels = std::move(part.labels);
  return s;
}

std::uint32_t labels_checksum(const std::vector<std::uint8_t>& labels) {
  return crc32_of(labels.data(), labels.size());
}

namespace {

using loader_pointer = loader_actor::stateful_pointer<loader_state>;

// The job's first message: checks the driver speaks our protocol, then
// watches it and names this node.
caf::result<node_info> hello(loader_pointer self, const hello_msg& h) {
  auto* st = &self->state;
  if (h.byte_order != byte_order_mark)
    return make_runtime_error(runtime_errc::incompatible_peer,
                              "node " + st->node
                                + ": driver has another byte order");
  if (h.protocol != protocol_version)
    return make_runtime_error(
      runtime_errc::incompatible_peer,
      "node " + st->node + " speaks protocol "
        + std::to_string(protocol_version) + ", driver speaks "
        + std::to_string(h.protocol));
  if (st->job_id == 0 && h.job_id != 0)
    log_job_end(self, st->node, h.job_id, h.driver);
  st->job_id = h.job_id;
  st->driver = h.driver;
  if (auto sender = caf::actor_cast<caf::actor>(self->current_sender())) {
    // Stop (and log the job's end) when the driver goes away.
    self->monitor(sender);
    const auto addr = sender.address();
    self->set_down_handler([self, addr](caf::down_msg& dm) {
      if (dm.source == addr)
        self->quit(caf::exit_reason::user_shutdown);
    });
  }
  std::fprintf(stderr, "node %s: job %llu start (driver %s)\n",
               st->node.c_str(), static_cast<unsigned long long>(h.job_id),
               h.driver.c_str());
  node_info info;
  info.name = st->node;
  info.workers = st->workers;
  info.threads = st->threads;
  return info;
}

loader_actor::behavior_type data_loader(loader_pointer self) {
  auto* st = &self->state;
  const auto& cfg = self->system().config();
  st->node = caf::get_or(cfg, "node.name", "local");
  st->data_dir = caf::get_or(cfg, "node.data-dir", "data");
  st->workers = static_cast<std::uint32_t>(caf::get_or(cfg, "node.workers", 1));
  st->threads = static_cast<std::uint32_t>(caf::get_or(cfg, "node.threads", 1));
  return {
    [self](hello_atom, const hello_msg& h) { return hello(self, h); },
    [=](load_atom, const shard_request& req) -> caf::result<std::uint64_t> {
      if (req.workers.size() != req.indices.size())
        return make_runtime_error(runtime_errc::bad_message,
                                  "shard request: workers and indices differ in length");
      auto d = load_dataset(st->data_dir, req.dataset, req.split);
      if (!d)
        return make_runtime_error(runtime_errc::data_not_found,
                                  "node " + st->node + ": " + d.error().message());
      if (d->rows != req.rows || labels_checksum(d->labels) != req.labels_crc)
        return make_runtime_error(
          runtime_errc::data_mismatch,
          "node " + st->node + ": its " + req.dataset + " " + req.split
            + " set (" + std::to_string(d->rows)
            + " rows) differs from the driver's (" + std::to_string(req.rows)
            + " rows)");
      std::uint64_t total = 0;
      for (std::size_t k = 0; k < req.workers.size(); ++k) {
        for (auto row : req.indices[k])
          if (row >= d->rows)
            return make_runtime_error(runtime_errc::bad_message,
                                      "shard request: row out of range");
        st->shards[req.workers[k]] = cut_shard(*d, req.workers[k], req.indices[k]);
        total += req.indices[k].size();
      }
      return total;
    },
    [=](put_atom, shard_data& s) -> caf::result<std::uint64_t> {
      const std::uint64_t features = s.height * s.width * s.channels;
      if (s.labels.size() != s.rows || s.pixels.size() != s.rows * features)
        return make_runtime_error(runtime_errc::bad_message,
                                  "shard for worker " + std::to_string(s.worker)
                                    + ": sizes do not match its shape");
      const auto rows = s.rows;
      st->shards[s.worker] = std::move(s);
      return rows;
    },
    [=](shard_atom, std::uint32_t worker) -> caf::result<shard_data> {
      auto it = st->shards.find(worker);
      if (it == st->shards.end())
        return make_runtime_error(runtime_errc::data_not_found,
                                  "node " + st->node + " holds no shard for worker "
                                    + std::to_string(worker));
      shard_data out = std::move(it->second);
      st->shards.erase(it);
      return out;
    },
  };
}

} // namespace

loader_actor spawn_data_loader(caf::actor_system& sys) {
  return sys.spawn(data_loader);
}

caf::actor_factory data_loader_factory() {
  return caf::make_actor_factory(data_loader);
}

} // namespace actors
