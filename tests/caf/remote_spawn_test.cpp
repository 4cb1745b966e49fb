// Remote spawning by name between two simulated nodes (caf/test/io_dsl.hpp:
// in-memory network, no sockets, no threads). "earth" plays caf-node: its
// node_config serves the runtime's actors; "mars" plays a driver with a
// plain node_config, spawns on earth by name and talks to what it spawned,
// so every message crosses BASP and the wire types' inspect overloads.
#include "caf_doctest_bridge.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "actors/runtime/node_config.hpp"
#include "actors/runtime/protocol.hpp"

using namespace actors;

namespace {

constexpr std::uint16_t earth_port = 4242;

/// earth serves actors, mars does not; both know every wire type.
template <bool Serve>
struct planet_config : node_config {
  planet_config() {
    node_settings s;
    s.name = Serve ? "earth" : "mars";
    // The test coordinator has no threads to give a detached actor.
    s.detached_actors = false;
    apply(s);
    if (Serve)
      serve_actors();
  }
};

using earth_node = test_node_fixture<test_coordinator_fixture<planet_config<true>>>;
using mars_node = test_node_fixture<test_coordinator_fixture<planet_config<false>>>;

// CAF's point_to_point_fixture gives both nodes one configuration type; this
// one does the same with two, so that only earth serves actors.
struct fixture {
  earth_node earth;
  mars_node mars;

  fixture() : earth([this] { exec_all(); }), mars([this] { exec_all(); }) {
    exec_all();
    earth.mpx.prepare_connection(caf::io::accept_handle::from_int(1),
                                 caf::io::connection_handle::from_int(2),
                                 mars.mpx, "earth", earth_port,
                                 caf::io::connection_handle::from_int(3));
    loop_after_next_enqueue(earth);
    auto port = earth.mm.open(earth_port);
    REQUIRE(port);
    REQUIRE(*port == earth_port);
    loop_after_next_enqueue(mars);
    auto nid = mars.mm.connect("earth", earth_port);
    REQUIRE(nid);
    earth_id = *nid;
  }

  ~fixture() {
    // Served actors are remembered in a process-wide list (and registered
    // for the remote side): without an exit earth's actor system would wait
    // for them forever.
    stop_served_actors();
    exec_all();
  }

  template <class Node>
  static bool advance(Node& n) {
    return n.sched.try_run_once() || n.mpx.read_data()
           || n.mpx.try_exec_runnable() || n.mpx.try_accept_connection();
  }

  /// Runs both nodes (messages, network, then timeouts) until nothing moves.
  void exec_all() {
    for (;;) {
      while (advance(earth) || advance(mars))
        ; // repeat
      earth.sched.trigger_timeouts();
      mars.sched.trigger_timeouts();
      if (!advance(earth) && !advance(mars))
        return;
    }
  }

  /// A blocking middleman call on `n` runs both nodes once it has sent its
  /// request; without this it would wait for a reply that never comes.
  template <class Node>
  void loop_after_next_enqueue(Node& n) {
    n.sched.after_next_enqueue([this] { exec_all(); });
  }

  template <class Handle>
  caf::expected<Handle> spawn_on_earth(const std::string& name,
                                       caf::message args = caf::make_message()) {
    loop_after_next_enqueue(mars);
    return mars.mm.remote_spawn<Handle>(earth_id, name, std::move(args),
                                        std::chrono::seconds(10));
  }

  /// Sends a request from mars's scoped actor and returns the reply.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& hdl, Ts... xs) {
    auto handle = mars.self->request(hdl, caf::infinite, std::move(xs)...);
    exec_all();
    caf::expected<T> out{caf::error{}};
    if (!mars.self->has_next_message())
      return out;
    handle.receive([&](T& x) { out = std::move(x); },
                   [&](caf::error& err) { out = std::move(err); });
    return out;
  }

  caf::node_id earth_id;
};

} // namespace

TEST_CASE_FIXTURE(fixture, "remote_spawn: mars reaches earth") {
  CHECK(earth_id == earth.sys.node());
  CHECK(earth_id != mars.sys.node());
}

