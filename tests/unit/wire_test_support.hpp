// wire_test_support: what the wire codec suites share: a codec by name
// (failing the test if there is none), a coding as bytes, and bytes written
// as a list of numbers.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "actors/wire/codec.hpp"

namespace actors::test {

/// The codec find_codec gives for `name`; fails the test if none.
inline const wire::codec& codec_named(const char* name) {
  const wire::codec* c = wire::find_codec(name);
  REQUIRE_MESSAGE(c != nullptr, name);
  return *c;
}

/// What `c` writes for `values`.
inline std::string encoded(const wire::codec& c, const std::vector<float>& values) {
  std::string out(c.bytes(values.data(), values.size()), '\0');
  c.write(values.data(), values.size(), out.data());
  return out;
}

/// The bytes listed (each taken modulo 256).
inline std::string byte_string(std::initializer_list<int> list) {
  std::string out;
  for (int b : list)
    out.push_back(static_cast<char>(b));
  return out;
}

} // namespace actors::test
