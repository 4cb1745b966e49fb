// run_job (driver.hpp): the CAF side of a job. It connects to the nodes,
// shakes hands, spawns and monitors the job's actors and turns what comes
// back (results, errors, down messages, snapshots, the run timeout) into
// events of the job supervisor (cluster/job_supervisor.hpp), whose actions
// it carries out as messages. Every decision about faults is the
// supervisor's; this file only translates.
#include "actors/runtime/driver.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <map>
#include <optional>
#include <utility>

#include <caf/io/all.hpp>

#include "actors/cluster/chunk_plan.hpp"
#include "actors/cluster/job_supervisor.hpp"
#include "actors/cluster/shard_plan.hpp"
#include "actors/data/partition.hpp"
#include "actors/runtime/data_loader.hpp"
#include "actors/runtime/metrics_hooks.hpp"
#include "actors/runtime/parameter_server.hpp"
#include "actors/runtime/progress_sink.hpp"
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

server_snapshot snapshot_of(ps_snapshot snap) {
  server_snapshot s;
  s.updates = snap.updates;
  s.weights = std::move(snap.weights.values);
  s.cursors = std::move(snap.cursors);
  s.queue = std::move(snap.queue);
  return s;
}

exit_cause cause_of(const caf::error& reason) {
  if (!reason)
    return exit_cause::normal;
  return reason == caf::exit_reason::remote_link_unreachable ? exit_cause::unreachable
                                                              : exit_cause::error;
}

// What a monitored actor is to the job: a node's loader, the server, or an
// incarnation of a partition's worker.
enum class role { worker, ps, loader };
struct watched_actor {
  role kind;
  std::size_t index; // node (loader, server) or partition (worker)
  std::uint32_t generation = 0;
};

// One partition's current worker.
struct incarnation {
  worker_actor hdl;
  std::uint32_t generation = 0;
  // Where it and its server run (indices into the nodes).
  std::size_t node = 0;
  std::size_t ps_node = 0;
  std::vector<std::size_t> shard_nodes; // a sharded server's, in shard order
};

class job_runner {
public:
  job_runner(caf::actor_system& sys, const job_spec& job,
             const cluster_options& opts, const dataset& train,
             const std::vector<float>& initial,
             const cluster_progress_callback& on_progress)
    : sys_(sys), self_(sys), job_(job), opts_(opts), train_(train),
      initial_(initial), on_progress_(on_progress), embedded_(opts.nodes.empty()) {
  }

  // Whatever happened, the job's actors stop with the runner.
  ~job_runner() {
    for (auto& a : spawned_)
      self_->send_exit(a, caf::exit_reason::user_shutdown);
  }

  result<cluster_result> run();

private:
  // Setting up: nodes, workers, the sink, the supervisor.
  status connect_nodes();
  status connect_node(const std::string& address);
  status handshake();
  result<std::vector<std::size_t>> plan_workers(const update_rule& rule);
  result<std::size_t> server_node() const;
  void spawn_sink(std::size_t workers);
  status start(const update_rule& rule);
  std::vector<std::vector<std::uint32_t>> shards_of(const update_rule& rule,
                                                    std::size_t total);

  // The supervisor's actions.
  status apply(supervisor_actions acts);
  status execute(act::spawn_server& a);
  result<ps_actor> spawn_shard(std::size_t node, ps_init init);
  status introduce_shards();
  std::vector<std::size_t> shard_nodes(std::size_t first) const;
  status fetch_server(const ps_actor& s, std::vector<float>& weights, ps_stats& stats);
  status execute(act::place_shards& a);
  status execute(act::spawn_worker& a);
  status execute(act::stop_worker& a);
  status execute(act::stop_server& a);
  status execute(act::reassign& a);
  status execute(act::record_fault& a);
  status execute(act::fail& a) { return a.why; }
  status execute(act::finish&) {
    finished_ = true;
    return status::ok();
  }
  status load_shards(std::size_t k, const std::vector<std::uint32_t>& ws,
                     bool& loaded);
  status send_shards(std::size_t k, const std::vector<std::uint32_t>& ws);
  template <class Handle>
  void watch(const Handle& hdl, watched_actor who);
  void unwatch(const caf::actor_addr& addr);

