#include "actors/runtime/driver.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <thread>

#include <chrono>
#include <map>
#include <mutex>

#include <caf/io/all.hpp>

#include "actors/data/partition.hpp"
#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/runtime/worker.hpp"

namespace actors {

namespace {

using clock_type = std::chrono::steady_clock;

std::chrono::milliseconds ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

// One machine taking part: its caf node id (invalid when embedded).
struct placed_node {
  std::string address; // "host:port", or "embedded"
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
  const auto rule = make_rule(rule_options_of(job));
  if (!rule)
    return rule.error();

  // 1. Nodes: connect, spawn a loader, shake hands.
  if (embedded) {
    placed_node n;
    n.address = "embedded";
    n.loader = sys.spawn(data_loader);
    spawned.push_back(caf::actor_cast<caf::actor>(n.loader));
    nodes.push_back(std::move(n));
  } else {
    for (auto& address : opts.nodes) {
      auto ep = parse_endpoint(address);
      if (!ep)
        return fail(ep.error());
      auto nid = sys.middleman().connect(ep->first, ep->second);
      if (!nid)
        return fail(status::io_error("cannot connect to node " + address + ": "
                                     + describe(sys, nid.error())));
      placed_node n;
      n.address = address;
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
  std::size_t wanted = 0; // 0 = as the nodes say
  if (job.trainer == "single")
    wanted = 1;
  else if (job.trainer == "ensemble")
    wanted = (*rule)->options().num_ensembles;
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
  job.workers = static_cast<std::uint32_t>(total);
  if (train.rows / total < job.batch_size)
    return fail(status::invalid_argument(
      "each of the " + std::to_string(total) + " workers would get fewer than "
      + std::to_string(job.batch_size) + " rows"));

  // Progress sink: also the driver actor the job's actors monitor.
  auto sink = std::make_shared<progress_sink>();
  sink->callback = on_progress;
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
    };
  });
  spawned.push_back(progress);

  // 3. Parameter server.
  ps_actor ps;
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
  if (!no_server) {
    ps_init init;
    init.job = job;
    init.weights.values = initial;
    init.driver = progress;
    if (embedded) {
      ps = sys.spawn(parameter_server, std::move(init));
    } else {
      auto spawned_ps = spawn_on<ps_actor>(sys, nodes[ps_index], "parameter_server",
                                           caf::make_message(std::move(init)),
                                           opts.connect_timeout);
      if (!spawned_ps)
        return fail(spawned_ps.error());
      ps = *spawned_ps;
    }
    spawned.push_back(caf::actor_cast<caf::actor>(ps));
  }

  // 4. Data: one shard per worker, read on the node or sent from here.
  cluster_result out;
  const auto order = permutation(train.rows, job.seed);
  const auto shards = partition(order, total);
  const auto crc = labels_checksum(train.labels);
  for (auto& n : nodes) {
    if (n.workers.empty())
      continue;
    bool loaded = false;
    if (!opts.send_shards) {
      shard_request req;
      req.dataset = opts.dataset_name;
      req.rows = train.rows;
      req.labels_crc = crc;
      req.workers = n.workers;
      for (auto w : n.workers)
        req.indices.push_back(shards[w]);
      status st;
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
        return fail(st);
    }
    if (loaded) {
      out.shards_local += n.workers.size();
      continue;
    }
    for (auto w : n.workers) {
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
        return fail(st);
      ++out.shards_sent;
    }
  }

  // 5. Workers.

  std::vector<worker_actor> workers(total);
  for (auto& n : nodes) {
    for (auto w : n.workers) {
      if (embedded) {
        workers[w] = sys.spawn(worker);
      } else {
        auto spawned_worker = spawn_on<worker_actor>(sys, n, "worker",
                                                     caf::make_message(),
                                                     opts.connect_timeout);
        if (!spawned_worker)
          return fail(spawned_worker.error());
        workers[w] = *spawned_worker;
      }
      spawned.push_back(caf::actor_cast<caf::actor>(workers[w]));
    }
  }
  const auto start = clock_type::now();
  sink->start = start;
  // Results come back as ordinary messages (send, not request) so that
  // down messages of monitored actors interleave with them: a lost node
  // ends the run at once instead of at a request timeout.
  std::map<caf::actor_addr, std::string> watched; // actor -> what it is
  for (auto& n : nodes)
    for (auto w : n.workers) {
      worker_job wj;
      wj.job = job;
      wj.worker = w;
      wj.ps = ps;
      wj.loader = n.loader;
      wj.progress = progress;
      self->monitor(workers[w]);
      watched[workers[w].address()] = "worker " + std::to_string(w) + " on node "
                                      + n.address;
      self->send(workers[w], run_atom::value, std::move(wj));
    }
  if (ps) {
    self->monitor(ps);
    watched[ps.address()] = "the parameter server on node "
                            + nodes[ps_index].address;
  }

  // 6. Results.
  out.workers.resize(total);
  std::size_t received = 0;
  status st;
  const auto deadline = clock_type::now() + ms(opts.run_timeout);
  while (received < total && st) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
    self->receive(
      [&](worker_result& r) {
        if (r.worker < total) {
          const auto id = r.worker;
          out.workers[id] = std::move(r);
          ++received;
        }
      },
      [&](caf::error& err) {
        st = status::io_error("a worker failed: " + describe(sys, err));
      },
      [&](caf::down_msg& dm) {
        auto it = watched.find(dm.source);
        if (it == watched.end() || !dm.reason
            || dm.reason == caf::exit_reason::normal)
          return;
        st = status::io_error(it->second + " is gone: " + describe(sys, dm.reason));
      },
      caf::after(std::max(left, std::chrono::milliseconds(1))) >> [&] {
        st = status::io_error("training did not finish within --run-timeout ("
                              + std::to_string(opts.run_timeout) + " s)");
      });
  }
  if (!st)
    return fail(st);
  out.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  for (auto& r : out.workers)
    out.samples += r.samples;
  if (no_server) {
    for (auto& r : out.workers)
      out.members.push_back(r.weights.values);
    out.weights = out.members.front();
  } else {
    status st;
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
  for (auto& n : nodes)
    out.nodes.push_back(n.info.name + " (" + n.address + ")");
  stop_all();
  return out;
}

} // namespace actors
