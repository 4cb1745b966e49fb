// Tests for the 8-bit block code: the error bound per block, exactness and
// idempotence (what error feedback relies on), error feedback keeping a
// long sum unbiased, the edge blocks (zeros, tiny, non-finite), and
// int8_finite against decode_int8 at the scale bound.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "actors/util/finite.hpp"
#include "actors/util/quantize.hpp"
#include "actors/util/rng.hpp"

using namespace actors;

namespace {

std::vector<float> random_values(std::size_t n, std::uint64_t seed, float spread) {
  rng r{seed};
  std::vector<float> v(n);
  for (auto& x : v) {
    // Magnitudes over several decades, both signs.
    const float mag = std::pow(10.0f, -spread * r.uniform());
    x = (r.uniform() < 0.5f ? -mag : mag) * r.uniform();
  }
  return v;
}

} // namespace

TEST_CASE("int8: each value is within half a step of its block's scale, "
          "and the scale is the smallest power of two that fits") {
  const std::size_t n = 10 * int8_block + 37; // a short last block
  auto in = random_values(n, 7, 4);
  std::vector<float> scales(int8_blocks(n));
  std::vector<std::int8_t> codes(n);
  encode_int8(in.data(), n, scales.data(), codes.data());
  std::vector<float> out(n);
  decode_int8(scales.data(), codes.data(), n, out.data());
  CHECK(int8_blocks(n) == 11);
  CHECK(int8_bytes(n) == 11 * 4 + n);
  for (std::size_t b = 0; b < scales.size(); ++b) {
    float max = 0;
    for (std::size_t i = b * int8_block; i < std::min(n, (b + 1) * int8_block); ++i)
      max = std::max(max, std::fabs(in[i]));
    int e = 0;
    CHECK(std::frexp(scales[b], &e) == 0.5f); // a power of two
    CHECK(max <= 127 * scales[b]);
    CHECK(max > 127 * scales[b] / 2);
  }
  std::size_t too_far = 0;
  for (std::size_t i = 0; i < n; ++i)
    too_far += std::fabs(out[i] - in[i]) > scales[i / int8_block] / 2;
  CHECK(too_far == 0);
}

TEST_CASE("int8: decoded values encode to the same bytes (rounding is exact)") {
  const std::size_t n = 5000;
  auto v = random_values(n, 11, 6);
  round_int8(v.data(), n);
  std::vector<float> s1(int8_blocks(n)), s2(int8_blocks(n)), again(n);
  std::vector<std::int8_t> c1(n), c2(n);
  encode_int8(v.data(), n, s1.data(), c1.data());
  decode_int8(s1.data(), c1.data(), n, again.data());
  CHECK(std::memcmp(again.data(), v.data(), n * sizeof(float)) == 0);
  encode_int8(again.data(), n, s2.data(), c2.data());
  CHECK(s1 == s2);
  CHECK(c1 == c2);
}

TEST_CASE("int8: with error feedback the sum of many rounded messages stays "
          "within one step of the true sum") {
  const std::size_t n = 2 * int8_block;
  std::vector<double> truth(n, 0.0), received(n, 0.0);
  std::vector<float> residual(n, 0.0f), msg(n);
  rng r{3};
  for (int step = 0; step < 2000; ++step) {
    for (std::size_t i = 0; i < n; ++i) {
      const float x = 1e-3f * (r.uniform() - 0.5f) + (i == 0 ? 0.05f : 0.0f);
      truth[i] += x;
      msg[i] = x + residual[i];
    }
    std::vector<float> sent = msg;
    round_int8(sent.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      residual[i] = msg[i] - sent[i];
      received[i] += sent[i];
    }
  }
  // Without feedback each small value's rounding error (up to half a step)
  // would add up like a random walk: ~0.02 for the worst of 511 here.
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i)
    worst = std::max(worst, std::fabs(received[i] - truth[i]));
  CHECK(worst < 0.06 / 127 + 1e-6);
}

TEST_CASE("int8: zero, tiny and non-finite blocks") {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v(3 * int8_block, 0.0f);
  v[int8_block] = 1e-39f;                                  // subnormal block
  v[int8_block + 1] = -2 * std::numeric_limits<float>::min();
  v[2 * int8_block] = inf;                                 // diverged block
  v[2 * int8_block + 1] = 1.0f;
  std::vector<float> out = v;
  round_int8(out.data(), out.size());
  for (std::size_t i = 0; i < int8_block; ++i)
    CHECK(out[i] == 0.0f);
  CHECK(out[int8_block] == 0.0f); // below half the smallest step
  CHECK(out[int8_block + 1] == -2 * std::numeric_limits<float>::min());
  std::size_t nan = 0;
  for (std::size_t i = 2 * int8_block; i < 3 * int8_block; ++i)
    nan += std::isnan(out[i]);
  CHECK(nan == int8_block);
}

TEST_CASE("int8: int8_finite says whether decode_int8 writes only finite "
          "values, for scales a few steps around FLT_MAX / 128, / 127, / 64 "
          "and FLT_MAX, and every code") {
  using lim = std::numeric_limits<float>;
  std::vector<float> scales{0.0f, -0.0f, 1.0f, lim::min(), lim::infinity(),
                            -lim::infinity(), lim::quiet_NaN()};
  for (float centre : {lim::max() / 128, lim::max() / 127, lim::max() / 64, lim::max()}) {
    float s = centre;
    for (int k = 0; k < 6; ++k)
      s = std::nextafter(s, 0.0f);
    for (int k = 0; k < 13; ++k, s = std::nextafter(s, lim::infinity())) {
      scales.push_back(s);
      scales.push_back(-s);
    }
  }
  // One block of 256 codes, all 1 but `c` at 200; and a single value.
  std::size_t passed = 0, refused = 0, wrong = 0;
  std::vector<std::int8_t> codes(int8_block, 1);
  std::vector<float> out(int8_block);
  for (float s : scales) {
    for (int c = -128; c <= 127; ++c) {
      codes[200] = static_cast<std::int8_t>(c);
      decode_int8(&s, codes.data(), int8_block, out.data());
      const bool finite = int8_finite(&s, codes.data(), int8_block);
      wrong += finite != all_finite(out.data(), int8_block);
      decode_int8(&s, codes.data() + 200, 1, out.data());
      wrong += int8_finite(&s, codes.data() + 200, 1) != std::isfinite(out[0]);
      (finite ? passed : refused) += 1;
    }
  }
  CHECK(wrong == 0);
  CHECK(passed > 0);
  CHECK(refused > 0);
  // The bound itself: (2 - 2^-23) 2^120 takes -128 to -FLT_MAX; the next
  // scale up, 2^121, takes 127 to ~3.38e38 but -128 to -inf.
  const float bound = lim::max() / 128;
  const std::int8_t lowest = -128, highest = 127;
  CHECK(int8_finite(&bound, &lowest, 1));
  const float p121 = std::nextafter(bound, lim::infinity());
  CHECK(p121 == std::ldexp(1.0f, 121));
  CHECK(int8_finite(&p121, &highest, 1));
  CHECK_FALSE(int8_finite(&p121, &lowest, 1));
}
