// float_buffer_support: a float_buffer through CAF's binary serializer, as
// the actor tests that check its bytes (wire_limits_test,
// exchange_buffers_test) need it.
#pragma once

#include <vector>

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include "actors/runtime/protocol.hpp"

namespace actors::testing {

/// The bytes CAF's binary serializer writes for `x`. inspect() is called
/// through the base class, as CAF's message code does; the derived type
/// would select its printing branch.
inline std::vector<char> serialized(float_buffer x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  caf::serializer& base = sink;
  REQUIRE_FALSE(inspect(base, x));
  return buf;
}

} // namespace actors::testing
