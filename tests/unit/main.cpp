// The one translation unit that defines doctest's main: doctest's run, a
// failure when the filters match no test case, exit 77 when a case skipped
// (tests/support/suite_main.hpp).
#define DOCTEST_CONFIG_IMPLEMENT
#include "../support/suite_main.hpp"

int main(int argc, char** argv) {
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  return actors::test::run_suite(context);
}
