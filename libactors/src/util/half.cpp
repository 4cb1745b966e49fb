#include "actors/util/half.hpp"

#include <cstring>

#if defined(__F16C__) && defined(__AVX__)
#include <immintrin.h>
#endif

namespace actors {

namespace {

std::uint32_t bits_of(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, sizeof(x));
  return x;
}

float float_of(std::uint32_t x) {
  float f;
  std::memcpy(&f, &x, sizeof(f));
  return f;
}

// Shifts `m` right by `shift` bits, rounding to nearest, ties to even.
std::uint32_t round_shift(std::uint32_t m, std::uint32_t shift) {
  const std::uint32_t q = m >> shift;
  const std::uint32_t rem = m & ((1u << shift) - 1u);
  const std::uint32_t halfway = 1u << (shift - 1u);
  return q + ((rem > halfway || (rem == halfway && (q & 1u))) ? 1u : 0u);
}

} // namespace

std::uint16_t float_to_half_scalar(float f) {
  const std::uint32_t x = bits_of(f);
  const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) // infinity or NaN (kept quiet, payload truncated)
    return static_cast<std::uint16_t>(
      sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0u));
  if (ax >= 0x477ff000u) // rounds to 65536 or more: saturate
    return static_cast<std::uint16_t>(sign | 0x7bffu);
  if (ax < 0x38800000u) { // below 2^-14: a subnormal half or zero
    if (ax < 0x33000000u) // below 2^-25: rounds to zero
      return sign;
    const std::uint32_t e = ax >> 23;
    const std::uint32_t m = (ax & 0x7fffffu) | 0x800000u;
    // value = m * 2^(e-150); in units of 2^-24 that is m >> (126 - e).
    return static_cast<std::uint16_t>(sign | round_shift(m, 126u - e));
  }
  // Normal: rebias the exponent (127 -> 15) and drop 13 mantissa bits; a
  // carry out of the mantissa correctly bumps the exponent.
  return static_cast<std::uint16_t>(sign | round_shift(ax - 0x38000000u, 13u));
}

float half_to_float_scalar(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1fu;
  const std::uint32_t m = h & 0x3ffu;
  if (e == 0x1fu) // infinity, or a NaN made quiet as F16C does
    return float_of(sign | 0x7f800000u | (m << 13) | (m != 0 ? 0x400000u : 0u));
  if (e != 0)
    return float_of(sign | ((e + 112u) << 23) | (m << 13));
  // Zero or subnormal: m * 2^-24, exact in a float.
  return float_of(sign | bits_of(static_cast<float>(m) * 0x1p-24f));
}

void floats_to_half(const float* in, std::size_t n, std::uint16_t* out) {
  std::size_t i = 0;
#if defined(__F16C__) && defined(__AVX__)
  const __m256 limit = _mm256_set1_ps(half_max);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 inf = _mm256_set1_ps(__builtin_inff());
  for (; i + 8 <= n; i += 8) {
    __m256 v = _mm256_loadu_ps(in + i);
    const __m256 a = _mm256_and_ps(v, abs_mask);
    // Finite and too large: the scalar path saturates these (rare).
    const __m256 over = _mm256_and_ps(_mm256_cmp_ps(a, limit, _CMP_GT_OQ),
                                      _mm256_cmp_ps(a, inf, _CMP_LT_OQ));
    if (_mm256_movemask_ps(over) != 0) {
      for (std::size_t k = i; k < i + 8; ++k)
        out[k] = float_to_half_scalar(in[k]);
      continue;
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
#endif
  for (; i < n; ++i)
    out[i] = float_to_half_scalar(in[i]);
}

void half_to_floats(const std::uint16_t* in, std::size_t n, float* out) {
  std::size_t i = 0;
#if defined(__F16C__) && defined(__AVX__)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(
                                reinterpret_cast<const __m128i*>(in + i))));
#endif
  for (; i < n; ++i)
    out[i] = half_to_float_scalar(in[i]);
}

} // namespace actors
