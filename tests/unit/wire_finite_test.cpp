// Tests for codec::finite and wire::all_finite(coded_values)
// (wire/codec.hpp): for every codec, whether a coding reads as finite
// values is told from its bytes exactly as read() then all_finite tells
// (`decoded_finite` below, which every check is compared with): codings of
// finite values, of values with one NaN or infinity in any block, of large
// values (int8 reads the largest as infinities; fp16 saturates), bytes
// written by hand at int8's scale bound (FLT_MAX / 128; 2^121 with the codes 127 and
// -128; 2^122 with 63 and 64; FLT_MAX with 0, 1 and 2), every binary16 bit
// pattern, sign's negative, -0 and infinite scales, topk's kept values, and
// codings that read() refuses. The default (codec::finite called on the
// base class) agrees with every codec's own.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "actors/util/coding.hpp"
#include "actors/util/finite.hpp"
#include "actors/util/quantize.hpp"
#include "actors/util/rng.hpp"
#include "actors/wire/codec.hpp"
#include "wire_test_support.hpp"

using namespace actors;
using namespace actors::wire;

namespace {

using lim = std::numeric_limits<float>;

const codec& named(const char* name) {
  return test::codec_named(name);
}

// What finite() must say: read() accepts the bytes and what it reads is
// finite.
bool decoded_finite(const codec& c, const std::vector<char>& bytes, std::size_t n) {
  std::vector<float> values(n);
  return c.read(bytes.data(), bytes.size(), n, values.data())
         && actors::all_finite(values.data(), n);
}

// c.finite() on the bytes, checked against decoded_finite and against
// wire::all_finite on the same bytes as coded_values.
bool checked_finite(const codec& c, const std::vector<char>& bytes, std::size_t n) {
  const bool fast = c.finite(bytes.data(), bytes.size(), n);
  CHECK(fast == decoded_finite(c, bytes, n));
  coded_values coded;
  coded.format = c.format();
  coded.count = n;
  coded.bytes = bytes;
  CHECK(wire::all_finite(coded) == fast);
  return fast;
}

std::vector<char> coding(const codec& c, const std::vector<float>& values) {
  std::vector<char> out;
  c.write_to(values.data(), values.size(), out);
  return out;
}

std::vector<float> random_values(std::size_t n, std::uint64_t seed) {
  rng r{seed};
  std::vector<float> v(n);
  for (auto& x : v)
    x = std::pow(10.0f, -4.0f * r.uniform()) * (r.uniform() - 0.5f);
  return v;
}

// Bytes of an int8 coding of n values, written by hand.
std::vector<char> int8_bytes_of(const std::vector<float>& scales,
                                const std::vector<std::int8_t>& codes) {
  std::vector<char> out(4 * scales.size() + codes.size());
  encode_floats(out.data(), scales.data(), scales.size());
  std::memcpy(out.data() + 4 * scales.size(), codes.data(), codes.size());
  return out;
}

// Every codec of the registry, and a topk that keeps every value.
std::vector<std::string> all_codecs() {
  auto names = codec_names();
  names.push_back("topk:1");
  return names;
}

} // namespace

TEST_CASE("wire finite: every codec's coding of finite values is finite, and "
          "one NaN or infinity in any block makes it not") {
  const std::size_t n = 2 * 4096 + 3 * int8_block + 9;
  const auto v = random_values(n, 3);
  for (const auto& name : all_codecs()) {
    CAPTURE(name);
    const codec& c = named(name.c_str());
    CHECK(checked_finite(c, coding(c, v), n));
    for (float bad : {lim::quiet_NaN(), lim::infinity(), -lim::infinity()}) {
      for (std::size_t at : {std::size_t{0}, int8_block - 1, int8_block,
                             std::size_t{4096}, n - 1}) {
        CAPTURE(bad);
        CAPTURE(at);
        auto w = v;
        w[at] = bad;
        CHECK_FALSE(checked_finite(c, coding(c, w), n));
      }
    }
  }
}

TEST_CASE("wire finite: large finite values as each codec reads them back "
          "(int8 reads the largest as infinities)") {
  // Two blocks, the large value in the second.
  const std::size_t n = 2 * int8_block;
  struct big {
    float x;
    bool int8_finite;
  };
  // int8: 2e38 and 3.3e38 get the scale 2^121 (codes 75 and 124); from 127
  // * 2^121 ~ 3.376e38 up the scale is 2^122 and the code 64, read as
  // 2^128 = inf. fp16 saturates at +-65504 (util/half); the others keep them.
  for (const big& b : {big{65504.0f, true}, big{65520.0f, true}, big{1e38f, true},
                       big{2e38f, true}, big{3.3e38f, true}, big{3.38e38f, false},
                       big{lim::max(), false}, big{-lim::max(), false}}) {
    CAPTURE(b.x);
    auto v = random_values(n, 11);
    v[int8_block + 5] = b.x;
    for (const auto& name : all_codecs()) {
      CAPTURE(name);
      const codec& c = named(name.c_str());
      const bool finite = checked_finite(c, coding(c, v), n);
      CHECK(finite == (name == "int8" ? b.int8_finite : true));
    }
  }
}

