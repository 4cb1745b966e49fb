#include "actors/runtime/driver.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <caf/io/all.hpp>

#include "actors/data/partition.hpp"
#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/runtime/transport.hpp"
#include "actors/runtime/worker.hpp"
#include "actors/trainers/registry.hpp"

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

// One machine taking part: its caf node id (invalid when embedded).
struct placed_node {
  std::string address; // "host:port", or "embedded"
  std::string host;
  std::uint16_t port = 0;
  caf::node_id id;
  loader_actor loader;
  node_info info;
  std::vector<std::uint32_t> workers;
};

template <class Handle>
result<Handle> spawn_on(caf::actor_system& sys, const placed_node& n,
                        const std::string& name, caf::message args,
                        double timeout) {
  auto res = sys.middleman().remote_spawn<Handle>(n.id, name, std::move(args),
                                                  ms(timeout));
  if (!res)
    return status::io_error("cannot spawn " + name + " on node " + n.address
                            + ": " + describe(sys, res.error()));
  return std::move(*res);
}

std::string driver_name() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return std::string{host} + ":" + std::to_string(getpid());
}

// Aggregates progress messages from every worker; runs as its own actor.
struct progress_sink {
  std::mutex mtx;
  cluster_progress total;
  double loss_sum = 0;
  std::uint64_t loss_batches = 0;
  std::vector<std::uint64_t> commits;
  clock_type::time_point start = clock_type::now();
  cluster_progress_callback callback;
  // Checkpoints from the parameter server: the newest is what a restarted
  // server begins from; on_checkpoint (if set) stores each one.
  std::optional<ps_snapshot> latest;
  std::uint64_t latest_updates = 0;
  std::size_t checkpoints = 0;
  std::vector<std::string> checkpoint_errors;
  checkpoint_callback on_checkpoint;
};

} // namespace

result<std::pair<std::string, std::uint16_t>>
parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return status::invalid_argument("node address '" + text
                                    + "': expected host:port");
  const std::string port_text = text.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (*end != '\0' || port < 1 || port > 65535)
    return status::invalid_argument("node address '" + text
                                    + "': port must be 1..65535");
  return std::make_pair(text.substr(0, colon), static_cast<std::uint16_t>(port));
}

