// Tests for the binary16 wire conversion: every half value round-trips,
// floats round to the nearest half (ties to even) by an independent
// reference, the F16C and scalar paths give the same bits, and the edges
// (saturation, subnormals, infinities, NaN) behave as documented.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "actors/util/half.hpp"
#include "actors/util/rng.hpp"

using namespace actors;

namespace {

float float_of(std::uint32_t x) {
  float f;
  std::memcpy(&f, &x, sizeof(f));
  return f;
}

// The nearest half by brute force over all finite halves of the same sign,
// ties to the even encoding: an oracle that shares no code with half.cpp.
std::uint16_t nearest_half(float f) {
  const std::uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  std::uint16_t best = 0;
  double best_err = std::numeric_limits<double>::infinity();
  // Halves 0x0000..0x7bff increase monotonically with their encoding.
  std::uint16_t lo = 0, hi = 0x7bff;
  while (hi - lo > 1) {
    const auto mid = static_cast<std::uint16_t>((lo + hi) / 2);
    if (static_cast<double>(half_to_float_scalar(mid)) <= a)
      lo = mid;
    else
      hi = mid;
  }
  for (std::uint16_t c : {lo, hi}) {
    const double err = std::fabs(static_cast<double>(half_to_float_scalar(c)) - a);
    if (err < best_err || (err == best_err && (c & 1) == 0)) {
      best = c;
      best_err = err;
    }
  }
  return static_cast<std::uint16_t>(sign | best);
}

} // namespace

TEST_CASE("half: every finite half value round-trips exactly") {
  std::vector<std::uint16_t> all(0x10000), back(0x10000);
  std::vector<float> wide(0x10000);
  for (std::uint32_t h = 0; h < 0x10000; ++h)
    all[h] = static_cast<std::uint16_t>(h);
  half_to_floats(all.data(), all.size(), wide.data());
  floats_to_half(wide.data(), wide.size(), back.data());
  std::size_t mismatches = 0;
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float scalar = half_to_float_scalar(all[h]);
    mismatches += std::memcmp(&wide[h], &scalar, sizeof(float)) != 0;
    const bool nan = ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff) != 0;
    if (nan)
      continue; // NaNs come back quiet; checked below
    mismatches += back[h] != h;
  }
  CHECK(mismatches == 0);
  CHECK(half_to_float_scalar(0x3c00) == 1.0f);
  CHECK(half_to_float_scalar(0x7bff) == 65504.0f);
  CHECK(half_to_float_scalar(0x0001) == std::ldexp(1.0f, -24));
  CHECK(half_to_float_scalar(0x0400) == std::ldexp(1.0f, -14));
  CHECK(std::signbit(half_to_float_scalar(0x8000)));
}

TEST_CASE("half: floats round to the nearest half, ties to even") {
  rng r{2026};
  std::size_t checked = 0, wrong = 0;
  // Random bit patterns over the whole finite range below the saturation
  // point, plus the values exactly halfway between neighbouring halves.
  std::vector<float> in;
  for (int i = 0; i < 200000; ++i) {
    const auto bits = static_cast<std::uint32_t>(r.next() & 0xffffffffu);
    const float f = float_of(bits);
    if (std::isfinite(f) && std::fabs(f) < 65504.0f)
      in.push_back(f);
  }
  for (std::uint32_t h = 0; h < 0x7bff; h += 7) {
    const float a = half_to_float_scalar(static_cast<std::uint16_t>(h));
    const float b = half_to_float_scalar(static_cast<std::uint16_t>(h + 1));
    in.push_back(static_cast<float>((static_cast<double>(a) + b) / 2)); // tie
    in.push_back(-static_cast<float>((static_cast<double>(a) + b) / 2));
  }
  std::vector<std::uint16_t> out(in.size());
  floats_to_half(in.data(), in.size(), out.data());
  for (std::size_t i = 0; i < in.size(); ++i) {
    ++checked;
    const auto want = nearest_half(in[i]);
    wrong += out[i] != want;
    wrong += float_to_half_scalar(in[i]) != want;
  }
  CHECK(checked > 100000);
  CHECK(wrong == 0);
}

TEST_CASE("half: the vector and scalar paths agree bit for bit") {
  // Every 251st float bit pattern: all exponents, signs, NaN payloads.
  std::vector<float> in;
  for (std::uint64_t x = 0; x < 0x100000000ULL; x += 251 * 1021)
    in.push_back(float_of(static_cast<std::uint32_t>(x)));
  std::vector<std::uint16_t> out(in.size());
  floats_to_half(in.data(), in.size(), out.data());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < in.size(); ++i)
    differ += out[i] != float_to_half_scalar(in[i]);
  CHECK(in.size() > 16000);
  CHECK(differ == 0);
}

TEST_CASE("half: saturation, infinities, NaN and signed zero") {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> in{65504.0f, 65519.0f, 65520.0f, 1e30f, -1e30f, inf,
                              -inf, std::nanf(""), -0.0f, 1e-10f, 0x1p-25f,
                              0x1.000002p-25f, 0.1f, -2.5f, 1e-5f, 3.0f,
                              5.0f, 7.0f, 9.0f}; // 19: both paths run
  std::vector<std::uint16_t> h(in.size());
  floats_to_half(in.data(), in.size(), h.data());
  CHECK(h[0] == 0x7bff);
  CHECK(h[1] == 0x7bff); // rounds down to 65504
  CHECK(h[2] == 0x7bff); // would round to 65536: saturates
  CHECK(h[3] == 0x7bff);
  CHECK(h[4] == 0xfbff);
  CHECK(h[5] == 0x7c00); // infinity stays infinite
  CHECK(h[6] == 0xfc00);
  CHECK(std::isnan(half_to_float_scalar(h[7])));
  CHECK(h[8] == 0x8000);
  CHECK(h[9] == 0x0000);
  CHECK(h[10] == 0x0000); // exactly halfway to the smallest subnormal: even
  CHECK(h[11] == 0x0001);
  CHECK(half_to_float_scalar(h[12]) == doctest::Approx(0.1f).epsilon(1e-3));
  CHECK(half_to_float_scalar(h[13]) == -2.5f);
  std::vector<float> back(in.size());
  half_to_floats(h.data(), h.size(), back.data());
  for (std::size_t i = 0; i < in.size(); ++i)
    if (std::isfinite(in[i]) && std::fabs(in[i]) <= 65504.0f
        && std::fabs(in[i]) >= 0x1p-14f)
      CHECK(std::fabs(back[i] - in[i]) <= std::fabs(in[i]) * 0x1p-11f);
}