  // Messages to events.
  status supervise();
  status on_result(worker_result& r);
  void book_bytes(const worker_result& r, const incarnation& inc);
  status on_error(const caf::error& err);
  status on_down(const caf::down_msg& dm);
  status on_shard_lost(std::size_t node, exit_cause cause, const std::string& reason);
  status on_centre(std::uint64_t updates, std::vector<float>& centre, double at);
  void stop_run();
  std::uint64_t updates_per_epoch(const update_rule& rule) const;
  std::size_t train_rows() const {
    return opts_.train_rows.empty() ? train_.rows : opts_.train_rows.size();
  }

  status collect();
  status collect_server();
  double now_s() const {
    return std::chrono::duration<double>(clock_type::now() - start_).count();
  }

  caf::actor_system& sys_;
  caf::scoped_actor self_;
  job_spec job_;
  const cluster_options& opts_;
  const dataset& train_;
  const std::vector<float>& initial_;
  const cluster_progress_callback& on_progress_;
  const bool embedded_;

  std::vector<placed_node> nodes_;
  std::vector<caf::actor> spawned_; // everything to stop at the end
  progress_sink_actor sink_;
  std::optional<job_supervisor> sup_;
  metrics::fault_meter faults_meter_{metrics_of(sys_)};
  bool has_server_ = true;
  bool finished_ = false;
  // on_centre asked to stop; the server was told (and a restarted one is).
  bool stopping_ = false;
  std::map<caf::actor_addr, watched_actor> watched_;
  std::vector<incarnation> workers_;
  ps_actor ps_;
  std::size_t ps_node_ = 0;
  // A sharded server (--ps-shards > 1): every shard (ps_shards_[0] = ps_, the
  // lead) and its node; empty when unsharded.
  std::vector<ps_actor> ps_shards_;
  std::vector<std::size_t> shard_nodes_;
  // Each node has the data set until its loader says otherwise.
  std::vector<bool> has_data_;
  std::vector<std::vector<std::uint32_t>> shards_;
  std::uint32_t crc_ = 0;
  // Dynamic partitioning: the chunks of the run (cluster/chunk_plan.hpp).
  std::uint64_t chunks_ = 0;
  clock_type::time_point start_ = clock_type::now();
  cluster_result out_;
};

result<cluster_result> job_runner::run() {
  const auto rule = make_rule(job_.trainer);
  if (!rule)
    return rule.error();
  if (auto st = check_partitioning(job_.trainer.name, job_.schedule.partitioning);
      !st)
    return st;
  if (auto st = connect_nodes(); !st)
    return st;
  if (auto st = handshake(); !st)
    return st;
  if (auto st = start(**rule); !st)
    return st;
  if (auto st = supervise(); !st)
    return st;
  if (auto st = collect(); !st)
    return st;
  return std::move(out_);
}

// 1. Nodes: connect, spawn a loader, shake hands.
status job_runner::connect_nodes() {
  if (embedded_) {
    placed_node n;
    n.address = "embedded";
    n.loader = spawn_data_loader(sys_);
    spawned_.push_back(caf::actor_cast<caf::actor>(n.loader));
    nodes_.push_back(std::move(n));
    return status::ok();
  }
  for (auto& address : opts_.nodes)
    if (auto st = connect_node(address); !st)
      return st;
  return status::ok();
}

status job_runner::connect_node(const std::string& address) {
  auto ep = parse_endpoint(address);
  if (!ep)
    return ep.error();
  // TLS or plain, as the actor system is configured (transport.hpp).
  auto nid = connect(sys_, ep->first, ep->second, ms(opts_.connect_timeout));
  if (!nid)
    return status::io_error("cannot connect to node " + address + ": "
                            + nid.error().message());
  placed_node n;
  n.address = address;
  n.host = ep->first;
  n.port = ep->second;
  n.id = *nid;
  auto loader = spawn_on<loader_actor>(sys_, n, "data_loader", caf::make_message(),
                                       opts_.connect_timeout);
  if (!loader)
    return loader.error();
  n.loader = *loader;
  spawned_.push_back(caf::actor_cast<caf::actor>(n.loader));
  nodes_.push_back(std::move(n));
  return status::ok();
}

status job_runner::handshake() {
  hello_msg hello;
  hello.driver = driver_name();
  hello.job_id = job_.job_id;
  for (auto& n : nodes_) {
    status st;
    self_->request(n.loader, ms(opts_.connect_timeout), hello_atom::value, hello)
      .receive([&](node_info& info) { n.info = info; },
               [&](caf::error& err) {
                 st = status::io_error("handshake with node " + n.address
                                       + " failed: " + describe(sys_, err));
               });
    if (!st)
      return st;
  }
  return status::ok();
}

