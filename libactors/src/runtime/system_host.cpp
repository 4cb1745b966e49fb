#include "actors/runtime/system_host.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace actors {

namespace {

// Set once a system was left running; from then on the process may only end
// through std::_Exit.
std::atomic<bool> abandoned_system{false};

} // namespace

caf::timespan timespan_of(double seconds) {
  using namespace std::chrono;
  return caf::timespan{duration_cast<nanoseconds>(duration<double>(seconds))};
}

result<std::unique_ptr<system_host>>
system_host::start(const system_host_options& opts, int argc, char** argv) {
  auto cfg = std::make_unique<node_config>();
  if (opts.serve_actors)
    cfg->serve_actors();
  if (argc > 0)
    if (auto err = cfg->parse(argc, argv))
      return status::invalid_argument(cfg->render(err));
  cfg->apply(opts.node);
  cfg->metrics_registry(opts.metrics);
  if (opts.use_transport)
    use_transport(*cfg, opts.tls);
  if (opts.max_threads > 0)
    cfg->set("scheduler.max-threads", static_cast<int>(opts.max_threads));
  if (opts.moderate_polls)
    cfg->set("work-stealing.moderate-poll-attempts",
             static_cast<int>(*opts.moderate_polls));
  if (opts.heartbeat)
    cfg->set("middleman.heartbeat-interval", *opts.heartbeat);
  if (opts.connection_timeout)
    cfg->set("middleman.connection-timeout", *opts.connection_timeout);
  return std::unique_ptr<system_host>{new system_host(opts, std::move(cfg))};
}

system_host::system_host(const system_host_options& opts,
                         std::unique_ptr<node_config> cfg)
  : opts_(opts),
    cfg_(std::move(cfg)),
    sys_(std::make_unique<caf::actor_system>(*cfg_)) {
  // The system keeps a reference to its configuration: cfg_ outlives it.
}

system_host::~system_host() {
  if (abandon_) {
    // Neither the system nor the configuration it refers to is destroyed.
    static_cast<void>(sys_.release());
    static_cast<void>(cfg_.release());
    abandoned_system = true;
    return;
  }
  if (opts_.shutdown_grace.count() > 0) {
    std::thread{[grace = opts_.shutdown_grace, rc = opts_.shutdown_exit_code,
                 who = opts_.log_name] {
      std::this_thread::sleep_for(grace);
      std::fprintf(stderr,
                   "%s: shutdown still waiting after %lld s for a peer that is "
                   "unreachable; exiting without it\n",
                   who.c_str(), static_cast<long long>(grace.count()));
      std::_Exit(rc);
    }}.detach();
  }
  sys_.reset();
}

int system_host::exit_process(int rc) {
  if (abandoned_system) {
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(rc);
  }
  return rc;
}

} // namespace actors
