#include "actors/util/finite.hpp"

#include <cstdint>
#include <cstring>

#include "actors/util/coding.hpp"

namespace actors {

namespace {

constexpr std::uint32_t f32_exponent = 0x7f800000u;

// Whether bad(i) is false for every i < n: blocks of 4096, a branch-free
// (vectorised) reduction within each, an early answer between them.
template <class Bad>
bool none_bad(std::size_t n, Bad bad) {
  constexpr std::size_t block = 4096;
  for (std::size_t begin = 0; begin < n; begin += block) {
    const std::size_t end = begin + block < n ? begin + block : n;
    std::uint32_t any = 0;
    for (std::size_t i = begin; i < end; ++i)
      any |= static_cast<std::uint32_t>(bad(i));
    if (any != 0)
      return false;
  }
  return true;
}

} // namespace

bool all_finite(const float* v, std::size_t n) {
  return none_bad(n, [v](std::size_t i) {
    std::uint32_t bits;
    std::memcpy(&bits, v + i, sizeof bits);
    return (bits & f32_exponent) == f32_exponent;
  });
}

bool all_finite_f32_bytes(const char* bytes, std::size_t n) {
  return none_bad(n, [bytes](std::size_t i) {
    std::uint32_t bits;
    if constexpr (host_little_endian)
      std::memcpy(&bits, bytes + 4 * i, sizeof bits);
    else
      bits = decode_u32(bytes + 4 * i);
    return (bits & f32_exponent) == f32_exponent;
  });
}

bool all_finite_f16_bytes(const char* bytes, std::size_t n) {
  // The exponent is bits 2-6 of each value's second (high) byte.
  const auto* u = reinterpret_cast<const unsigned char*>(bytes);
  return none_bad(n, [u](std::size_t i) { return (u[2 * i + 1] & 0x7cu) == 0x7cu; });
}

} // namespace actors
