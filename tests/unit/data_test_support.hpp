// data_test_support: what the data tests share: a dataset of a given shape,
// the error text of an actors::result, and one check that a call failed
// with a given code and a message naming what it should.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "actors/data/dataset.hpp"
#include "actors/util/status.hpp"

#include "test_support.hpp" // contains

namespace actors::test {

/// A dataset of `rows` images of height x width x channels over `classes`
/// classes, with no pixels or labels yet.
inline actors::dataset shaped(std::size_t rows, std::size_t height,
                              std::size_t width, std::size_t channels = 1,
                              std::size_t classes = 10) {
  // The fields in their order of declaration in dataset.hpp.
  return actors::dataset{rows, height, width, channels, classes, {}, {}};
}

/// The error message of r, or "" when it holds a value; doctest may format a
/// _MESSAGE argument even when the check passes.
template <class T>
std::string why(const actors::result<T>& r) {
  return r.has_value() ? std::string{} : r.error().message();
}

/// Checks that r failed with `code` and that its message holds every one of
/// `parts`.
template <class T>
void check_error(const actors::result<T>& r, actors::status::code code,
                 const std::vector<std::string>& parts) {
  REQUIRE_FALSE(r.has_value());
  const std::string& msg = r.error().message();
  CHECK_MESSAGE(r.error().error_code() == code, msg);
  for (const auto& part : parts)
    CHECK_MESSAGE(contains(msg, part), "'" << part << "' not in: " << msg);
}

} // namespace actors::test