// 2. Workers: how many, and where (each worker's node).
result<std::vector<std::size_t>> job_runner::plan_workers(const update_rule& rule) {
  const std::size_t wanted = fixed_workers(rule); // 0 = as the nodes say
  std::vector<std::size_t> slots;
  for (auto& n : nodes_)
    slots.push_back(embedded_ ? opts_.embedded_workers
                              : (opts_.workers_per_node > 0 ? opts_.workers_per_node
                                                            : n.info.workers));
  auto placement = place_workers(slots, wanted);
  const auto total = placement.size();
  if (total == 0)
    return status::invalid_argument("no worker slots on any node");
  job_.trainer.workers = total;
  if (train_rows() / total < job_.schedule.batch_size)
    return status::invalid_argument(
      "each of the " + std::to_string(total) + " workers would get fewer than "
      + std::to_string(job_.schedule.batch_size) + " rows");
  return placement;
}

result<std::size_t> job_runner::server_node() const {
  if (opts_.ps_node.empty())
    return std::size_t{0};
  for (std::size_t k = 0; k < nodes_.size(); ++k)
    if (nodes_[k].address == opts_.ps_node)
      return k;
  return status::invalid_argument("--ps-node " + opts_.ps_node + " is not in --nodes");
}

// The progress sink: also the driver actor the job's actors monitor.
void job_runner::spawn_sink(std::size_t workers) {
  progress_sink_config cfg;
  cfg.workers = workers;
  cfg.first_update = opts_.resume_from ? opts_.resume_from->updates : 0;
  cfg.on_progress = on_progress_;
  cfg.on_checkpoint = opts_.on_checkpoint;
  cfg.status = opts_.status;
  cfg.driver = caf::actor_cast<caf::actor>(self_);
  cfg.shards = std::max<std::size_t>(1, opts_.ps_shards);
  sink_ = spawn_progress_sink(sys_, std::move(cfg));
  spawned_.push_back(caf::actor_cast<caf::actor>(sink_));
}

// 3. Parameter server, 4. data, 5. workers, as the supervisor starts them.
status job_runner::start(const update_rule& rule) {
  auto placement = plan_workers(rule);
  if (!placement)
    return placement.error();
  const auto total = placement->size();
  spawn_sink(total);
  auto ps_node = server_node();
  if (!ps_node)
    return ps_node.error();
  has_server_ = rule.kind() != exchange_kind::none;
  supervisor_config cfg;
  for (auto& n : nodes_)
    cfg.nodes.push_back(n.address);
  cfg.placement = std::move(*placement);
  cfg.server_node = ps_node_ = *ps_node;
  cfg.has_server = has_server_;
  cfg.dynamic = job_.schedule.partitioning == partitioning_mode::dynamic;
  cfg.max_restarts = opts_.max_restarts;
  cfg.run_timeout = opts_.run_timeout;
  cfg.initial = initial_;
  if (opts_.resume_from)
    cfg.resume_from = snapshot_of(*opts_.resume_from);
  sup_.emplace(std::move(cfg));
  if (opts_.status) {
    std::vector<metrics::node_row> rows;
    for (auto& n : nodes_)
      rows.push_back({n.info.name, n.address});
    opts_.status->nodes(std::move(rows));
  }
  for (std::size_t k = 0; k < nodes_.size(); ++k)
    watch(nodes_[k].loader, {role::loader, k});
  out_.workers.resize(total);
  workers_.resize(total);
  start_ = clock_type::now();
  has_data_.assign(nodes_.size(), !opts_.send_shards);
  shards_ = shards_of(rule, total);
  out_.updates_per_epoch = updates_per_epoch(rule);
  crc_ = labels_checksum(train_.labels);
  auto st = apply(sup_->start());
  self_->send(sink_, run_atom::value); // training starts: the sink's clock
  return st;
}

