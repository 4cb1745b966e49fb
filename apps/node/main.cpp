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
// without node.insecure=true).
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <csignal>
#include <cstdio>
#include <regex>
#include <thread>
#include <chrono>

#include "actors/runtime/node_config.hpp"
#include "actors/runtime/transport.hpp"
#include "actors/util/options.hpp"

using namespace actors;

namespace {

struct raw_settings {
  std::string host = "127.0.0.1";
  std::size_t port = 4242;
  std::string name;
  std::size_t workers = 1;
  std::size_t threads = 1;
  std::string data_dir = "data";
  std::size_t max_threads = 2;
  std::string policy = "stealing";
  std::string heartbeat = "1s";
  std::string connection_timeout = "0s";
  bool insecure = false;
  std::string tls_dir;
  tls_settings tls;
};

// CAF reports every bind failure as "tcp socket creation failed"; binding
// once more ourselves tells the operator why (address in use, not ours).
std::string bind_problem(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0)
    return gai_strerror(rc);
  std::string why;
  const int fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
  if (fd < 0) {
    why = std::strerror(errno);
  } else {
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0)
      why = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(res);
  return why;
}

bool is_timespan(const std::string& v) {
  static const std::regex pattern{"^[0-9]+(ns|us|ms|s|min|h)$"};
  return std::regex_match(v, pattern);
}

} // namespace

int main(int argc, char** argv) {
  raw_settings r;
  option_set opts{"caf-node", "hosts parameter servers, workers and data loaders"};
  opts.config_flag("config-file");
  opts.add("node.host", &r.host, "address to listen on");
  opts.add("node.port", &r.port, 1, 65535, "port drivers connect to");
  opts.add("node.name", &r.name, "name in logs and reports; default: host name");
  opts.add("node.workers", &r.workers, 1, 1024, "worker slots on this node");
  opts.add("node.threads", &r.threads, 1, 256, "compute threads per worker");
  opts.add("node.data-dir", &r.data_dir, "directory holding mnist/ and fashion/");
  opts.add("scheduler.max-threads", &r.max_threads, 1, 1024,
           "CAF scheduler threads; default node.workers + 2");
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
  opts.add("node.tls-dir", &r.tls_dir,
           "use DIR/tls.crt, DIR/tls.key and DIR/ca.crt for TLS if DIR holds them");
  add_tls_options(opts, r.tls, "this node", "peers");
  bool help = false;
  if (auto st = opts.parse(argc, argv, help); !st) {
    std::fprintf(stderr, "caf-node: %s\n", st.message().c_str());
    return 2;
  }
  if (help) {
    std::printf("%s", opts.help().c_str());
    return 0;
  }
  if (auto st = apply_tls_dir(r.tls, r.tls_dir, "node.tls-dir"); !st) {
    std::fprintf(stderr, "caf-node: %s\n", st.message().c_str());
    return 2;
  }
  if (auto st = check_tls(r.tls); !st) {
    std::fprintf(stderr, "caf-node: %s\n", st.message().c_str());
    return 2;
  }
  // Anyone who reaches an unauthenticated port can run jobs here and send
  // them data, so leaving loopback without TLS takes an explicit opt-in.
  const bool tls = r.tls.requested();
  const bool loopback = is_loopback(r.host);
  if (!tls && !loopback && !r.insecure) {
    std::fprintf(stderr,
                 "caf-node: node.host=%s is not a loopback address and TLS is "
                 "not configured, so any peer reaching it could spawn actors "
                 "here. Either configure mutual TLS (openssl.certificate, "
                 "openssl.key, openssl.cafile, or node.tls-dir; "
                 "scripts/make_certs.sh makes them) or set node.insecure=true "
                 "on a network you trust\n",
                 r.host.empty() ? "(any)" : r.host.c_str());
    return 2;
  }
  if (r.name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    r.name = host;
  }

  // Handle the signals in main via sigwait; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  node_config cfg;
  cfg.serve_actors();
  if (auto err = cfg.parse(argc, argv)) {
    std::fprintf(stderr, "caf-node: %s\n", cfg.render(err).c_str());
    return 2;
  }
  node_settings ns;
  ns.host = r.host;
  ns.port = static_cast<std::uint16_t>(r.port);
  ns.name = r.name;
  ns.workers = r.workers;
  ns.threads = r.threads;
  ns.data_dir = r.data_dir;
  cfg.apply(ns);
  use_transport(cfg, r.tls);
  // Each worker holds a scheduler thread while it trains a slice of batches;
  // two more keep messages (pulls, commits, heartbeats) flowing.
  // Drivers count a node silent for --fault-timeout as lost, and with
  // workers connected straight to the server a node may have nothing else
  // to say to the driver for minutes: heartbeats are on unless turned off.
  if (!opts.was_set("middleman.heartbeat-interval"))
    cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::seconds(1)});
  if (!opts.was_set("scheduler.max-threads"))
    cfg.set("scheduler.max-threads", static_cast<int>(r.workers + 2));
  else
    cfg.set("scheduler.max-threads", static_cast<int>(r.max_threads));

  int rc = 0;
  {
    caf::actor_system sys{cfg};
    auto port = listen(sys, ns.host, ns.port, std::chrono::seconds(10));
    if (!port) {
      auto why = bind_problem(ns.host, ns.port);
      if (why.empty())
        why = port.error().message();
      std::fprintf(stderr, "node %s: cannot listen on %s:%u: %s\n",
                   ns.name.c_str(), ns.host.c_str(), unsigned{ns.port},
                   why.c_str());
      return 1;
    }
    std::fprintf(stderr,
                 "node %s: listening on %s:%u (%zu worker slots, %zu "
                 "threads each, data in %s)\n",
                 ns.name.c_str(), ns.host.c_str(), unsigned{*port}, ns.workers,
                 ns.threads, ns.data_dir.c_str());
    std::fprintf(stderr, "node %s: transport: %s\n", ns.name.c_str(),
                 transport_name(sys).c_str());
    if (!tls && !loopback)
      std::fprintf(stderr,
                   "node %s: WARNING: node.insecure=true: listening on %s:%u "
                   "WITHOUT TLS OR AUTHENTICATION; anyone who reaches this "
                   "port can run jobs on this node. Configure openssl.* to "
                   "close it.\n",
                   ns.name.c_str(), ns.host.c_str(), unsigned{*port});
    int sig = 0;
    sigwait(&signals, &sig);
    std::fprintf(stderr, "node %s: %s, shutting down\n", ns.name.c_str(),
                 sig == SIGINT ? "SIGINT" : "SIGTERM");
    close_port(sys, *port);
    stop_served_actors();
    // CAF 0.17 waits at shutdown until every connection has sent what it
    // holds; one to a host that vanished (link cut, frozen) never does.
    const std::string name = ns.name;
    std::thread{[name] {
      std::this_thread::sleep_for(std::chrono::seconds(10));
      std::fprintf(stderr,
                   "node %s: shutdown still waiting after 10 s for a peer "
                   "that is unreachable; exiting without it\n",
                   name.c_str());
      std::_Exit(0);
    }}.detach();
  }
  std::fprintf(stderr, "node %s: stopped\n", r.name.c_str());
  return rc;
}
