// float_buffer_support: messages through CAF's binary serializer and back,
// as a worker or server on another node gets them; the actor tests that
// check their bytes (wire_limits_test, exchange_buffers_test) need it.
#pragma once

#include <vector>

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include "actors/runtime/protocol.hpp"

namespace actors::testing {

/// The bytes CAF's binary serializer writes for `x` (a float_buffer or a
/// message holding them). inspect() is called through the base class, as
/// CAF's message code does; the derived type would select its printing
/// branch.
template <class T>
std::vector<char> serialized(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  caf::serializer& base = sink;
  REQUIRE_FALSE(inspect(base, x));
  return buf;
}

/// A T read back from `buf` by CAF's binary deserializer, which must accept
/// it and read every byte.
template <class T>
T deserialized(const std::vector<char>& buf) {
  T out;
  caf::binary_deserializer source{nullptr, buf};
  caf::deserializer& base = source;
  REQUIRE_FALSE(inspect(base, out));
  CHECK(source.remaining() == 0);
  return out;
}

/// `x` through the serializer and back.
template <class T>
T round_trip(T x) {
  return deserialized<T>(serialized(std::move(x)));
}

} // namespace actors::testing