// Each worker's rows: a static slice of one shuffle, or with dynamic
// partitioning the whole training set (the worker indexes it by the rows
// of its chunks), whose chunk count the server's queue needs.
// Only the rows of opts_.train_rows take part when it is given: a static
// slice holds the rows at its shuffled positions, a dynamic shard is the
// list itself, which the chunk plan indexes.
std::vector<std::vector<std::uint32_t>> job_runner::shards_of(const update_rule& rule,
                                                              std::size_t total) {
  std::vector<std::uint32_t> all = opts_.train_rows;
  if (all.empty()) {
    all.resize(train_.rows);
    for (std::size_t r = 0; r < all.size(); ++r)
      all[r] = static_cast<std::uint32_t>(r);
  }
  if (job_.schedule.partitioning != partitioning_mode::dynamic) {
    auto slices = partition(permutation(all.size(), job_.schedule.seed), total);
    for (auto& slice : slices)
      for (auto& r : slice)
        r = all[r];
    return slices;
  }
  chunks_ = make_chunk_plan(all.size(), job_.schedule.batch_size,
                            rule.options().window, job_.schedule.epochs,
                            job_.schedule.seed)
              .total_chunks;
  return std::vector<std::vector<std::uint32_t>>(total, all);
}

// The server updates of one epoch: the chunks of an epoch (dynamic), or
// every worker's commits over its slice (static).
std::uint64_t job_runner::updates_per_epoch(const update_rule& rule) const {
  if (job_.schedule.partitioning == partitioning_mode::dynamic)
    return chunks_ / std::max<std::size_t>(1, job_.schedule.epochs);
  std::uint64_t n = 0;
  for (auto& slice : shards_)
    n += commits_per_epoch(rule, full_batches(slice.size(), job_.schedule.batch_size));
  return n;
}

status job_runner::apply(supervisor_actions acts) {
  for (auto& a : acts)
    if (auto st = std::visit([this](auto& x) { return execute(x); }, a); !st)
      return st;
  return status::ok();
}

template <class Handle>
void job_runner::watch(const Handle& hdl, watched_actor who) {
  self_->monitor(hdl);
  watched_[hdl.address()] = who;
}

void job_runner::unwatch(const caf::actor_addr& addr) {
  watched_.erase(addr);
  self_->demonitor(addr);
}

// The server, or with --ps-shards=N > 1 its N range shards
// (cluster/shard_plan.hpp) from the supervisor's node round-robin over the
// live nodes, introduced to each other before any worker starts.
status job_runner::execute(act::spawn_server& a) {
  ps_init init;
  init.job = job_;
  init.driver = sink_;
  init.updates = a.from.updates;
  init.cursors = std::move(a.from.cursors);
  init.chunks = chunks_;
  init.queue = std::move(a.from.queue);
  init.checkpoint_every = opts_.checkpoint_every;
  init.checkpoint_seconds = opts_.checkpoint_seconds;
  if (opts_.on_centre) {
    init.eval_every = opts_.eval_every;
    init.eval_epoch = opts_.eval_epochs ? out_.updates_per_epoch : 0;
  }
  ps_shards_.clear();
  shard_nodes_.clear();
  const std::size_t n = std::max<std::size_t>(1, opts_.ps_shards);
  const auto nodes = shard_nodes(a.node);
  const auto ranges = shard_ranges(a.from.weights.size(), n);
  init.fault_timeout = opts_.fault_timeout;
  if (n > 1 && !embedded_)
    for (auto k : nodes)
      init.shard_nodes.push_back(nodes_[k].address);
  for (std::size_t k = 0; k < n; ++k) {
    ps_init part = init;
    part.weights.values.assign(
      a.from.weights.begin() + static_cast<std::ptrdiff_t>(ranges[k].offset),
      a.from.weights.begin() + static_cast<std::ptrdiff_t>(ranges[k].end()));
    part.shard = static_cast<std::uint32_t>(k);
    part.shards = static_cast<std::uint32_t>(n);
    auto h = spawn_shard(nodes[k], std::move(part));
    if (!h)
      return h.error();
    if (n > 1) {
      ps_shards_.push_back(*h);
      shard_nodes_.push_back(nodes[k]);
    }
    if (k == 0)
      ps_ = *h;
  }
  ps_node_ = a.node;
  if (opts_.status)
    opts_.status->server_at(a.node);
  if (auto st = introduce_shards(); !st)
    return st;
  if (stopping_) // a server restarted after the stop stops too
    self_->send(ps_, stop_atom::value);
  return status::ok();
}

