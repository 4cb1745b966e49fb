// status_server: the read-only HTTP endpoint of a process (caf-node's
// node.metrics, train_mnist's --status): GET /metrics in the Prometheus text
// format, and whatever other pages its owner adds as routes (a status page,
// /status.json).
//
// HTTP library: cpp-httplib (Debian's libcpp-httplib-dev, 0.11.4 in
// Debian 12, a compiled library behind one header). Chosen over civetweb
// (libcivetweb-dev) because this endpoint needs GET on a few paths and
// nothing else: httplib is one class with routes as lambdas, while civetweb
// is a whole web server (file serving, CGI, Lua, WebSocket, an options
// table) whose every feature is surface to turn off. Only GET handlers are
// registered: any other method or path gets 404/405, nothing is written.
//
// Security: the address must be loopback unless the owner passes
// `allow_public` (the user's explicit consent, e.g. node.metrics-public=true),
// and then a WARNING line is logged. Bad addresses, unresolvable hosts and
// ports that cannot be bound are errors naming the option.
//
// Threads: the server runs on its own threads (a pool of two); each route's
// body is produced on one of them, concurrently with the actors, so it may
// read only thread-safe state (metrics::registry is). Destroying the server
// stops it and joins its threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/metrics/registry.hpp"
#include "actors/util/status.hpp"

namespace httplib {
class Server;
}

namespace actors {

/// One GET path and how to answer it.
struct status_route {
  std::string path;
  std::string content_type;
  std::function<std::string()> body;
};

/// GET /metrics: `r` rendered in the text format 0.0.4.
status_route metrics_route(const metrics::registry& r);

/// Where and how a status server listens.
struct status_server_options {
  /// HOST:PORT ([::1]:PORT for IPv6).
  std::string address;
  /// The user consented to a non-loopback address.
  bool allow_public = false;
  /// The options named in errors and logs ("--status", "--status-public").
  std::string option = "--status";
  std::string consent_option = "--status-public";
  /// Who speaks in the log lines ("train_mnist", "node n1").
  std::string log_name = "status";
};

/// The usual server: nothing (null) if `o.address` is empty, else `r`,
/// with the process's own figures added (metrics/process.hpp), on GET
/// /metrics, and `more` routes beside it (train_mnist's status page).
class status_server;
result<std::unique_ptr<status_server>>
serve_metrics(const status_server_options& o, metrics::registry& r,
              std::vector<status_route> more = {});

/// A running status server; see the header comment.
class status_server {
public:
  /// Checks the address and the consent, binds and starts serving `routes`;
  /// an invalid_argument status naming options.option otherwise.
  static result<std::unique_ptr<status_server>>
  start(const status_server_options& opts, std::vector<status_route> routes);

  ~status_server();
  status_server(const status_server&) = delete;
  status_server& operator=(const status_server&) = delete;

  /// "http://HOST:PORT".
  const std::string& url() const { return url_; }

private:
  status_server() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string url_;
};

} // namespace actors
