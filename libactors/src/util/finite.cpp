#include "actors/util/finite.hpp"

#include <cstdint>
#include <cstring>

namespace actors {

bool all_finite(const float* v, std::size_t n) {
  constexpr std::uint32_t exponent = 0x7f800000u;
  // Blocks of 4096: vectorised within, an early answer between them.
  constexpr std::size_t block = 4096;
  for (std::size_t begin = 0; begin < n; begin += block) {
    const std::size_t end = begin + block < n ? begin + block : n;
    std::uint32_t bad = 0;
    for (std::size_t i = begin; i < end; ++i) {
      std::uint32_t bits;
      std::memcpy(&bits, v + i, sizeof bits);
      bad |= static_cast<std::uint32_t>((bits & exponent) == exponent);
    }
    if (bad != 0)
      return false;
  }
  return true;
}

} // namespace actors