TEST_CASE_FIXTURE(fixture, "remote_spawn: a data loader spawned on earth "
                           "answers hello with earth's node info") {
  auto loader = spawn_on_earth<loader_actor>("data_loader");
  REQUIRE(loader);
  CHECK(loader->node() == earth.sys.node());
  hello_msg h;
  h.driver = "mars:1";
  h.job_id = 9;
  auto info = ask<node_info>(*loader, hello_atom::value, h);
  REQUIRE(info);
  CHECK(info->name == "earth");
  CHECK(info->protocol == protocol_version);
  CHECK(info->byte_order == byte_order_mark);
  // The error category and its code survive the trip back.
  h.protocol = protocol_version + 1;
  info = ask<node_info>(*loader, hello_atom::value, h);
  REQUIRE_FALSE(info);
  CHECK(info.error().category() == caf::atom("actors"));
  CHECK(info.error().code()
        == static_cast<std::uint8_t>(runtime_errc::incompatible_peer));
  CHECK(describe(mars.sys, info.error()).find("incompatible_peer") == 0);
}

TEST_CASE_FIXTURE(fixture, "remote_spawn: a parameter server spawned on earth "
                           "serves its initial weights and takes commits") {
  // Enough floats that a raw-byte float_buffer and an element-wise one
  // would differ in any byte-order or length mistake.
  std::vector<float> initial(1000);
  for (std::size_t k = 0; k < initial.size(); ++k)
    initial[k] = 0.5f * static_cast<float>(k) - 100.0f;
  ps_init init;
  init.job.trainer.name = "downpour";
  init.job.trainer.workers = 2;
  init.weights.values = initial;
  auto ps = spawn_on_earth<ps_actor>("parameter_server",
                                     caf::make_message(init));
  REQUIRE(ps);
  CHECK(ps->node() == earth.sys.node());
  auto w = ask<weights_msg>(*ps, pull_atom::value, std::uint32_t{1});
  REQUIRE(w);
  CHECK(w->version == 0);
  CHECK(w->weights.values == initial);
  commit_msg c;
  c.worker = 1;
  c.payload.values.assign(initial.size(), 0.25f);
  auto ack = ask<commit_ack>(*ps, commit_atom::value, c);
  REQUIRE(ack);
  CHECK(ack->updates == 1);
  w = ask<weights_msg>(*ps, pull_atom::value, std::uint32_t{0});
  REQUIRE(w);
  CHECK(w->version == 1);
  auto expected = initial;
  for (auto& x : expected)
    x += 0.25f;
  CHECK(w->weights.values == expected);
}

TEST_CASE_FIXTURE(fixture, "remote_spawn: names earth does not serve, wrong "
                           "interfaces and wrong arguments are refused") {
  auto unknown = spawn_on_earth<caf::actor>("shell");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() == caf::make_error(caf::sec::unknown_type));
  // mars serves nothing: nothing can be spawned there from earth either.
  loop_after_next_enqueue(earth);
  auto reverse = earth.mm.remote_spawn<loader_actor>(mars.sys.node(),
                                                     "data_loader",
                                                     caf::make_message(),
                                                     std::chrono::seconds(10));
  REQUIRE_FALSE(reverse);
  CHECK(reverse.error() == caf::make_error(caf::sec::unknown_type));
  // A loader is not a parameter server.
  auto mistyped = spawn_on_earth<ps_actor>("data_loader");
  REQUIRE_FALSE(mistyped);
  CHECK(mistyped.error()
        == caf::make_error(caf::sec::unexpected_actor_messaging_interface));
  // A parameter server needs its ps_init.
  auto no_init = spawn_on_earth<ps_actor>("parameter_server");
  REQUIRE_FALSE(no_init);
  CHECK(no_init.error()
        == caf::make_error(caf::sec::cannot_spawn_actor_from_arguments));
  // "worker" is served, but its factory spawns a detached actor (a thread of
  // its own, outside the simulation), so only the refusal of arguments is
  // tested here: it shows the name is known without starting a thread.
  auto worker_with_args = spawn_on_earth<worker_actor>("worker",
                                                       caf::make_message(1));
  REQUIRE_FALSE(worker_with_args);
  CHECK(worker_with_args.error()
        == caf::make_error(caf::sec::cannot_spawn_actor_from_arguments));
}