result<std::vector<std::string>> discover_nodes(const std::vector<std::string>& names,
                                                std::size_t expect, double timeout) {
  const auto deadline = clock_type::now() + ms(timeout);
  std::set<std::string> found;
  for (;;) {
    found.clear();
    for (auto& name : names) {
      auto ep = parse_endpoint(name);
      if (!ep)
        return ep.error();
      addrinfo hints{};
      hints.ai_family = AF_INET;
      hints.ai_socktype = SOCK_STREAM;
      addrinfo* res = nullptr;
      if (getaddrinfo(ep->first.c_str(), nullptr, &hints, &res) == 0) {
        for (auto* ai = res; ai; ai = ai->ai_next) {
          char text[INET_ADDRSTRLEN] = {};
          auto* sin = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
          inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
          found.insert(std::string{text} + ":" + std::to_string(ep->second));
        }
        freeaddrinfo(res);
      }
    }
    const bool enough = expect > 0 ? found.size() >= expect : !found.empty();
    if (enough)
      return std::vector<std::string>(found.begin(), found.end());
    if (clock_type::now() >= deadline) {
      std::string list;
      for (auto& n : names)
        list += (list.empty() ? "" : ",") + n;
      return status::not_found("--discover=" + list + " resolved to "
                               + std::to_string(found.size())
                               + " address(es) within "
                               + std::to_string(static_cast<int>(timeout))
                               + " s, expected "
                               + std::to_string(std::max<std::size_t>(expect, 1)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

result<cluster_result> run_job(caf::actor_system& sys, const job_spec& job_in,
                               const cluster_options& opts, const dataset& train,
                               const std::vector<float>& initial,
                               const cluster_progress_callback& on_progress) {
  job_spec job = job_in;
  const bool embedded = opts.nodes.empty();
  caf::scoped_actor self{sys};
  std::vector<placed_node> nodes;
  std::vector<caf::actor> spawned; // everything to stop at the end
  auto stop_all = [&] {
    for (auto& a : spawned)
      self->send_exit(a, caf::exit_reason::user_shutdown);
  };
  auto fail = [&](status st) -> result<cluster_result> {
    stop_all();
    return st;
  };
  const auto rule = make_rule(job.trainer);
  if (!rule)
    return rule.error();

  // 1. Nodes: connect, spawn a loader, shake hands.
  if (embedded) {
    placed_node n;
    n.address = "embedded";
    n.loader = spawn_data_loader(sys);
    spawned.push_back(caf::actor_cast<caf::actor>(n.loader));
    nodes.push_back(std::move(n));
  } else {
    for (auto& address : opts.nodes) {
      auto ep = parse_endpoint(address);
      if (!ep)
        return fail(ep.error());
      // TLS or plain, as the actor system is configured (transport.hpp).
      auto nid = connect(sys, ep->first, ep->second, ms(opts.connect_timeout));
      if (!nid)
        return fail(status::io_error("cannot connect to node " + address + ": "
                                     + nid.error().message()));
      placed_node n;
      n.address = address;
      n.host = ep->first;
      n.port = ep->second;
      n.id = *nid;
      auto loader = spawn_on<loader_actor>(sys, n, "data_loader",
                                           caf::make_message(),
                                           opts.connect_timeout);
      if (!loader)
        return fail(loader.error());
      n.loader = *loader;
      spawned.push_back(caf::actor_cast<caf::actor>(n.loader));
      nodes.push_back(std::move(n));
    }
  }
  hello_msg hello;
  hello.driver = driver_name();
  hello.job_id = job.job_id;
  for (auto& n : nodes) {
    status st;
    self->request(n.loader, ms(opts.connect_timeout), hello_atom::value, hello)
      .receive([&](node_info& info) { n.info = info; },
               [&](caf::error& err) {
                 st = status::io_error("handshake with node " + n.address
                                       + " failed: " + describe(sys, err));
               });
    if (!st)
      return fail(st);
  }

  // 2. Workers: how many, and where.
  std::size_t total = 0;
  const bool no_server = (*rule)->kind() == exchange_kind::none;
  const std::size_t wanted = fixed_workers(**rule); // 0 = as the nodes say
  for (auto& n : nodes) {
    std::size_t slots = embedded ? opts.embedded_workers
                                 : (opts.workers_per_node > 0 ? opts.workers_per_node
                                                              : n.info.workers);
    if (wanted > 0)
      slots = std::min(slots, wanted - std::min(wanted, total));
    for (std::size_t k = 0; k < slots; ++k)
      n.workers.push_back(static_cast<std::uint32_t>(total++));
  }
  if (wanted > 0 && total < wanted) {
    // More ensemble members than slots: put the rest on the nodes in turn.
    for (std::size_t k = 0; total < wanted; ++k)
      nodes[k % nodes.size()].workers.push_back(static_cast<std::uint32_t>(total++));
  }
  if (total == 0)
    return fail(status::invalid_argument("no worker slots on any node"));
  job.trainer.workers = total;
  if (train.rows / total < job.schedule.batch_size)
    return fail(status::invalid_argument(
      "each of the " + std::to_string(total) + " workers would get fewer than "
      + std::to_string(job.schedule.batch_size) + " rows"));

  // Progress sink: also the driver actor the job's actors monitor.
  auto sink = std::make_shared<progress_sink>();
  sink->callback = on_progress;
  sink->on_checkpoint = opts.on_checkpoint;
  sink->commits.resize(total);
  auto progress = sys.spawn([sink](caf::event_based_actor*) -> caf::behavior {
    return {
      [sink](progress_atom, const progress_msg& p) {
        std::lock_guard<std::mutex> guard{sink->mtx};
        auto& t = sink->total;
        t.samples += p.samples;
        if (p.worker < sink->commits.size())
          sink->commits[p.worker] = p.commits;
        t.commits = 0;
        for (auto c : sink->commits)
          t.commits += c;
        sink->loss_sum += p.loss_sum;
        sink->loss_batches += p.loss_batches;
        t.loss = sink->loss_sum / static_cast<double>(std::max<std::uint64_t>(1, sink->loss_batches));
        t.seconds = std::chrono::duration<double>(clock_type::now() - sink->start).count();
        t.samples_per_second = static_cast<double>(t.samples) / t.seconds;
        // Loss over the last stretch, not since the start.
        if (sink->loss_batches > 200) {
          sink->loss_sum = t.loss * 50;
          sink->loss_batches = 50;
        }
        if (sink->callback)
          sink->callback(t);
      },
      [sink](checkpoint_atom, ps_snapshot& snap) {
        // A late snapshot of a server that was replaced must not win.
        std::lock_guard<std::mutex> guard{sink->mtx};
        if (snap.updates < sink->latest_updates)
          return;
        sink->latest_updates = snap.updates;
        if (sink->on_checkpoint)
          if (auto st = sink->on_checkpoint(snap); !st) {
            std::fprintf(stderr, "train_mnist: checkpoint at update %llu: %s\n",
                         static_cast<unsigned long long>(snap.updates),
                         st.message().c_str());
            sink->checkpoint_errors.push_back(st.message());
          }
        ++sink->checkpoints;
        sink->latest = std::move(snap);
      },
    };
  });
  spawned.push_back(progress);

  // 3. Parameter server, 4. data, 5. workers: each partition w has one
  // worker at a time; a lost worker is replaced on a surviving node from
  // the position of its last applied commit, a lost server is restarted
  // from the last checkpoint (see ARCHITECTURE.md, "Failures").
  std::size_t ps_index = 0;
  if (!opts.ps_node.empty()) {
    ps_index = nodes.size();
    for (std::size_t k = 0; k < nodes.size(); ++k)
      if (nodes[k].address == opts.ps_node)
        ps_index = k;
    if (ps_index == nodes.size())
      return fail(status::invalid_argument("--ps-node " + opts.ps_node
                                           + " is not in --nodes"));
  }
  struct part_state {
    std::size_t node = 0;
    worker_actor hdl;
    bool done = false;
    std::size_t restarts = 0;
    std::uint32_t generation = 0;
    std::string last_error;
  };
  std::vector<part_state> parts(total);
  for (std::size_t k = 0; k < nodes.size(); ++k)
    for (auto w : nodes[k].workers)
      parts[w].node = k;
  std::vector<bool> alive(nodes.size(), true);
  std::vector<bool> has_data(nodes.size(), !opts.send_shards);
  enum class role { worker, ps, loader };
  struct watched_actor {
    role kind;
    std::size_t index;
  };
  std::map<caf::actor_addr, watched_actor> watched;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    self->monitor(nodes[k].loader);
    watched[nodes[k].loader.address()] = {role::loader, k};
  }
  cluster_result out;
  out.workers.resize(total);
  const auto start = clock_type::now();
  auto now_s = [&] {
    return std::chrono::duration<double>(clock_type::now() - start).count();
  };
  auto record = [&](std::string what, std::string action) {
    fault_event f;
    f.at_seconds = now_s();
    f.unix_time = std::chrono::duration<double>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    f.what = std::move(what);
    f.action = std::move(action);
    std::fprintf(stderr, "train_mnist: fault at %.1f s: %s; %s\n", f.at_seconds,
                 f.what.c_str(), f.action.c_str());
    out.faults.push_back(std::move(f));
  };
  // The surviving node with the fewest unfinished partitions (the server
  // counts as one).
  auto pick_node = [&]() -> std::optional<std::size_t> {
    std::optional<std::size_t> best;
    std::size_t best_load = 0;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      if (!alive[k])
        continue;
      std::size_t load = (ps_index == k && !no_server) ? 1 : 0;
      for (auto& p : parts)
        load += (p.node == k && !p.done) ? 1 : 0;
      if (!best || load < best_load) {
        best = k;
        best_load = load;
      }
    }
    return best;
  };

  const auto order = permutation(train.rows, job.schedule.seed);
  const auto shards = partition(order, total);
  const auto crc = labels_checksum(train.labels);
  // Puts the shards of `ws` on node k: read there if it has the data, else
  // sent from here.
  auto place = [&](std::size_t k, const std::vector<std::uint32_t>& ws) -> status {
    auto& n = nodes[k];
    if (ws.empty())
      return status::ok();
    if (has_data[k]) {
      shard_request req;
      req.dataset = opts.dataset_name;
      req.rows = train.rows;
      req.labels_crc = crc;
      req.workers = ws;
      for (auto w : ws)
        req.indices.push_back(shards[w]);
      status st;
      bool loaded = false;
      self->request(n.loader, ms(opts.connect_timeout * 4), load_atom::value,
                    std::move(req))
        .receive([&](std::uint64_t) { loaded = true; },
                 [&](caf::error& err) {
                   if (err.category() == caf::atom("actors")
                       && (err.code()
                             == static_cast<std::uint8_t>(runtime_errc::data_not_found)
                           || err.code()
                                == static_cast<std::uint8_t>(
                                  runtime_errc::data_mismatch)))
                     std::fprintf(stderr, "train_mnist: %s; sending its shards\n",
                                  describe(sys, err).c_str());
                   else
                     st = status::io_error("loading shards on node " + n.address
                                           + ": " + describe(sys, err));
                 });
      if (!st)
        return st;
      if (loaded) {
        out.shards_local += ws.size();
        return status::ok();
      }
      has_data[k] = false;
    }
    for (auto w : ws) {
      shard_data s = cut_shard(train, w, shards[w]);
      status st;
      self->request(n.loader, ms(opts.connect_timeout * 4), put_atom::value,
                    std::move(s))
        .receive([](std::uint64_t) {},
                 [&](caf::error& err) {
                   st = status::io_error("sending a shard to node " + n.address
                                         + ": " + describe(sys, err));
                 });
      if (!st)
        return st;
      ++out.shards_sent;
    }
    return status::ok();
  };

  ps_actor ps;
  auto spawn_ps = [&](std::size_t k, const ps_snapshot& from) -> status {
    ps_init init;
    init.job = job;
    init.weights = from.weights;
    init.driver = progress;
    init.updates = from.updates;
    init.cursors = from.cursors;
    init.checkpoint_every = opts.checkpoint_every;
    init.checkpoint_seconds = opts.checkpoint_seconds;
    if (embedded) {
      ps = spawn_parameter_server(sys, std::move(init));
    } else {
      auto h = spawn_on<ps_actor>(sys, nodes[k], "parameter_server",
                                  caf::make_message(std::move(init)),
                                  opts.connect_timeout);
      if (!h)
        return h.error();
      ps = *h;
    }
    ps_index = k;
    spawned.push_back(caf::actor_cast<caf::actor>(ps));
    self->monitor(ps);
    watched[ps.address()] = {role::ps, k};
    return status::ok();
  };
  auto spawn_worker = [&](std::uint32_t w, partition_cursor at) -> status {
    auto& p = parts[w];
    auto& n = nodes[p.node];
    if (embedded) {
      p.hdl = actors::spawn_worker(sys);
    } else {
      auto h = spawn_on<worker_actor>(sys, n, "worker", caf::make_message(),
                                      opts.connect_timeout);
      if (!h)
        return h.error();
      p.hdl = *h;
    }
    spawned.push_back(caf::actor_cast<caf::actor>(p.hdl));
    self->monitor(p.hdl);
    watched[p.hdl.address()] = {role::worker, w};
    at.generation = p.generation;
    worker_job wj;
    wj.job = job;
    wj.worker = w;
    wj.ps = ps;
    wj.loader = n.loader;
    wj.progress = progress;
    wj.start = at;
    if (!embedded) {
      wj.ps_host = nodes[ps_index].host;
      wj.ps_port = nodes[ps_index].port;
    }
    self->send(p.hdl, run_atom::value, std::move(wj));
    return status::ok();
  };

  // The state a restarted server begins from: the last checkpoint, else
  // where this run began.
  ps_snapshot origin;
  if (opts.resume_from) {
    origin = *opts.resume_from;
    if (origin.cursors.size() != total)
      return fail(status::invalid_argument(
        "the checkpoint has " + std::to_string(origin.cursors.size())
        + " partitions but the nodes offer " + std::to_string(total)
        + " workers; use --workers-per-node so that they match"));
    if (origin.weights.values.size() != initial.size())
      return fail(status::invalid_argument("the checkpoint's model has "
                                           + std::to_string(origin.weights.values.size())
                                           + " parameters, the job's "
                                           + std::to_string(initial.size())));
    for (std::size_t w = 0; w < total; ++w)
      parts[w].generation = origin.cursors[w].generation + 1;
  } else {
    origin.weights.values = initial;
    origin.cursors.resize(total);
  }
  for (std::size_t w = 0; w < total; ++w)
    origin.cursors[w].generation = parts[w].generation;
  sink->latest_updates = origin.updates;

  if (!no_server)
    if (auto st = spawn_ps(ps_index, origin); !st)
      return fail(st);
  for (std::size_t k = 0; k < nodes.size(); ++k)
    if (auto st = place(k, nodes[k].workers); !st)
      return fail(st);
  sink->start = clock_type::now();
  for (std::uint32_t w = 0; w < total; ++w)
    if (auto st = spawn_worker(w, origin.cursors[w]); !st)
      return fail(st);

  auto stop_worker = [&](part_state& p) {
    if (!p.hdl)
      return;
    watched.erase(p.hdl.address());
    self->demonitor(p.hdl.address());
    self->send_exit(p.hdl, caf::exit_reason::kill);
    p.hdl = worker_actor{};
  };
  std::size_t ps_restarts = 0;
  // Restarts the server from the last checkpoint and every partition from
  // its position there: commits after the checkpoint died with the server.
  auto restart_server = [&](const std::string& why) -> status {
    if (++ps_restarts > opts.max_restarts)
      return status::io_error(why + "; the parameter server was restarted "
                              + std::to_string(opts.max_restarts)
                              + " times already (--max-restarts)");
    if (ps) {
      watched.erase(ps.address());
      self->demonitor(ps.address());
      self->send_exit(ps, caf::exit_reason::kill);
    }
    auto k = pick_node();
    if (!k)
      return status::io_error(why + "; no node is left to restart the server on");
    ps_snapshot from = origin;
    {
      std::lock_guard<std::mutex> guard{sink->mtx};
      if (sink->latest)
        from = *sink->latest;
    }
    for (auto& p : parts) {
      stop_worker(p);
      p.done = false;
      ++p.generation;
      if (!alive[p.node])
        p.node = *k; // refined below
    }
    for (std::size_t w = 0; w < total; ++w)
      from.cursors[w].generation = parts[w].generation;
    record(why, "restarted the parameter server on node " + nodes[*k].address
                  + " from the checkpoint at update "
                  + std::to_string(from.updates) + "; every worker resumes from it");
    if (auto st = spawn_ps(*k, from); !st)
      return st;
    // Spread partitions of dead nodes over the survivors.
    for (auto& p : parts)
      if (!alive[p.node] || p.node == *k) {
        if (auto j = pick_node())
          p.node = *j;
      }
    std::map<std::size_t, std::vector<std::uint32_t>> by_node;
    for (std::uint32_t w = 0; w < total; ++w)
      by_node[parts[w].node].push_back(w);
    for (auto& [node, ws] : by_node)
      if (auto st = place(node, ws); !st)
        return st;
    for (std::uint32_t w = 0; w < total; ++w)
      if (auto st = spawn_worker(w, from.cursors[w]); !st)
        return st;
    return status::ok();
  };
  auto replace_worker = [&](std::uint32_t w, const std::string& why,
                            bool node_lost) -> status {
    auto& p = parts[w];
    watched.erase(p.hdl.address());
    p.hdl = worker_actor{};
    if (++p.restarts > opts.max_restarts)
      return status::io_error(why + "; partition " + std::to_string(w)
                              + " was restarted " + std::to_string(opts.max_restarts)
                              + " times already (--max-restarts)"
                              + (p.last_error.empty() ? "" : "; last error: " + p.last_error));
    if (node_lost || !alive[p.node]) {
      auto k = pick_node();
      if (!k)
        return status::io_error(why + "; no node is left to run it on");
      p.node = *k;
    }
    partition_cursor at;
    if (!no_server) {
      status st;
      self->request(ps, ms(opts.connect_timeout), reassign_atom::value, w)
        .receive([&](partition_cursor& c) { at = c; },
                 [&](caf::error& err) {
                   st = status::io_error("reassigning partition "
                                         + std::to_string(w) + ": "
                                         + describe(sys, err));
                 });
      if (!st)
        return restart_server(why + "; then " + st.message());
    }
    p.generation = std::max(p.generation + 1, at.generation);
    if (auto st = place(p.node, {w}); !st)
      return st;
    record(why, "worker " + std::to_string(w) + " restarted on node "
                  + nodes[p.node].address + " from batch "
                  + std::to_string(at.batches_done) + " (generation "
                  + std::to_string(p.generation) + ")");
    return spawn_worker(w, at);
  };

  // 6. Results. They come back as ordinary messages (send, not request) so
  // that down messages of monitored actors interleave with them: a lost node
  // is handled at once instead of at a request timeout.
  status st;
  const auto deadline = clock_type::now() + ms(opts.run_timeout);
  auto all_done = [&] {
    for (auto& p : parts)
      if (!p.done)
        return false;
    return true;
  };
  while (!all_done() && st) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
    self->receive(
      [&](worker_result& r) {
        const auto from = self->current_sender();
        if (r.worker >= total || !parts[r.worker].hdl
            || from != caf::actor_cast<caf::strong_actor_ptr>(parts[r.worker].hdl))
          return; // from a replaced incarnation
        auto& p = parts[r.worker];
        auto& acc = out.workers[r.worker];
        acc.worker = r.worker;
        acc.node = r.node;
        acc.samples += r.samples;
        acc.commits += r.commits;
        acc.seconds = now_s();
        acc.wait_seconds += r.wait_seconds;
        acc.bytes_sent += r.bytes_sent;
        acc.bytes_received += r.bytes_received;
        acc.relayed = acc.relayed || r.relayed;
        acc.epoch_loss = std::move(r.epoch_loss);
        acc.weights = std::move(r.weights);
        p.done = true;
      },
      [&](caf::error& err) {
        const auto from = self->current_sender();
        for (auto& p : parts)
          if (p.hdl && from == caf::actor_cast<caf::strong_actor_ptr>(p.hdl))
            p.last_error = describe(sys, err);
      },
      [&](caf::down_msg& dm) {
        auto it = watched.find(dm.source);
        if (it == watched.end())
          return;
        const auto who = it->second;
        watched.erase(it);
        const bool unreachable
          = dm.reason == caf::exit_reason::remote_link_unreachable;
        if (!dm.reason)
          return; // an actor that finished normally
        const std::string reason = describe(sys, dm.reason);
        switch (who.kind) {
          case role::loader:
            if (unreachable && alive[who.index]) {
              alive[who.index] = false;
              record("node " + nodes[who.index].address + " is unreachable ("
                       + reason + ")",
                     "its partitions move to the surviving nodes");
            }
            break;
          case role::worker: {
            auto& p = parts[who.index];
            if (p.done || dm.reason == caf::exit_reason::normal)
              break;
            if (unreachable)
              alive[p.node] = false;
            st = replace_worker(static_cast<std::uint32_t>(who.index),
                                "worker " + std::to_string(who.index)
                                  + " on node " + nodes[p.node].address
                                  + " is gone (" + reason + ")",
                                unreachable);
            break;
          }
          case role::ps:
            if (unreachable)
              alive[who.index] = false;
            ps = ps_actor{};
            st = restart_server("the parameter server on node "
                                + nodes[who.index].address + " is gone ("
                                + reason + ")");
            break;
        }
      },
      caf::after(std::max(left, std::chrono::milliseconds(1))) >> [&] {
        st = status::io_error("training did not finish within --run-timeout ("
                              + std::to_string(opts.run_timeout) + " s)");
      });
  }
  if (!st)
    return fail(st);
  out.seconds = now_s();
  for (auto& r : out.workers)
    out.samples += r.samples;
  if (no_server) {
    for (auto& r : out.workers)
      out.members.push_back(r.weights.values);
    out.weights = out.members.front();
  } else {
    self->request(ps, ms(opts.connect_timeout), weights_atom::value)
      .receive([&](weights_msg& w) { out.weights = std::move(w.weights.values); },
               [&](caf::error& err) {
                 st = status::io_error("fetching the final model: "
                                       + describe(sys, err));
               });
    if (!st)
      return fail(st);
    self->request(ps, ms(opts.connect_timeout), stats_atom::value)
      .receive([&](ps_stats& s) { out.server = s; },
               [&](caf::error& err) {
                 st = status::io_error("fetching server stats: "
                                       + describe(sys, err));
               });
    if (!st)
      return fail(st);
  }
  {
    std::lock_guard<std::mutex> guard{sink->mtx};
    out.checkpoints = sink->checkpoints;
    out.checkpoint_errors = sink->checkpoint_errors;
  }
  for (std::size_t k = 0; k < nodes.size(); ++k)
    out.nodes.push_back(nodes[k].info.name + " (" + nodes[k].address + ")"
                        + (alive[k] ? "" : " lost"));
  stop_all();
  return out;
}

} // namespace actors
