// connect_to_server (server_link.hpp): a worker's direct connections to
// the nodes of its server or shards.
#include <cstdio>
#include <set>
#include <utility>

#include "actors/runtime/transport.hpp"
#include "server_link.hpp"

namespace actors {

namespace {

// One server's node.
struct target {
  ps_actor server;
  std::string host;
  std::uint16_t port = 0;
};

struct walk {
  worker_actor::pointer self;
  std::vector<target> targets;
  std::string node;
  std::uint32_t worker = 0;
  std::chrono::milliseconds timeout;
  std::function<void(bool)> then;
  bool relayed = false;
};

// Connects to targets[k], then to the next; at the end calls then.
void connect_next(std::shared_ptr<walk> w, std::size_t k) {
  auto* self = w->self;
  while (k < w->targets.size()
         && (w->targets[k].host.empty() || !w->targets[k].server
             || w->targets[k].server.node() == self->node()))
    ++k;
  if (k == w->targets.size()) {
    w->then(w->relayed);
    return;
  }
  const auto& t = w->targets[k];
  const auto where = t.host + ":" + std::to_string(t.port);
  const auto nid = t.server.node();
  self->request(middleman_of(self->system()), w->timeout, caf::connect_atom::value,
                t.host, t.port)
    .then(
      [w, k, where, nid](caf::node_id& got, caf::strong_actor_ptr&,
                         std::set<std::string>&) {
        if (got != nid) {
          w->relayed = true;
          std::fprintf(stderr,
                       "node %s: worker %u: %s is not the server's node; "
                       "exchanges go through the driver\n",
                       w->node.c_str(), w->worker, where.c_str());
        }
        connect_next(w, k + 1);
      },
      [w, k, where](caf::error& err) {
        w->relayed = true;
        std::fprintf(stderr,
                     "node %s: worker %u: cannot connect to the server's node "
                     "%s (%s); exchanges go through the driver\n",
                     w->node.c_str(), w->worker, where.c_str(),
                     describe(w->self->system(), err).c_str());
        connect_next(w, k + 1);
      });
}

} // namespace

void connect_to_server(worker_actor::pointer self, const worker_job& job,
                       const std::string& node, std::chrono::milliseconds timeout,
                       std::function<void(bool)> then) {
  auto w = std::make_shared<walk>();
  w->self = self;
  w->node = node;
  w->worker = job.worker;
  w->timeout = timeout;
  w->then = std::move(then);
  if (job.shards.empty())
    w->targets.push_back({job.ps, job.ps_host, job.ps_port});
  for (std::size_t k = 0; k < job.shards.size(); ++k)
    w->targets.push_back({job.shards[k],
                          k < job.shard_hosts.size() ? job.shard_hosts[k] : std::string{},
                          k < job.shard_ports.size() ? job.shard_ports[k] : std::uint16_t{0}});
  connect_next(std::move(w), 0);
}

} // namespace actors
