// caf-node: hosts the runtime's actors on one machine.
//
// Drivers (train_mnist --nodes=...) connect to it and spawn, by name, a data
// loader, workers and possibly the parameter server; nothing else can be
// spawned. With CAF's openssl.* settings (or node.tls-dir) only peers with a
// certificate from the cluster's CA get in (runtime/transport.hpp); without
// them the node stays on loopback unless node.insecure=true. Configuration: an INI file (--config-file=FILE) and --section.key
// arguments, validated strictly before CAF sees them, because CAF's own
// parser keeps the default on a misspelt key or a bad value.
//
// Exit codes: 0 after SIGINT/SIGTERM, 1 if the port cannot be opened,
// 2 for bad configuration (also a non-loopback node.host without TLS and
// without node.insecure=true, and a node.metrics that is not HOST:PORT,
// cannot be bound, or is not loopback without node.metrics-public=true).
//
// node.metrics=HOST:PORT serves GET /metrics in the Prometheus text format
// (runtime/status_server.hpp; the series are listed in metrics/meters.hpp).
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <regex>

#include "actors/runtime/node_config.hpp"
#include "actors/runtime/status_server.hpp"
#include "actors/runtime/system_host.hpp"
#include "actors/runtime/transport.hpp"
#include "actors/util/options.hpp"

using namespace actors;

