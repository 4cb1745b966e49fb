#include "actors/runtime/status_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>

#include "actors/metrics/process.hpp"
#include "actors/runtime/driver.hpp"
#include "actors/runtime/transport.hpp"

namespace actors {

namespace {

// "[::1]" -> "::1": the bracketed IPv6 form of HOST:PORT.
std::string unbracket(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    return host.substr(1, host.size() - 2);
  return host;
}

// The address checks: HOST:PORT, a host that resolves, loopback unless
// consented to.
result<std::pair<std::string, std::uint16_t>>
check_address(const status_server_options& o) {
  const std::string named = o.option + "=" + o.address;
  auto ep = parse_endpoint(o.address, o.option);
  if (!ep)
    return status::invalid_argument(ep.error().message()
                                    + " (e.g. 127.0.0.1:9100)");
  ep->first = unbracket(ep->first);
  if (!is_loopback(ep->first) && !o.allow_public)
    return status::invalid_argument(
      named + ": " + ep->first
      + " is not a loopback address (or does not resolve); serving metrics "
        "beyond this host needs " + o.consent_option + "=true");
  return ep;
}

} // namespace

status_route metrics_route(const metrics::registry& r) {
  return {"/metrics", metrics::text_format_content_type,
          [&r] { return r.render(); }};
}

result<std::unique_ptr<status_server>>
status_server::start(const status_server_options& o,
                     std::vector<status_route> routes) {
  auto ep = check_address(o);
  if (!ep)
    return ep.error();
  const auto& [host, port] = *ep;
  std::unique_ptr<status_server> s{new status_server};
  s->server_ = std::make_unique<httplib::Server>();
  auto& svr = *s->server_;
  svr.new_task_queue = [] { return new httplib::ThreadPool(2); };
  // httplib's default also sets SO_REUSEPORT, with which a second process
  // binds a port already in use and takes half of its scrapes: only
  // SO_REUSEADDR (a restart rebinds while old connections linger).
  svr.set_socket_options([](socket_t sock) {
    const int one = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  });
  for (auto& r : routes)
    svr.Get(r.path, [r](const httplib::Request&, httplib::Response& res) {
      res.set_content(r.body(), r.content_type.c_str());
    });
  if (!svr.bind_to_port(host, port)) {
    auto why = bind_problem(host, port);
    return status::invalid_argument(o.option + "=" + o.address
                                    + ": cannot listen: "
                                    + (why.empty() ? "bind failed" : why));
  }
  const bool v6 = host.find(':') != std::string::npos;
  s->url_ = "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  s->thread_ = std::thread{[&svr] { svr.listen_after_bind(); }};
  std::string paths;
  for (auto& r : routes)
    paths += (paths.empty() ? " " : ", ") + s->url_ + r.path;
  std::fprintf(stderr, "%s: serving%s (read-only)\n", o.log_name.c_str(),
               paths.c_str());
  if (!is_loopback(host))
    std::fprintf(stderr,
                 "%s: WARNING: %s=true: what %s serves is open to anyone who "
                 "reaches this address (no authentication)\n",
                 o.log_name.c_str(), o.consent_option.c_str(), s->url_.c_str());
  return s;
}

result<std::unique_ptr<status_server>>
serve_metrics(const status_server_options& o, metrics::registry& r,
              std::vector<status_route> more) {
  if (o.address.empty())
    return std::unique_ptr<status_server>{};
  metrics::add_process_metrics(r);
  more.insert(more.begin(), metrics_route(r));
  return status_server::start(o, std::move(more));
}

status_server::~status_server() {
  // stop() before the listening thread got going would be lost (httplib
  // only stops a running server): wait for it first, briefly.
  for (int i = 0; server_ && !server_->is_running() && i < 2000; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (server_)
    server_->stop();
  if (thread_.joinable())
    thread_.join();
}

} // namespace actors
