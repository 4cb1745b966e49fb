// skip: how a doctest case says it could not test what it is for, because
// something it needs (the fetched data, a tool) is missing on this machine.
//
// Doctest has no run-time skip: a case that returns early passes. A case
// calls actors::test::skip(why) and returns instead; the suite's main()
// (suite_main.hpp) then exits with 77 unless a check failed, and ctest, told
// SKIP_RETURN_CODE 77 (tests/CMakeLists.txt), reports the file as skipped.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace actors::test {

/// The reasons given to skip() in this run, in order.
inline std::vector<std::string>& skipped() {
  static std::vector<std::string> reasons;
  return reasons;
}

/// Records that the running test case skips what `why` names (what is
/// missing and how to get it) and prints it; the caller then returns.
inline void skip(const std::string& why) {
  MESSAGE("skipped: " << why);
  skipped().push_back(why);
}

} // namespace actors::test
