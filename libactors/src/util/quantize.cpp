#include "actors/util/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace actors {

namespace {

// The smallest power of two s with max <= 127 * s (max finite, > 0).
float scale_for(float max) {
  int e = 0;
  std::frexp(static_cast<double>(max) / 127.0, &e); // max/127 = m * 2^e, m in [0.5, 1)
  double s = std::ldexp(1.0, e);                     // >= max / 127
  if (static_cast<double>(max) <= 127.0 * (s / 2))   // exactly a power of two
    s /= 2;
  while (static_cast<double>(max) > 127.0 * s) // guards the rounding of max/127
    s *= 2;
  return static_cast<float>(s);
}

// Largest magnitude of a block, and whether every value is finite.
void block_stats(const float* p, std::size_t n, float& max, bool& finite) {
  std::size_t i = 0;
  max = 0;
  finite = true;
#if defined(__AVX2__)
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  __m256 vmax = _mm256_setzero_ps();
  __m256 bad = _mm256_setzero_ps();
  for (; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_and_ps(_mm256_loadu_ps(p + i), abs_mask);
    vmax = _mm256_max_ps(vmax, a);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(a, inf, _CMP_NLT_UQ)); // inf or NaN
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, vmax);
  for (float l : lanes)
    max = std::max(max, l);
  finite = _mm256_movemask_ps(bad) == 0;
#endif
  for (; i < n; ++i) {
    finite = finite && std::isfinite(p[i]);
    max = std::max(max, std::fabs(p[i]));
  }
}

// codes[i] = nearest integer to p[i] * inv, ties to even (|p[i] * inv| <=
// 127 by the choice of the scale).
void quantize_block(const float* p, std::size_t n, float inv, std::int8_t* codes) {
  std::size_t i = 0;
#if defined(__AVX2__)
  const __m256 vinv = _mm256_set1_ps(inv);
  for (; i + 8 <= n; i += 8) {
    // cvtps rounds as MXCSR says: to nearest, ties to even, like nearbyint.
    const __m256i q = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(p + i), vinv));
    const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q),
                                          _mm256_extracti128_si256(q, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(codes + i), _mm_packs_epi16(words, words));
  }
#endif
  for (; i < n; ++i)
    codes[i] = static_cast<std::int8_t>(
      std::clamp(std::nearbyint(p[i] * inv), -127.0f, 127.0f));
}

} // namespace

void encode_int8(const float* in, std::size_t n, float* scales, std::int8_t* codes) {
  for (std::size_t b = 0; b * int8_block < n; ++b) {
    const std::size_t begin = b * int8_block;
    const std::size_t end = std::min(n, begin + int8_block);
    float max = 0;
    bool finite = true;
    block_stats(in + begin, end - begin, max, finite);
    if (!finite) {
      scales[b] = std::numeric_limits<float>::quiet_NaN();
      std::fill(codes + begin, codes + end, std::int8_t{0});
      continue;
    }
    if (max == 0) {
      scales[b] = 0;
      std::fill(codes + begin, codes + end, std::int8_t{0});
      continue;
    }
    if (max < std::numeric_limits<float>::min() * 127) {
      // So small that the scale would be subnormal: the smallest normal one.
      scales[b] = std::numeric_limits<float>::min();
      quantize_block(in + begin, end - begin, 1.0f / scales[b], codes + begin);
      continue;
    }
    const float s = scale_for(max);
    scales[b] = s;
    quantize_block(in + begin, end - begin, 1.0f / s, codes + begin); // 1/s exact
  }
}

void decode_int8(const float* scales, const std::int8_t* codes, std::size_t n,
                 float* out) {
  for (std::size_t begin = 0; begin < n; begin += int8_block) {
    const float s = scales[begin / int8_block];
    const std::size_t end = std::min(n, begin + int8_block);
    for (std::size_t i = begin; i < end; ++i)
      out[i] = s * static_cast<float>(codes[i]);
  }
}

bool int8_finite(const float* scales, const std::int8_t* codes, std::size_t n) {
  // Exact (128 is a power of two): |s| <= bound iff 128 |s| <= FLT_MAX.
  constexpr float bound = std::numeric_limits<float>::max() / 128;
  for (std::size_t b = 0; b * int8_block < n; ++b) {
    const float s = std::fabs(scales[b]);
    if (s <= bound) // false for a NaN
      continue;
    if (!std::isfinite(s))
      return false;
    const std::size_t begin = b * int8_block;
    const std::size_t end = std::min(n, begin + int8_block);
    int m = 0;
    for (std::size_t i = begin; i < end; ++i)
      m = std::max(m, std::abs(static_cast<int>(codes[i])));
    if (!std::isfinite(s * static_cast<float>(m)))
      return false;
  }
  return true;
}

void round_int8(float* values, std::size_t n) {
  thread_local std::vector<float> scales;
  thread_local std::vector<std::int8_t> codes;
  scales.resize(int8_blocks(n));
  codes.resize(n);
  encode_int8(values, n, scales.data(), codes.data());
  decode_int8(scales.data(), codes.data(), n, values);
}

} // namespace actors