result<ps_actor> job_runner::spawn_shard(std::size_t node, ps_init init) {
  ps_actor h;
  if (embedded_) {
    h = spawn_parameter_server(sys_, std::move(init));
  } else {
    auto r = spawn_on<ps_actor>(sys_, nodes_[node], "parameter_server",
                                caf::make_message(std::move(init)),
                                opts_.connect_timeout);
    if (!r)
      return r.error();
    h = *r;
  }
  spawned_.push_back(caf::actor_cast<caf::actor>(h));
  watch(h, {role::ps, node});
  return h;
}

// Shard k's node: the live nodes in turn from `first` (shard_node's
// round-robin while every node is alive).
std::vector<std::size_t> job_runner::shard_nodes(std::size_t first) const {
  std::vector<std::size_t> alive;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const auto k = shard_node(i, first, nodes_.size());
    if (sup_->node_alive(k))
      alive.push_back(k);
  }
  if (alive.empty())
    alive.push_back(first);
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < std::max<std::size_t>(1, opts_.ps_shards); ++k)
    out.push_back(alive[k % alive.size()]);
  return out;
}

// Every shard learns the others (the lead sends orders, the rest report to
// it), and has answered, before a worker can send it anything.
status job_runner::introduce_shards() {
  std::vector<caf::actor> all;
  for (auto& s : ps_shards_)
    all.push_back(caf::actor_cast<caf::actor>(s));
  for (std::size_t k = 0; k < ps_shards_.size(); ++k) {
    status st;
    self_->request(ps_shards_[k], ms(opts_.connect_timeout), peers_atom::value, all)
      .receive([](std::uint32_t) {},
               [&](caf::error& err) {
                 st = status::io_error("introducing parameter server shard "
                                       + std::to_string(k) + " on node "
                                       + nodes_[shard_nodes_[k]].address + ": "
                                       + describe(sys_, err));
               });
    if (!st)
      return st;
  }
  return status::ok();
}

status job_runner::execute(act::spawn_worker& a) {
  auto& n = nodes_[a.node];
  auto& inc = workers_[a.worker];
  if (embedded_) {
    inc.hdl = actors::spawn_worker(sys_);
  } else {
    auto h = spawn_on<worker_actor>(sys_, n, "worker", caf::make_message(),
                                    opts_.connect_timeout);
    if (!h)
      return h.error();
    inc.hdl = *h;
  }
  inc.generation = a.from.generation;
  inc.node = a.node;
  inc.ps_node = ps_node_;
  inc.shard_nodes = shard_nodes_;
  if (opts_.status)
    opts_.status->worker_placed(a.worker, n.info.name, now_s());
  spawned_.push_back(caf::actor_cast<caf::actor>(inc.hdl));
  watch(inc.hdl, {role::worker, a.worker, inc.generation});
  worker_job wj;
  wj.job = job_;
  wj.worker = a.worker;
  wj.ps = ps_;
  wj.loader = n.loader;
  wj.progress = sink_;
  wj.start = a.from;
  wj.fault_timeout = opts_.fault_timeout;
  wj.shards = ps_shards_;
  if (!embedded_) {
    wj.ps_host = nodes_[ps_node_].host;
    wj.ps_port = nodes_[ps_node_].port;
    for (auto k : shard_nodes_) {
      wj.shard_hosts.push_back(nodes_[k].host);
      wj.shard_ports.push_back(nodes_[k].port);
    }
  }
  self_->send(inc.hdl, run_atom::value, std::move(wj));
  return status::ok();
}

status job_runner::execute(act::stop_worker& a) {
  auto& inc = workers_[a.worker];
  if (inc.hdl) {
    unwatch(inc.hdl.address());
    self_->send_exit(inc.hdl, caf::exit_reason::kill);
  }
  inc = incarnation{};
  return status::ok();
}

status job_runner::execute(act::stop_server&) {
  auto all = ps_shards_;
  if (all.empty() && ps_)
    all.push_back(ps_);
  for (auto& s : all)
    if (s) {
      unwatch(s.address());
      self_->send_exit(s, caf::exit_reason::kill);
    }
  ps_ = ps_actor{};
  ps_shards_.clear();
  shard_nodes_.clear();
  return status::ok();
}

status job_runner::execute(act::reassign& a) {
  std::optional<partition_cursor> at;
  std::string error = "no parameter server";
  if (ps_)
    self_->request(ps_, ms(opts_.connect_timeout), reassign_atom::value, a.worker)
      .receive([&](partition_cursor& c) { at = c; },
               [&](caf::error& err) { error = describe(sys_, err); });
  return apply(at ? sup_->reassign_answered(a.worker, *at)
                  : sup_->reassign_failed(a.worker, error));
}

