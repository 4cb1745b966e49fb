#include "actors/runtime/node_config.hpp"

#include <caf/io/all.hpp>

#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/runtime/worker.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

namespace actors {

namespace {

// Actors spawned by drivers on this node, for stop_served_actors().
std::mutex served_mtx;
std::vector<caf::actor> served;

// Wraps a factory so every actor it makes is remembered.
caf::actor_factory remembered(caf::actor_factory inner) {
  return [inner](caf::actor_config& cfg,
                 caf::message& args) -> caf::actor_factory_result {
    auto res = inner(cfg, args);
    if (res.first) {
      auto hdl = caf::actor_cast<caf::actor>(res.first);
      {
        std::lock_guard<std::mutex> guard{served_mtx};
        served.push_back(hdl);
      }
      // Forget it once it is gone, so a long-lived node does not collect
      // handles of every job it ever ran.
      const auto addr = hdl.address();
      res.first->get()->attach_functor([addr] {
        std::lock_guard<std::mutex> guard{served_mtx};
        served.erase(std::remove_if(served.begin(), served.end(),
                                    [&](const caf::actor& a) {
                                      return a.address() == addr;
                                    }),
                     served.end());
      });
    }
    return res;
  };
}

// Reads node.detached-actors ("true"/"false": a string for CAF, as
// node.insecure) from the running system's configuration.
bool detached_actors(const caf::actor_system_config& cfg) {
  return caf::get_or(cfg, "node.detached-actors",
                     std::string{node_settings{}.detached_actors ? "true" : "false"})
         != "false";
}

// Wraps a factory so the actor it makes runs detached (a thread of its own)
// when node.detached-actors is on at the time of the spawn.
caf::actor_factory detached_if_configured(caf::actor_factory inner) {
  return [inner](caf::actor_config& cfg,
                 caf::message& args) -> caf::actor_factory_result {
    if (detached_actors(cfg.host->system().config()))
      cfg.flags |= caf::abstract_actor::is_detached_flag;
    return inner(cfg, args);
  };
}

} // namespace

void stop_served_actors() {
  std::vector<caf::actor> all;
  {
    std::lock_guard<std::mutex> guard{served_mtx};
    all.swap(served);
  }
  for (auto& a : all)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

node_config::node_config() {
  load<caf::io::middleman>();
  register_wire_types(*this);
  opt_group{custom_options_, "node"}
    .add<std::string>("host", "address to listen on")
    .add<int>("port", "port for drivers")
    .add<std::string>("name", "node name in logs and reports")
    .add<int>("workers", "worker slots")
    .add<int>("threads", "compute threads per worker")
    .add<std::string>("data-dir", "directory holding mnist/ and fashion/")
    .add<std::string>("detached-actors",
                      "run workers and servers on threads of their own")
    // A string for CAF, whose CLI parser refuses "--node.insecure=true" for
    // a bool; caf-node's own option_set checks the value.
    .add<std::string>("insecure", "listen beyond loopback without TLS")
    .add<std::string>("tls-dir", "directory holding tls.crt, tls.key, ca.crt")
    // caf-node's own option_set checks these (status_server.hpp).
    .add<std::string>("metrics", "serve GET /metrics on HOST:PORT")
    .add<std::string>("metrics-public", "allow a non-loopback node.metrics");
}

void node_config::apply(const node_settings& s) {
  set("node.host", s.host);
  set("node.port", static_cast<int>(s.port));
  set("node.name", s.name);
  set("node.workers", static_cast<int>(s.workers));
  set("node.threads", static_cast<int>(s.threads));
  set("node.data-dir", s.data_dir);
  set("node.detached-actors", std::string{s.detached_actors ? "true" : "false"});
}

node_settings node_config::settings() const {
  node_settings s;
  s.host = caf::get_or(content, "node.host", s.host);
  s.port = static_cast<std::uint16_t>(caf::get_or(content, "node.port", 4242));
  s.name = caf::get_or(content, "node.name", s.name);
  s.workers = static_cast<std::size_t>(caf::get_or(content, "node.workers", 1));
  s.threads = static_cast<std::size_t>(caf::get_or(content, "node.threads", 1));
  s.data_dir = caf::get_or(content, "node.data-dir", s.data_dir);
  s.detached_actors = detached_actors(*this);
  return s;
}

void node_config::serve_actors() {
  add_actor_factory("parameter_server",
                    remembered(detached_if_configured(parameter_server_factory())));
  // The loader answers a few requests per job: the scheduler carries it.
  add_actor_factory("data_loader", remembered(data_loader_factory()));
  add_actor_factory("worker", remembered(detached_if_configured(worker_factory())));
}

} // namespace actors
