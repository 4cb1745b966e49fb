// node.detached-actors (runtime/node_config.hpp): the factories caf-node
// serves spawn workers and parameter servers detached - each on a private
// CAF thread, counted by actor_system::detached_actors() - when the option is
// on, and on the scheduler when it is off; the data loader always runs on the
// scheduler. A detached server answers like a scheduled one, and a system
// with detached actors alive stops once stop_served_actors() ended them.
// Real (threaded) systems without sockets: the deterministic test coordinator
// has no threads, so it cannot host a detached actor.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/runtime/node_config.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/runtime/system_host.hpp"

using namespace actors;

namespace {

// A served-actor host as caf-node makes it; a stop that still waits after
// 10 s ends the test binary with exit code 3 instead of hanging.
std::unique_ptr<system_host> start_host(bool detached) {
  system_host_options opts;
  opts.node.name = "detached-test";
  opts.node.detached_actors = detached;
  opts.serve_actors = true;
  opts.use_transport = false;
  opts.shutdown_grace = std::chrono::seconds(10);
  opts.shutdown_exit_code = 3;
  opts.log_name = "detached_actors_test";
  auto host = system_host::start(opts);
  REQUIRE(host.has_value());
  return std::move(*host);
}

bool is_detached(const caf::strong_actor_ptr& p) {
  return caf::actor_cast<caf::abstract_actor*>(p)->getf(
    caf::abstract_actor::is_detached_flag);
}

// Spawns `name` by name, as a driver's remote spawn does.
caf::strong_actor_ptr spawn_served(caf::actor_system& sys, const std::string& name,
                                   caf::message args) {
  auto res = sys.spawn<caf::actor>(name, std::move(args), nullptr, false);
  REQUIRE_MESSAGE(res, "cannot spawn " << name << ": " << sys.render(res.error()));
  return caf::actor_cast<caf::strong_actor_ptr>(*res);
}

ps_init small_job() {
  ps_init init;
  init.job.job_id = 11;
  init.job.trainer.name = "adag";
  init.job.trainer.workers = 1;
  init.weights.values = std::vector<float>(4, 0.5f);
  return init;
}

} // namespace

TEST_CASE("node.detached-actors: the default is on, and it reaches the configuration") {
  CHECK(node_settings{}.detached_actors);
  for (bool on : {true, false}) {
    node_config cfg;
    node_settings s;
    s.detached_actors = on;
    cfg.apply(s);
    CHECK(cfg.settings().detached_actors == on);
  }
}

TEST_CASE("node.detached-actors=true: a worker and a server each get a thread of their own") {
  auto host = start_host(true);
  auto& sys = host->system();
  // CAF's middleman runs some utility actors detached itself.
  const auto before = sys.detached_actors();
  auto worker = spawn_served(sys, "worker", caf::make_message());
  CHECK(is_detached(worker));
  CHECK(sys.detached_actors() == before + 1);
  auto ps = spawn_served(sys, "parameter_server", caf::make_message(small_job()));
  CHECK(is_detached(ps));
  CHECK(sys.detached_actors() == before + 2);
  auto loader = spawn_served(sys, "data_loader", caf::make_message());
  CHECK_FALSE(is_detached(loader));
  CHECK(sys.detached_actors() == before + 2);
  { // The detached server serves: its stats count no update yet.
    caf::scoped_actor self{sys};
    bool answered = false;
    self->request(caf::actor_cast<ps_actor>(ps), std::chrono::seconds(10), stats_atom::value)
      .receive([&](const ps_stats& st) { answered = st.updates == 0; },
               [&](caf::error& err) { FAIL("stats: " << sys.render(err)); });
    CHECK(answered);
  }
  worker = nullptr;
  ps = nullptr;
  loader = nullptr;
  // Their threads end with them; the system then stops (else exit code 3).
  stop_served_actors();
  host.reset();
}

TEST_CASE("node.detached-actors=false: workers and servers run on the scheduler") {
  auto host = start_host(false);
  auto& sys = host->system();
  const auto before = sys.detached_actors();
  auto worker = spawn_served(sys, "worker", caf::make_message());
  auto ps = spawn_served(sys, "parameter_server", caf::make_message(small_job()));
  CHECK_FALSE(is_detached(worker));
  CHECK_FALSE(is_detached(ps));
  CHECK(sys.detached_actors() == before);
  worker = nullptr;
  ps = nullptr;
  stop_served_actors();
  host.reset();
}
