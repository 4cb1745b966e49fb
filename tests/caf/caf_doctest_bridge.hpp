// caf_doctest_bridge: CAF 0.17's deterministic test DSL (caf/test/dsl.hpp,
// caf/test/io_dsl.hpp) on top of doctest. Include it from test files only:
// dsl.hpp defines lowercase macros (expect, allow, inject, disallow).
//
// The DSL reports through CAF's own unit-test macros (CAF_CHECK,
// CAF_REQUIRE_EQUAL, CAF_FAIL, ...), which write into caf::test::engine's
// current test. Under doctest there is no such test and the first check
// would dereference a null pointer, so this header includes CAF's
// unit_test.hpp, replaces those macros with doctest assertions, and only
// then includes the DSL. A failure in expect() or to() is fatal, as in CAF:
// it is raised from an expect_clause destructor, where doctest's exception
// cannot propagate, so the binary stops (std::terminate) right after doctest
// has printed the failing line.
//
// Exactly one translation unit of the test binary (main.cpp) defines
// CAF_TEST_NO_MAIN and includes caf/test/unit_test_impl.hpp: the fixtures
// read their command line from caf::test::engine, which lives there.
#pragma once

#include <string>
#include <type_traits>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/test/unit_test.hpp>

#include <doctest/doctest.h>

namespace actors_test {

/// Collects the `a << b << c` message of a CAF test macro into a string;
/// anything that is not text is rendered with caf::deep_to_string.
class caf_text {
public:
  template <class T>
  caf_text& operator<<(const T& x) {
    if constexpr (std::is_same<T, char>::value)
      str_ += x;
    else if constexpr (std::is_convertible<const T&, std::string>::value)
      str_ += std::string(x);
    else
      str_ += caf::deep_to_string(x);
    return *this;
  }

  const std::string& str() const { return str_; }

private:
  std::string str_;
};

} // namespace actors_test

#define ACTORS_CAF_TEXT(msg) ((::actors_test::caf_text{} << msg).str())

#undef CAF_MESSAGE
#undef CAF_ERROR
#undef CAF_CHECK_PASSED
#undef CAF_CHECK_FAILED
#undef CAF_CHECK
#undef CAF_CHECK_FUNC
#undef CAF_CHECK_FAIL
#undef CAF_FAIL
#undef CAF_REQUIRE
#undef CAF_REQUIRE_FUNC

// The DSL narrates every expect/allow with CAF_MESSAGE; doctest keeps quiet
// about passing steps, and so do we.
#define CAF_MESSAGE(msg)                                                       \
  do {                                                                         \
  } while (false)

#define CAF_ERROR(msg) DOCTEST_FAIL_CHECK(ACTORS_CAF_TEXT(msg))

#define CAF_CHECK_PASSED(msg)                                                  \
  do {                                                                         \
  } while (false)

#define CAF_CHECK_FAILED(msg) DOCTEST_FAIL_CHECK(ACTORS_CAF_TEXT(msg))

#define CAF_CHECK(...)                                                         \
  DOCTEST_CHECK_MESSAGE(static_cast<bool>(__VA_ARGS__), #__VA_ARGS__)

// CAF_CHECK_FAIL marks a check that is expected to fail; doctest has no
// per-check expected failure, so it is a check of the negation.
#define CAF_CHECK_FAIL(...)                                                    \
  DOCTEST_CHECK_FALSE_MESSAGE(static_cast<bool>(__VA_ARGS__), #__VA_ARGS__)

#define CAF_REQUIRE(...)                                                       \
  DOCTEST_REQUIRE_MESSAGE(static_cast<bool>(__VA_ARGS__), #__VA_ARGS__)

#define CAF_FAIL(msg) DOCTEST_FAIL(ACTORS_CAF_TEXT(msg))

// The comparison family (CAF_CHECK_EQUAL, CAF_REQUIRE_LESS, ...) expands to
// these two, so CAF's comparators (with their float tolerance and sum-type
// unboxing) decide and doctest records the outcome.
#define ACTORS_CAF_FUNC(assertion, func, x_expr, y_expr)                       \
  do {                                                                         \
    func actors_cmp_;                                                          \
    auto&& actors_x_ = x_expr;                                                 \
    auto&& actors_y_ = y_expr;                                                 \
    assertion(actors_cmp_(actors_x_, actors_y_),                               \
              ACTORS_CAF_TEXT(CAF_FUNC_EXPR(func, x_expr, y_expr)              \
                              << ": " << actors_x_ << " vs. " << actors_y_));  \
  } while (false)

#define CAF_CHECK_FUNC(func, x_expr, y_expr)                                   \
  ACTORS_CAF_FUNC(DOCTEST_CHECK_MESSAGE, func, x_expr, y_expr)

#define CAF_REQUIRE_FUNC(func, x_expr, y_expr)                                 \
  ACTORS_CAF_FUNC(DOCTEST_REQUIRE_MESSAGE, func, x_expr, y_expr)

#include <caf/test/dsl.hpp>
#include <caf/test/io_dsl.hpp>