namespace {

// The options as parsed: the node's own settings (runtime/node_config.hpp,
// their defaults too) and what only this program reads.
struct raw_settings {
  node_settings node;
  // node.port as parsed (range-checked before it narrows to node.port).
  std::size_t port = node_settings{}.port;
  std::size_t max_threads = 2;
  std::string policy = "stealing";
  std::string heartbeat = "1s";
  std::string connection_timeout = "0s";
  bool insecure = false;
  std::string metrics;
  bool metrics_public = false;
  std::string tls_dir;
  tls_settings tls;
};

bool is_timespan(const std::string& v) {
  static const std::regex pattern{"^[0-9]+(ns|us|ms|s|min|h)$"};
  return std::regex_match(v, pattern);
}

// Declares every option of caf-node, bound to `r`.
void declare_options(option_set& opts, raw_settings& r) {
  opts.config_flag("config-file");
  opts.add("node.host", &r.node.host, "address to listen on");
  opts.add("node.port", &r.port, 1, 65535, "port drivers connect to");
  opts.add("node.name", &r.node.name, "name in logs and reports; default: host name");
  opts.add("node.workers", &r.node.workers, 1, 1024, "worker slots on this node");
  opts.add("node.threads", &r.node.threads, 1, 256, "compute threads per worker");
  opts.add("node.data-dir", &r.node.data_dir, "directory holding mnist/ and fashion/");
  opts.add("node.detached-actors", &r.node.detached_actors,
           "run each worker and parameter server on a thread of its own "
           "(CAF's detached spawn) instead of the shared scheduler");
  opts.add("scheduler.max-threads", &r.max_threads, 1, 1024,
           "CAF scheduler threads; default 2 with node.detached-actors, "
           "else node.workers + 2");
  opts.add_choice("scheduler.policy", &r.policy, {"stealing", "sharing"},
                  "CAF scheduling policy");
  opts.add_checked("middleman.heartbeat-interval", &r.heartbeat,
                   "a duration such as 500ms or 2s", is_timespan,
                   "CAF heartbeat interval; 0s = off (a driver then sees this "
                   "node as lost after its --fault-timeout of silence)");
  opts.add_checked("middleman.connection-timeout", &r.connection_timeout,
                   "a duration such as 500ms or 2s", is_timespan,
                   "drop a peer silent this long; 0s = never");
  opts.add("node.insecure", &r.insecure,
           "listen on a non-loopback node.host without TLS (trusted networks only)");
  opts.add("node.metrics", &r.metrics,
           "serve GET /metrics (Prometheus text format) on HOST:PORT; empty = off");
  opts.add("node.metrics-public", &r.metrics_public,
           "allow node.metrics on a non-loopback address (no authentication)");
  opts.add("node.tls-dir", &r.tls_dir,
           "use DIR/tls.crt, DIR/tls.key and DIR/ca.crt for TLS if DIR holds them");
  add_tls_options(opts, r.tls, "this node", "peers");
}

// TLS files, and the explicit opt-in that leaving loopback without TLS
// takes: anyone who reaches an unauthenticated port can run jobs here and
// send them data. Fills in the default name.
status check_settings(raw_settings& r) {
  if (auto st = apply_tls_dir(r.tls, r.tls_dir, "node.tls-dir"); !st)
    return st;
  if (auto st = check_tls(r.tls); !st)
    return st;
  if (!r.tls.requested() && !is_loopback(r.node.host) && !r.insecure)
    return status::invalid_argument(
      "node.host=" + (r.node.host.empty() ? std::string{"(any)"} : r.node.host)
      + " is not a loopback address and TLS is not configured, so any peer "
        "reaching it could spawn actors here. Either configure mutual TLS "
        "(openssl.certificate, openssl.key, openssl.cafile, or node.tls-dir; "
        "scripts/make_certs.sh makes them) or set node.insecure=true on a "
        "network you trust");
  if (r.node.name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    r.node.name = host;
  }
  return status::ok();
}

system_host_options host_options(const raw_settings& r, const option_set& opts) {
  system_host_options h;
  h.node = r.node;
  h.node.port = static_cast<std::uint16_t>(r.port);
  h.serve_actors = true;
  h.tls = r.tls;
  // A scheduled worker holds a scheduler thread while it trains a slice of
  // batches; two more keep messages (pulls, commits, heartbeats) flowing.
  // Detached workers and servers have threads of their own: the two are
  // enough, and every thread more would only poll for work.
  const std::size_t threads = r.node.detached_actors ? 2 : r.node.workers + 2;
  h.max_threads = opts.was_set("scheduler.max-threads") ? r.max_threads : threads;
  // With detached workers and servers the scheduler carries only small
  // actors, and its idle threads' polling (CAF's 500 sleeps of 50 us after
  // each job) cost about 3 % of a core each (perf, a two-node loopback
  // run): idle threads wait for work to be signalled instead. With
  // scheduled workers CAF's polling stays, where stealing queued replies
  // promptly pays.
  if (r.node.detached_actors)
    h.moderate_polls = 0;
  // Drivers count a node silent for --fault-timeout as lost, and with
  // workers connected straight to the server a node may have nothing else
  // to say to the driver for minutes: heartbeats are on unless turned off.
  if (!opts.was_set("middleman.heartbeat-interval"))
    h.heartbeat = caf::timespan{std::chrono::seconds(1)};
  // A connection to a peer that vanished would hold the shutdown forever.
  h.shutdown_grace = std::chrono::seconds(10);
  h.log_name = "node " + r.node.name;
  return h;
}

// Listens, then serves drivers until SIGINT or SIGTERM (blocked in every
// thread, taken here by sigwait). 1 if the port cannot be opened.
int serve(caf::actor_system& sys, const raw_settings& r, sigset_t& signals) {
  const auto port_wanted = static_cast<std::uint16_t>(r.port);
  auto port = listen(sys, r.node.host, port_wanted, std::chrono::seconds(10));
  if (!port) {
    auto why = bind_problem(r.node.host, port_wanted);
    if (why.empty())
      why = port.error().message();
    std::fprintf(stderr, "node %s: cannot listen on %s:%u: %s\n",
                 r.node.name.c_str(), r.node.host.c_str(), unsigned{port_wanted},
                 why.c_str());
    return 1;
  }
  std::fprintf(stderr,
               "node %s: listening on %s:%u (%zu worker slots, %zu "
               "threads each, data in %s)\n",
               r.node.name.c_str(), r.node.host.c_str(), unsigned{*port}, r.node.workers,
               r.node.threads, r.node.data_dir.c_str());
  std::fprintf(stderr, "node %s: workers and servers run %s\n", r.node.name.c_str(),
               r.node.detached_actors ? "detached, each on a thread of its own"
                                 : "on the shared scheduler");
  std::fprintf(stderr, "node %s: transport: %s\n", r.node.name.c_str(),
               transport_name(sys).c_str());
  if (!r.tls.requested() && !is_loopback(r.node.host))
    std::fprintf(stderr,
                 "node %s: WARNING: node.insecure=true: listening on %s:%u "
                 "WITHOUT TLS OR AUTHENTICATION; anyone who reaches this "
                 "port can run jobs on this node. Configure openssl.* to "
                 "close it.\n",
                 r.node.name.c_str(), r.node.host.c_str(), unsigned{*port});
  int sig = 0;
  sigwait(&signals, &sig);
  std::fprintf(stderr, "node %s: %s, shutting down\n", r.node.name.c_str(),
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  close_port(sys, *port);
  stop_served_actors();
  return 0;
}

int fail(const status& st) {
  std::fprintf(stderr, "caf-node: %s\n", st.message().c_str());
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  raw_settings r;
  option_set opts{"caf-node", "hosts parameter servers, workers and data loaders"};
  declare_options(opts, r);
  bool help = false;
  if (auto st = opts.parse(argc, argv, help); !st)
    return fail(st);
  if (help) {
    std::printf("%s", opts.help().c_str());
    return 0;
  }
  if (auto st = check_settings(r); !st)
    return fail(st);

  // Handle the signals in main via sigwait; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  metrics::registry registry;
  auto metrics_server = serve_metrics({r.metrics, r.metrics_public, "node.metrics",
                                      "node.metrics-public", "node " + r.node.name},
                                     registry);
  if (!metrics_server)
    return fail(metrics_server.error());
  auto hopts = host_options(r, opts);
  if (*metrics_server)
    hopts.metrics = &registry;
  auto host = system_host::start(hopts, argc, argv);
  if (!host)
    return fail(host.error());
  const int rc = serve((*host)->system(), r, signals);
  host->reset(); // stops the system, or exits after the shutdown grace
  if (rc == 0)
    std::fprintf(stderr, "node %s: stopped\n", r.node.name.c_str());
  return rc;
}
