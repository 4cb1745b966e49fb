// The one translation unit with doctest's main and CAF's test engine; main
// fails when the filters match no test case and exits 77 when a case skipped
// (tests/support/suite_main.hpp).
//
// CAF's fixtures parse caf::test::engine's argv as actor-system options;
// they get the program name only, so doctest's own flags
// (--source-file=..., --test-case=...) never reach CAF's option parser.
#define DOCTEST_CONFIG_IMPLEMENT
#include "../support/suite_main.hpp"

#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>

int main(int argc, char** argv) {
  caf::test::engine::args(1, argv);
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  return actors::test::run_suite(context);
}