TEST_CASE("wire finite: int8 at its scale bound, by hand (a block's scale "
          "times its largest code, the code -128 included)") {
  const codec& c = named("int8");
  const std::size_t n = 2 * int8_block;
  const float bound = lim::max() / 128; // (2 - 2^-23) 2^120
  const float p121 = std::ldexp(1.0f, 121), p122 = std::ldexp(1.0f, 122);
  REQUIRE(std::nextafter(bound, lim::infinity()) == p121);
  // The second block's scale, one of its codes (the others 1, or all 0
  // when `zeros`), and whether it reads finite.
  struct block {
    float scale;
    int code;
    bool zeros, finite;
  };
  const float lo127 = std::nextafter(lim::max() / 127, 0.0f);
  const float hi127 = std::nextafter(lim::max() / 127, lim::infinity());
  for (const block& b : {
         block{bound, -128, false, true},   // -128 (2 - 2^-23) 2^120 = -FLT_MAX
         block{-bound, -128, false, true},
         block{p121, 127, false, true},     // 127 * 2^121 ~ 3.38e38
         block{p121, -127, false, true},
         block{p121, -128, false, false},   // -2^128: |s| * 127 finite would pass it
         block{-p121, -128, false, false},  // +2^128
         block{-p121, 127, false, true},
         block{p122, 63, false, true},      // |s| * 127 finite would refuse it
         block{p122, 64, false, false},     // 2^128
         block{lo127, 127, false, true},
         block{hi127, 127, false, false},
         block{lim::max(), 1, false, true},
         block{lim::max(), 2, false, false},
         block{lim::max(), 0, true, true},  // every code 0
         block{lim::infinity(), 0, true, false}, // inf * 0 = NaN
         block{-lim::infinity(), 1, false, false},
         block{lim::quiet_NaN(), 0, true, false},
         block{lim::denorm_min(), -128, false, true},
         block{-0.0f, 127, false, true},
       }) {
    CAPTURE(b.scale);
    CAPTURE(b.code);
    std::vector<std::int8_t> codes(n, 0);
    for (std::size_t i = int8_block; i < n; ++i)
      codes[i] = static_cast<std::int8_t>(b.zeros ? 0 : 1);
    codes[n - 2] = static_cast<std::int8_t>(b.code);
    CHECK(checked_finite(c, int8_bytes_of({1.0f, b.scale}, codes), n) == b.finite);
    // The same block first: the answer does not depend on its place.
    std::vector<std::int8_t> swapped(codes.begin() + int8_block, codes.end());
    swapped.resize(n, 0);
    CHECK(checked_finite(c, int8_bytes_of({b.scale, 1.0f}, swapped), n) == b.finite);
  }
  // A short last block; bytes of another count.
  std::vector<std::int8_t> codes(int8_block + 3, 1);
  codes.back() = -128;
  CHECK_FALSE(checked_finite(c, int8_bytes_of({1.0f, p121}, codes), int8_block + 3));
  codes.back() = 127;
  CHECK(checked_finite(c, int8_bytes_of({1.0f, p121}, codes), int8_block + 3));
  CHECK_FALSE(checked_finite(c, int8_bytes_of({1.0f, p121}, codes), int8_block + 2));
}

TEST_CASE("wire finite: fp16, every bit pattern; fp32, the exponent's "
          "patterns at any place and alignment") {
  const codec& half = named("fp16");
  std::size_t finite = 0;
  for (unsigned h = 0; h < 0x10000; ++h) {
    const std::vector<char> bytes{static_cast<char>(h & 0xff), static_cast<char>(h >> 8)};
    const bool fast = half.finite(bytes.data(), bytes.size(), 1);
    std::vector<float> value(1);
    REQUIRE(half.read(bytes.data(), bytes.size(), 1, value.data()));
    finite += fast;
    if (fast != std::isfinite(value[0]))
      FAIL_CHECK("half " << h << " read as " << value[0]);
  }
  CHECK(finite == 0x10000 - 2 * 0x400); // exponent all ones: 2 signs x 1024
  const codec& full = named("fp32");
  const std::size_t n = 3 * 4096 + 5;
  for (std::uint32_t bits : {0x7f800000u, 0xff800000u, 0x7f800001u, 0x7fc00000u,
                             0xffffffffu, 0x7f7fffffu, 0xff7fffffu, 0x00000001u,
                             0x80000000u}) {
    float x;
    std::memcpy(&x, &bits, 4);
    for (std::size_t at : {std::size_t{0}, std::size_t{4095}, std::size_t{4096}, n - 1}) {
      CAPTURE(bits);
      CAPTURE(at);
      std::vector<float> v(n, 0.5f);
      v[at] = x;
      auto bytes = coding(full, v);
      CHECK(checked_finite(full, bytes, n) == std::isfinite(x));
      // Not 4-aligned: one byte in.
      std::vector<char> shifted(bytes.size() + 1);
      std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
      CHECK(full.finite(shifted.data() + 1, bytes.size(), n) == std::isfinite(x));
      // As a half (FLT_MAX saturates to 65504).
      CHECK(checked_finite(half, coding(half, v), n) == std::isfinite(x));
    }
  }
  CHECK_FALSE(checked_finite(full, std::vector<char>(4 * n - 1), n));
  CHECK_FALSE(checked_finite(half, std::vector<char>(2 * n + 2), n));
}