status job_runner::execute(act::record_fault& a) {
  fault_event f;
  f.at_seconds = now_s();
  f.unix_time = std::chrono::duration<double>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  f.what = std::move(a.what);
  f.action = std::move(a.action);
  std::fprintf(stderr, "train_mnist: fault at %.1f s: %s; %s\n", f.at_seconds,
               f.what.c_str(), f.action.c_str());
  faults_meter_.count(a.kind);
  if (opts_.status) {
    opts_.status->fault({f.at_seconds, a.kind, f.what, f.action});
    for (std::size_t k = 0; k < nodes_.size(); ++k)
      if (!sup_->node_alive(k))
        opts_.status->node_lost(k);
  }
  out_.faults.push_back(std::move(f));
  return status::ok();
}

// Puts the shards of `ws` on node k: read there if it has the data, else
// sent from here.
status job_runner::execute(act::place_shards& a) {
  if (a.workers.empty())
    return status::ok();
  if (has_data_[a.node]) {
    bool loaded = false;
    if (auto st = load_shards(a.node, a.workers, loaded); !st)
      return st;
    if (loaded) {
      out_.shards_local += a.workers.size();
      return status::ok();
    }
    has_data_[a.node] = false;
  }
  return send_shards(a.node, a.workers);
}

// Asks node k's loader to read the shards itself; `loaded` stays false if
// it has no identical copy of the data (not an error: they are sent).
status job_runner::load_shards(std::size_t k, const std::vector<std::uint32_t>& ws,
                               bool& loaded) {
  shard_request req;
  req.dataset = opts_.dataset_name;
  req.rows = train_.rows;
  req.labels_crc = crc_;
  req.workers = ws;
  for (auto w : ws)
    req.indices.push_back(shards_[w]);
  status st;
  self_->request(nodes_[k].loader, ms(opts_.connect_timeout * 4), load_atom::value,
                 std::move(req))
    .receive([&](std::uint64_t) { loaded = true; },
             [&](caf::error& err) {
               const auto code = static_cast<runtime_errc>(err.code());
               if (err.category() == caf::atom("actors")
                   && (code == runtime_errc::data_not_found
                       || code == runtime_errc::data_mismatch))
                 std::fprintf(stderr, "train_mnist: %s; sending its shards\n",
                              describe(sys_, err).c_str());
               else
                 st = status::io_error("loading shards on node " + nodes_[k].address
                                       + ": " + describe(sys_, err));
             });
  return st;
}

status job_runner::send_shards(std::size_t k, const std::vector<std::uint32_t>& ws) {
  for (auto w : ws) {
    status st;
    self_->request(nodes_[k].loader, ms(opts_.connect_timeout * 4), put_atom::value,
                   cut_shard(train_, w, shards_[w]))
      .receive([](std::uint64_t) {},
               [&](caf::error& err) {
                 st = status::io_error("sending a shard to node " + nodes_[k].address
                                       + ": " + describe(sys_, err));
               });
    if (!st)
      return st;
    ++out_.shards_sent;
  }
  return status::ok();
}

// 6. Results. They come back as ordinary messages (send, not request) so
// that down messages of monitored actors interleave with them: a lost node
// is handled at once instead of at a request timeout.
status job_runner::supervise() {
  status st;
  const auto deadline = clock_type::now() + ms(opts_.run_timeout);
  while (!finished_ && st) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - clock_type::now());
    self_->receive(
      [&](worker_result& r) { st = on_result(r); },
      [&](caf::error& err) { st = on_error(err); },
      [&](caf::down_msg& dm) { st = on_down(dm); },
      [&](checkpoint_atom, ps_snapshot& snap) {
        st = apply(sup_->snapshot_stored(snapshot_of(std::move(snap))));
      },
      [&](eval_atom, std::uint64_t updates, float_buffer& centre, double at) {
        st = on_centre(updates, centre.values, at);
      },
      caf::after(std::max(left, std::chrono::milliseconds(1)))
        >> [&] { st = apply(sup_->run_timed_out()); });
  }
  return st;
}

