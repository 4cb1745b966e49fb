#include "actors/metrics/meters.hpp"

namespace actors::metrics {

namespace {

constexpr const char* faults_help = "Faults the driver handled, by kind.";
const char* const fault_kinds[] = {"worker", "node", "server"};

} // namespace

const std::vector<double>& staleness_bounds() {
  static const std::vector<double> b{0, 1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128};
  return b;
}

worker_meter::worker_meter(registry* r, std::uint32_t worker,
                           const std::string& node) {
  if (r == nullptr)
    return;
  const labels l{{"node", node}, {"worker", std::to_string(worker)}};
  samples_ = &r->make_counter("actors_samples_total", "Samples trained.", l);
  commits_ = &r->make_counter("actors_worker_commits_total",
                              "Exchanges with the parameter server completed.", l);
  const char* link = "Exchange bytes between a worker and the parameter server.";
  auto bytes = [&](const char* direction, const char* scope) {
    return &r->make_counter("actors_link_bytes_total", link,
                            {{"direction", direction}, l[0], {"scope", scope}, l[1]});
  };
  between_sent_ = bytes("sent", "between_nodes");
  between_received_ = bytes("received", "between_nodes");
  within_sent_ = bytes("sent", "within_node");
  within_received_ = bytes("received", "within_node");
  wait_ = &r->make_counter("actors_worker_wait_seconds_total",
                           "Seconds a worker waited for the parameter server.", l);
}

void worker_meter::publish(const worker_totals& now) {
  if (samples_ == nullptr)
    return;
  samples_->add(static_cast<double>(now.samples - last_.samples));
  commits_->add(static_cast<double>(now.commits - last_.commits));
  const auto grown = now.since(last_);
  between_sent_->add(static_cast<double>(grown.between_nodes.sent));
  between_received_->add(static_cast<double>(grown.between_nodes.received));
  within_sent_->add(static_cast<double>(grown.within_node.sent));
  within_received_->add(static_cast<double>(grown.within_node.received));
  wait_->add(now.wait_seconds - last_.wait_seconds);
  last_ = now;
}

server_meter::server_meter(registry* r, const std::string& node) {
  if (r == nullptr)
    return;
  const labels l{{"node", node}};
  updates_ = &r->make_counter("actors_ps_updates_total",
                              "Commits the parameter server applied.", l);
  staleness_ = &r->make_histogram(
    "actors_update_staleness",
    "Updates applied between a worker's pull and its commit.",
    staleness_bounds(), l);
}

void server_meter::applied(std::uint64_t staleness) {
  if (updates_ == nullptr)
    return;
  updates_->add();
  staleness_->observe(static_cast<double>(staleness));
}

fault_meter::fault_meter(registry* r) : registry_(r) {
  if (r == nullptr)
    return;
  for (const char* kind : fault_kinds)
    r->make_counter("actors_faults_total", faults_help, {{"kind", kind}});
}

void fault_meter::count(const std::string& kind) {
  if (registry_ != nullptr)
    registry_->make_counter("actors_faults_total", faults_help, {{"kind", kind}})
      .add();
}

} // namespace actors::metrics
