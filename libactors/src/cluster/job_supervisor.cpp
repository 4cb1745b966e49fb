#include "actors/cluster/job_supervisor.hpp"

#include <algorithm>
#include <utility>

namespace actors {

namespace {

supervisor_actions fail_with(std::string why) {
  return {act::fail{status::io_error(std::move(why))}};
}

} // namespace

std::vector<std::size_t> place_workers(const std::vector<std::size_t>& slots,
                                       std::size_t wanted) {
  std::vector<std::size_t> node_of;
  for (std::size_t k = 0; k < slots.size(); ++k) {
    std::size_t n = slots[k];
    if (wanted > 0)
      n = std::min(n, wanted - std::min(wanted, node_of.size()));
    node_of.insert(node_of.end(), n, k);
  }
  // More ensemble members than slots: put the rest on the nodes in turn.
  for (std::size_t k = 0; !slots.empty() && node_of.size() < wanted; ++k)
    node_of.push_back(k % slots.size());
  return node_of;
}

job_supervisor::job_supervisor(supervisor_config cfg)
  : cfg_(std::move(cfg)),
    alive_(cfg_.nodes.size(), true),
    parts_(cfg_.placement.size()),
    server_node_(cfg_.server_node) {
  for (std::size_t w = 0; w < parts_.size(); ++w)
    parts_[w].node = cfg_.placement[w];
}

status job_supervisor::check_resume() const {
  const auto& from = *cfg_.resume_from;
  const auto total = parts_.size();
  if (from.cursors.size() != total)
    return status::invalid_argument(
      "the checkpoint has " + std::to_string(from.cursors.size())
      + " partitions but the nodes offer " + std::to_string(total)
      + " workers; use --workers-per-node so that they match");
  if (from.weights.size() != cfg_.initial.size())
    return status::invalid_argument(
      "the checkpoint's model has " + std::to_string(from.weights.size())
      + " parameters, the job's " + std::to_string(cfg_.initial.size()));
  return status::ok();
}

supervisor_actions job_supervisor::start() {
  if (cfg_.resume_from) {
    if (auto st = check_resume(); !st)
      return {act::fail{st}};
    origin_ = *cfg_.resume_from;
    // The checkpoint's incarnations may still be alive somewhere (a frozen
    // driver's job): the resumed ones are newer.
    for (std::size_t w = 0; w < parts_.size(); ++w)
      parts_[w].generation = origin_.cursors[w].generation + 1;
  } else {
    origin_.weights = cfg_.initial;
    origin_.cursors.resize(parts_.size());
  }
  return spawn_all(origin_);
}

// The server (if any) on server_node_ from `from`, every partition's shards
// on its node, then every worker at its cursor in `from`, all stamped with
// the partitions' current generations.
supervisor_actions job_supervisor::spawn_all(server_snapshot from) {
  for (std::size_t w = 0; w < parts_.size(); ++w)
    from.cursors[w].generation = parts_[w].generation;
  supervisor_actions out;
  if (cfg_.has_server) {
    out.push_back(act::spawn_server{server_node_, from});
    server_running_ = true;
  }
  std::map<std::size_t, std::vector<std::uint32_t>> by_node;
  for (std::uint32_t w = 0; w < parts_.size(); ++w)
    by_node[parts_[w].node].push_back(w);
  for (auto& [node, ws] : by_node)
    out.push_back(act::place_shards{node, std::move(ws)});
  for (std::uint32_t w = 0; w < parts_.size(); ++w) {
    auto& p = parts_[w];
    p.running = true;
    out.push_back(act::spawn_worker{w, p.node, from.cursors[w]});
  }
  return out;
}

std::optional<std::size_t> job_supervisor::least_loaded() const {
  std::optional<std::size_t> best;
  std::size_t best_load = 0;
  for (std::size_t k = 0; k < alive_.size(); ++k) {
    if (!alive_[k])
      continue;
    std::size_t load = (server_node_ == k && cfg_.has_server) ? 1 : 0;
    for (auto& p : parts_)
      load += (p.node == k && !p.done) ? 1 : 0;
    if (!best || load < best_load) {
      best = k;
      best_load = load;
    }
  }
  return best;
}

bool job_supervisor::current(std::uint32_t worker, std::uint32_t generation) const {
  return worker < parts_.size() && parts_[worker].running
         && parts_[worker].generation == generation;
}

bool job_supervisor::finished() const {
  return std::all_of(parts_.begin(), parts_.end(),
                     [](const partition_state& p) { return p.done; });
}

std::uint64_t job_supervisor::restart_point() const {
  return latest_ ? latest_->updates : origin_.updates;
}

supervisor_actions job_supervisor::node_lost(std::size_t node,
                                             const std::string& reason) {
  if (node >= alive_.size() || !alive_[node])
    return {};
  alive_[node] = false;
  return {act::record_fault{"node " + cfg_.nodes[node] + " is unreachable ("
                              + reason + ")",
                            "its partitions move to the surviving nodes", "node"}};
}

supervisor_actions job_supervisor::worker_done(std::uint32_t worker,
                                               std::uint32_t generation) {
  if (!current(worker, generation))
    return {}; // from a replaced incarnation
  parts_[worker].done = true;
  if (finished())
    return {act::finish{}};
  return {};
}

supervisor_actions job_supervisor::worker_failed(std::uint32_t worker,
                                                 std::uint32_t generation,
                                                 std::string error) {
  if (current(worker, generation))
    parts_[worker].last_error = std::move(error);
  return {};
}

supervisor_actions job_supervisor::worker_lost(std::uint32_t worker,
                                               std::uint32_t generation,
                                               exit_cause cause,
                                               const std::string& reason) {
  if (!current(worker, generation))
    return {}; // a replaced incarnation
  auto& p = parts_[worker];
  if (cause == exit_cause::normal) {
    p.running = false;
    return {};
  }
  if (p.done)
    return {}; // its result is in; nothing is lost
  const std::string why = "worker " + std::to_string(worker) + " on node "
                          + cfg_.nodes[p.node] + " is gone (" + reason + ")";
  p.running = false;
  if (cause == exit_cause::unreachable)
    alive_[p.node] = false;
  if (++p.restarts > cfg_.max_restarts)
    return fail_with(why + "; partition " + std::to_string(worker)
                     + " was restarted " + std::to_string(cfg_.max_restarts)
                     + " times already (--max-restarts)"
                     + (p.last_error.empty() ? "" : "; last error: " + p.last_error));
  if (!alive_[p.node]) {
    auto k = least_loaded();
    if (!k)
      return fail_with(why + "; no node is left to run it on");
    p.node = *k;
  }
  reassigning_[worker] = why;
  if (cfg_.has_server)
    return {act::reassign{worker}};
  // Without a server the partition starts over.
  return reassign_answered(worker, partition_cursor{});
}

supervisor_actions job_supervisor::reassign_answered(std::uint32_t worker,
                                                     partition_cursor at) {
  auto it = reassigning_.find(worker);
  if (it == reassigning_.end())
    return {};
  const std::string why = std::move(it->second);
  reassigning_.erase(it);
  auto& p = parts_[worker];
  p.generation = std::max(p.generation + 1, at.generation);
  at.generation = p.generation;
  p.running = true;
  const std::string from = cfg_.dynamic ? " (its chunks back in the queue)"
                                        : " from batch " + std::to_string(at.batches_done);
  return {act::place_shards{p.node, {worker}},
          act::record_fault{why, "worker " + std::to_string(worker)
                                   + " restarted on node " + cfg_.nodes[p.node] + from
                                   + " (generation " + std::to_string(p.generation)
                                   + ")",
                            "worker"},
          act::spawn_worker{worker, p.node, at}};
}

supervisor_actions job_supervisor::reassign_failed(std::uint32_t worker,
                                                   const std::string& error) {
  auto it = reassigning_.find(worker);
  if (it == reassigning_.end())
    return {};
  const std::string why = it->second;
  return restart_server(why + "; then reassigning partition "
                        + std::to_string(worker) + ": " + error);
}

supervisor_actions job_supervisor::server_lost(exit_cause cause,
                                               const std::string& reason) {
  if (!server_running_ || cause == exit_cause::normal)
    return {};
  server_running_ = false;
  if (cause == exit_cause::unreachable)
    alive_[server_node_] = false;
  return restart_server("the parameter server on node " + cfg_.nodes[server_node_]
                        + " is gone (" + reason + ")");
}

// Commits after the snapshot died with the server: every partition restarts
// from its cursor there, done or not, with a new generation.
supervisor_actions job_supervisor::restart_server(const std::string& why) {
  if (++server_restarts_ > cfg_.max_restarts)
    return fail_with(why + "; the parameter server was restarted "
                     + std::to_string(cfg_.max_restarts)
                     + " times already (--max-restarts)");
  supervisor_actions out;
  if (server_running_)
    out.push_back(act::stop_server{});
  server_running_ = false;
  auto k = least_loaded();
  if (!k)
    return fail_with(why + "; no node is left to restart the server on");
  const server_snapshot& from = latest_ ? *latest_ : origin_;
  for (std::uint32_t w = 0; w < parts_.size(); ++w) {
    auto& p = parts_[w];
    if (p.running)
      out.push_back(act::stop_worker{w});
    p.running = false;
    p.done = false;
    ++p.generation;
    if (!alive_[p.node])
      p.node = *k; // refined below
  }
  reassigning_.clear();
  out.push_back(act::record_fault{
    why, "restarted the parameter server on node " + cfg_.nodes[*k]
           + " from the checkpoint at update " + std::to_string(from.updates)
           + "; every worker resumes from it",
    "server"});
  server_node_ = *k;
  // Spread the partitions of lost nodes, and those on the server's new
  // node, over the survivors.
  for (auto& p : parts_)
    if (!alive_[p.node] || p.node == *k)
      if (auto j = least_loaded())
        p.node = *j;
  for (auto& a : spawn_all(from))
    out.push_back(std::move(a));
  return out;
}

supervisor_actions job_supervisor::snapshot_stored(server_snapshot snap) {
  // A late snapshot of a server that was replaced must not win; one that
  // does not fit the job cannot restart it.
  if (snap.updates < restart_point() || snap.cursors.size() != parts_.size())
    return {};
  latest_ = std::move(snap);
  return {};
}

supervisor_actions job_supervisor::run_timed_out() {
  return fail_with("training did not finish within --run-timeout ("
                   + std::to_string(cfg_.run_timeout) + " s)");
}

} // namespace actors