// Books a worker's exchange bytes on its node and its server's, or with a
// sharded server on the link to each shard's node (within its node once).
void job_runner::book_bytes(const worker_result& r, const incarnation& inc) {
  if (r.shard_bytes.empty() || r.shard_bytes.size() != inc.shard_nodes.size()) {
    metrics::book_exchange(out_.node_bytes, inc.node, inc.ps_node, r.totals);
    return;
  }
  metrics::worker_totals within;
  within.within_node = r.totals.within_node;
  metrics::book_exchange(out_.node_bytes, inc.node, inc.node, within);
  for (std::size_t k = 0; k < r.shard_bytes.size(); ++k) {
    metrics::worker_totals link;
    link.between_nodes = r.shard_bytes[k];
    metrics::book_exchange(out_.node_bytes, inc.node, inc.shard_nodes[k], link);
  }
}

status job_runner::on_result(worker_result& r) {
  const auto from = self_->current_sender();
  if (r.worker >= workers_.size() || !workers_[r.worker].hdl
      || from != caf::actor_cast<caf::strong_actor_ptr>(workers_[r.worker].hdl))
    return status::ok(); // from a replaced incarnation
  auto& acc = out_.workers[r.worker];
  acc.worker = r.worker;
  acc.node = r.node;
  acc.totals += r.totals;
  acc.seconds = now_s();
  auto& inc = workers_[r.worker];
  book_bytes(r, inc);
  for (std::size_t k = 0; k < out_.node_bytes.size() && k < nodes_.size(); ++k)
    out_.node_bytes[k].node = nodes_[k].info.name.empty() ? r.node : nodes_[k].info.name;
  acc.relayed = acc.relayed || r.relayed;
  acc.epoch_loss = std::move(r.epoch_loss);
  acc.weights = std::move(r.weights);
  return apply(sup_->worker_done(r.worker, workers_[r.worker].generation));
}

// A worker's run failed; its exit follows as a down message.
status job_runner::on_error(const caf::error& err) {
  const auto from = self_->current_sender();
  for (std::uint32_t w = 0; w < workers_.size(); ++w)
    if (workers_[w].hdl && from == caf::actor_cast<caf::strong_actor_ptr>(workers_[w].hdl))
      return apply(sup_->worker_failed(w, workers_[w].generation, describe(sys_, err)));
  return status::ok();
}

status job_runner::on_down(const caf::down_msg& dm) {
  auto it = watched_.find(dm.source);
  if (it == watched_.end())
    return status::ok();
  const auto who = it->second;
  watched_.erase(it);
  const auto cause = cause_of(dm.reason);
  const std::string reason = dm.reason ? describe(sys_, dm.reason) : "normal";
  switch (who.kind) {
    case role::loader:
      // A loader only says something about its node when that is gone.
      if (cause != exit_cause::unreachable)
        return status::ok();
      return apply(sup_->node_lost(who.index, reason));
    case role::worker:
      return apply(sup_->worker_lost(static_cast<std::uint32_t>(who.index),
                                     who.generation, cause, reason));
    case role::ps:
      if (cause != exit_cause::normal)
        ps_ = ps_actor{};
      if (!ps_shards_.empty() && cause != exit_cause::normal)
        return on_shard_lost(who.index, cause, reason);
      return apply(sup_->server_lost(cause, reason));
  }
  return status::ok();
}

// A shard of a sharded server ended: the loss of the server. The other
// shards are stopped here (the supervisor sees one server), and a shard
// lost with its node (`node`, unreachable) marks that node, not the lead's,
// as lost, so that the restart avoids it and keeps the lead's if it lives.
status job_runner::on_shard_lost(std::size_t node, exit_cause cause,
                                 const std::string& reason) {
  if (cause == exit_cause::unreachable && node != ps_node_) {
    if (auto st = apply(sup_->node_lost(node, reason)); !st)
      return st;
    cause = exit_cause::error;
  }
  act::stop_server stop;
  if (auto st = execute(stop); !st)
    return st;
  return apply(sup_->server_lost(cause, "a shard on node " + nodes_[node].address
                                          + " ended: " + reason));
}

// A centre the server sent to evaluate: the callback (on this thread; the
// server trains on meanwhile) decides whether the run stops, then the
// server may send the next one.
status job_runner::on_centre(std::uint64_t updates, std::vector<float>& centre,
                             double at) {
  if (stopping_ || !opts_.on_centre)
    return status::ok();
  const auto per_epoch = out_.updates_per_epoch;
  centre_sample c;
  c.updates = updates;
  c.epoch = per_epoch > 0 ? updates / per_epoch : 0;
  c.epoch_end = opts_.eval_epochs && per_epoch > 0 && updates % per_epoch == 0;
  c.seconds = at;
  c.centre = std::move(centre);
  if (opts_.on_centre(c))
    stop_run();
  else if (ps_)
    self_->send(ps_, eval_atom::value);
  return status::ok();
}

