// caf-node: hosts the runtime's actors on one machine.
//
// For now it starts an actor system from its configuration (so the CAF
// packages, FindCAF and the config path are exercised end to end) and reports
// what it would serve; the distributed runtime issue fills in the actors.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  if (auto err = cfg.parse(argc, argv)) {
    std::fprintf(stderr, "caf-node: %s\n", cfg.render(err).c_str());
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  caf::actor_system sys{cfg};
  std::printf("caf-node: CAF %d.%d.%d ready (no actor types served yet)\n",
              CAF_VERSION / 10000, (CAF_VERSION / 100) % 100, CAF_VERSION % 100);
  return 0;
}
