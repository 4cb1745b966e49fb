// test_support: checks the unit suites share. Options named after a rule,
// the value a factory (make_rule, make_optimizer) returns or the refusal it
// gives, text containment, and float vectors compared within a tolerance.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "actors/util/status.hpp"

namespace actors::test {

/// Default options (rule_options, optimizer_options, ...) naming `name`.
template <class Options>
Options named(const std::string& name) {
  Options opts;
  opts.name = name;
  return opts;
}

/// The value `made` holds; fails the test with the error's message if none.
template <class T>
T built(result<T> made) {
  const std::string why = made.has_value() ? "" : made.error().message();
  REQUIRE_MESSAGE(made.has_value(), why);
  return std::move(made).value();
}

/// True if `part` occurs in `text`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Checks that `made` is an invalid_argument refusal and returns its
/// message.
template <class T>
std::string refusal(const result<T>& made) {
  REQUIRE_FALSE(made.has_value());
  CHECK(made.error().error_code() == status::code::invalid_argument);
  return made.error().message();
}

/// Checks that `made` is an invalid_argument refusal whose message contains
/// each of `parts` (the option's name, the value, what is accepted).
template <class T>
void check_refused(const result<T>& made,
                   const std::vector<std::string>& parts) {
  const std::string message = refusal(made);
  CAPTURE(message);
  for (const auto& part : parts) {
    CAPTURE(part);
    CHECK(contains(message, part));
  }
}

/// An option set that a factory must refuse: `name`'s defaults changed by
/// `set`, and what the message must contain.
template <class Options>
struct bad_options {
  const char* name;
  void (*set)(Options&);
  std::vector<std::string> parts;
};

/// Checks that `make` (make_rule, make_optimizer) refuses each of `cases`.
template <class Options, class Make>
void check_refusals(Make make, const std::vector<bad_options<Options>>& cases) {
  for (const auto& bad : cases) {
    CAPTURE(bad.name);
    auto opts = named<Options>(bad.name);
    bad.set(opts);
    check_refused(make(opts), bad.parts);
  }
}

/// Checks `actual` against `expected` element by element, each within a
/// relative `epsilon`.
inline void check_near(const std::vector<float>& actual,
                       const std::vector<float>& expected,
                       double epsilon = 1e-6) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t k = 0; k < actual.size(); ++k) {
    CAPTURE(k);
    CHECK(actual[k] == doctest::Approx(expected[k]).epsilon(epsilon));
  }
}

} // namespace actors::test
