// Helpers shared by the actor tests: a one-node configuration and a request
// that runs the test coordinator until the reply is in.
#pragma once

#include <string>
#include <utility>

#include "caf_doctest_bridge.hpp"

#include "actors/runtime/node_config.hpp"

namespace actors::testing {

/// One node named "sim" with one compute thread per worker (a pool of one
/// starts no threads: a worker computes on the coordinator's thread).
struct sim_config : node_config {
  sim_config() {
    node_settings s;
    s.name = "sim";
    s.threads = 1;
    apply(s);
  }
};

/// Sends a request from the fixture's `self`, runs the system until it is
/// idle and returns the reply or the error; an empty error if nothing came
/// back.
template <class T, class Fixture, class Handle, class... Ts>
caf::expected<T> ask(Fixture& f, const Handle& hdl, Ts... xs) {
  auto handle = f.self->request(hdl, caf::infinite, std::move(xs)...);
  f.run();
  caf::expected<T> out{caf::error{}};
  if (!f.self->has_next_message())
    return out;
  handle.receive([&](T& x) { out = std::move(x); },
                 [&](caf::error& err) { out = std::move(err); });
  return out;
}

} // namespace actors::testing