// Tells the server to stop the run: each worker returns its result at its
// next exchange (the supervisor then sees every worker done, as at the end
// of the last epoch). A lost server is told again when it restarts.
void job_runner::stop_run() {
  stopping_ = true;
  out_.stopped = true;
  if (!ps_)
    return;
  self_->request(ps_, ms(opts_.connect_timeout), stop_atom::value)
    .receive([&](std::uint64_t u) { out_.stopped_at_update = u; },
             [&](caf::error& err) {
               std::fprintf(stderr, "train_mnist: telling the server to stop: %s\n",
                            describe(sys_, err).c_str());
             });
}

// The final centre (a shard: its range) and counters of server `s`.
status job_runner::fetch_server(const ps_actor& s, std::vector<float>& weights,
                                ps_stats& stats) {
  status st;
  self_->request(s, ms(opts_.connect_timeout), weights_atom::value)
    .receive([&](weights_msg& w) { weights = std::move(w.weights.values); },
             [&](caf::error& err) {
               st = status::io_error("fetching the final model: " + describe(sys_, err));
             });
  if (!st)
    return st;
  self_->request(s, ms(opts_.connect_timeout), stats_atom::value)
    .receive([&](ps_stats& x) { stats = x; },
             [&](caf::error& err) {
               st = status::io_error("fetching server stats: " + describe(sys_, err));
             });
  return st;
}

// The model and the server's counters; a sharded server's ranges joined in
// order, its counters summed (updates: the lead's, which every shard
// applied) and kept per shard.
status job_runner::collect_server() {
  if (ps_shards_.empty())
    return fetch_server(ps_, out_.weights, out_.server);
  out_.weights.clear();
  out_.server = ps_stats{};
  for (std::size_t k = 0; k < ps_shards_.size(); ++k) {
    shard_report rep;
    std::vector<float> range;
    if (auto st = fetch_server(ps_shards_[k], range, rep.stats); !st)
      return st;
    out_.weights.insert(out_.weights.end(), range.begin(), range.end());
    rep.shard = k;
    rep.node = nodes_[shard_nodes_[k]].info.name;
    rep.values = range.size();
    auto& s = out_.server;
    s.updates = k == 0 ? rep.stats.updates : s.updates;
    s.pulls += rep.stats.pulls;
    s.rejected += rep.stats.rejected;
    s.bytes_in += rep.stats.bytes_in;
    s.bytes_out += rep.stats.bytes_out;
    s.busy_seconds += rep.stats.busy_seconds;
    out_.shards.push_back(std::move(rep));
  }
  return status::ok();
}

// The model, the server's counters, the checkpoints, the nodes.
status job_runner::collect() {
  status st;
  out_.seconds = now_s();
  for (auto& r : out_.workers)
    out_.samples += r.totals.samples;
  if (!has_server_) {
    for (auto& r : out_.workers)
      out_.members.push_back(r.weights.values);
    out_.weights = out_.members.front();
  } else if (auto got = collect_server(); !got) {
    return got;
  }
  self_->request(sink_, ms(opts_.connect_timeout), stats_atom::value)
    .receive(
      [&](std::uint64_t n, std::vector<std::string>& errors) {
        out_.checkpoints = n;
        out_.checkpoint_errors = std::move(errors);
      },
      [&](caf::error& err) {
        st = status::io_error("counting the checkpoints: " + describe(sys_, err));
      });
  for (std::size_t k = 0; k < nodes_.size(); ++k)
    out_.nodes.push_back(nodes_[k].info.name + " (" + nodes_[k].address + ")"
                         + (sup_->node_alive(k) ? "" : " lost"));
  return st;
}

} // namespace

result<cluster_result> run_job(caf::actor_system& sys, const job_spec& job,
                               const cluster_options& opts, const dataset& train,
                               const std::vector<float>& initial,
                               const cluster_progress_callback& on_progress) {
  job_runner runner{sys, job, opts, train, initial, on_progress};
  return runner.run();
}

} // namespace actors
