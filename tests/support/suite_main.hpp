// suite_main: what the main() of a doctest binary (tests/unit, tests/caf)
// adds to doctest's own run, included by its main.cpp only.
//
// ctest runs a binary once per test file with --source-file=*NAME.cpp.
// Doctest alone passes a run whose filters match no test case (a renamed
// file, a filter that is wrong): run_suite makes that a failure. A case that
// called skip() (skip.hpp) makes the run exit 77, reported as skipped, unless
// a check failed: a failure wins over a skip.
#pragma once

#include <cstdio>
#include <string>

#include <doctest/doctest.h>

#include "skip.hpp"

namespace actors::test {

/// How many test cases passed the filters in the last run; -1 before a run
/// has ended (and in a query run: --help, --list-test-cases, --count).
inline long& cases_run() {
  static long n = -1;
  return n;
}

/// A doctest listener that only records cases_run().
struct case_counter : doctest::IReporter {
  explicit case_counter(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& s) override {
    cases_run() = static_cast<long>(s.numTestCasesPassingFilters);
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

REGISTER_LISTENER("actors_case_counter", 1, case_counter);

/// Runs `context` (its command line applied): doctest's exit code if it is
/// not 0 or the run was a query; 1 if no test case matched the filters; 77
/// if a case skipped; else 0.
inline int run_suite(doctest::Context& context) {
  const int rc = context.run();
  if (rc != 0 || context.shouldExit() || cases_run() < 0)
    return rc;
  if (cases_run() == 0) {
    std::fprintf(stderr, "FAIL: no test case matches the filters (for example "
                         "--source-file): a run that tests nothing fails\n");
    return 1;
  }
  if (!skipped().empty()) {
    std::fprintf(stderr, "SKIPPED (exit 77): %zu check(s) could not run here, "
                         "first: %s\n",
                 skipped().size(), skipped().front().c_str());
    return 77;
  }
  return 0;
}

} // namespace actors::test