TEST_CASE("wire finite: sign, its scales (a negative one refused, -0 read "
          "as 0) and padding") {
  const codec& c = named("sign");
  const std::size_t n = int8_block + 44; // 2 blocks; 300 bits, 4 of padding
  auto bytes_with = [&](float scale) {
    std::vector<char> out(*c.fixed_bytes(n), '\x5a');
    encode_f32(out.data(), 1.0f);
    encode_f32(out.data() + 4, scale);
    out.back() = '\x0a'; // the padding (high 4 bits) clear
    return out;
  };
  struct scale_case {
    float s;
    bool finite;
  };
  for (const scale_case& sc : {scale_case{0.0f, true}, scale_case{-0.0f, true},
                               scale_case{lim::denorm_min(), true},
                               scale_case{lim::max(), true},
                               scale_case{lim::infinity(), false},
                               scale_case{lim::quiet_NaN(), false},
                               scale_case{-1.0f, false},
                               scale_case{-lim::infinity(), false}}) {
    CAPTURE(sc.s);
    CHECK(checked_finite(c, bytes_with(sc.s), n) == sc.finite);
  }
  auto padded = bytes_with(1.0f);
  padded.back() = '\x1a';
  CHECK_FALSE(checked_finite(c, padded, n));
  padded.back() = '\x0a';
  padded.push_back(0);
  CHECK_FALSE(checked_finite(c, padded, n));
}

TEST_CASE("wire finite: topk, its kept values, and bytes read() refuses") {
  const codec& c = named("topk");
  const std::size_t n = 1000;
  // Two kept values at 3 and 700: the count, the values, the gaps 3, 696.
  auto bytes_with = [](float a, float b) {
    std::vector<char> out(4 + 8);
    encode_u32(out.data(), 2);
    encode_f32(out.data() + 4, a);
    encode_f32(out.data() + 8, b);
    char gaps[10];
    char* end = encode_varint32(encode_varint32(gaps, 3), 696);
    out.insert(out.end(), gaps, end);
    return out;
  };
  CHECK(checked_finite(c, bytes_with(1.0f, -lim::max()), n));
  CHECK_FALSE(checked_finite(c, bytes_with(1.0f, lim::infinity()), n));
  CHECK_FALSE(checked_finite(c, bytes_with(lim::quiet_NaN(), 2.0f), n));
  CHECK_FALSE(checked_finite(c, bytes_with(1.0f, 2.0f), 700)); // index 700 >= n
  auto cut = bytes_with(1.0f, 2.0f);
  cut.pop_back(); // 696 takes two bytes
  CHECK_FALSE(checked_finite(c, cut, n));
  auto longer = bytes_with(1.0f, 2.0f);
  longer.push_back(0);
  CHECK_FALSE(checked_finite(c, longer, n));
  auto count = bytes_with(1.0f, 2.0f);
  encode_u32(count.data(), 1001);
  CHECK_FALSE(checked_finite(c, count, n));
  // Nothing kept: all zeros.
  std::vector<char> none(4, 0);
  CHECK(checked_finite(c, none, n));
}

TEST_CASE("wire finite: the default (read, then all_finite) agrees with "
          "every codec's own; an unknown format is not finite") {
  const std::size_t n = 4096 + 3;
  auto v = random_values(n, 5);
  for (const auto& name : all_codecs()) {
    CAPTURE(name);
    const codec& c = named(name.c_str());
    for (float x : {0.25f, lim::max(), lim::infinity(), lim::quiet_NaN()}) {
      CAPTURE(x);
      v[4096] = x;
      auto bytes = coding(c, v);
      const bool own = c.finite(bytes.data(), bytes.size(), n);
      CHECK(c.codec::finite(bytes.data(), bytes.size(), n) == own);
      CHECK(own == (std::isfinite(x) && (name != "int8" || x != lim::max())));
      bytes.push_back(0); // read() refuses bytes left over
      CHECK_FALSE(c.codec::finite(bytes.data(), bytes.size(), n));
      CHECK_FALSE(c.finite(bytes.data(), bytes.size(), n));
    }
  }
  coded_values unknown;
  unknown.format = 200; // not in the registry
  unknown.count = 1;
  unknown.bytes.assign(4, 0);
  CHECK(codec_of_format(200) == nullptr);
  CHECK_FALSE(wire::all_finite(unknown));
}
