// Tests for the sign codec (src/wire/sign.cpp): the scale of a known block
// is its mean magnitude and the bits are the signs, worked by hand; blocks of
// 256 with a short last one; the rounding is what the bytes carry and is
// idempotent; payloads of the wrong size, with padding bits or a negative
// scale are refused.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "actors/util/coding.hpp"
#include "actors/wire/codec.hpp"
#include "wire_test_support.hpp"

using namespace actors;
using namespace actors::wire;

namespace {

const codec& sign() {
  return test::codec_named("sign");
}

std::string encoded(const std::vector<float>& v) {
  return test::encoded(sign(), v);
}

} // namespace

TEST_CASE("sign: a block's scale is its mean magnitude, its bits the signs") {
  // Block 0: x_i = i - 100, i = 0..255: sum |x| = (100 + ... + 1) + (0 + ...
  // + 155) = 5050 + 12090 = 17140, s_0 = 17140 / 256 = 66.953125; values
  // 0..99 negative. Block 1: the single value -3: s_1 = 3, negative.
  std::vector<float> v(257);
  for (int i = 0; i < 256; ++i)
    v[static_cast<std::size_t>(i)] = static_cast<float>(i - 100);
  v[256] = -3.0f;
  const std::string b = encoded(v);
  REQUIRE(b.size() == 2 * 4 + 33); // 2 scales, ceil(257 / 8) bytes of bits
  CHECK(decode_f32(b.data()) == 66.953125f);
  CHECK(decode_f32(b.data() + 4) == 3.0f);
  const auto* bits = reinterpret_cast<const unsigned char*>(b.data() + 8);
  for (int i = 0; i < 12; ++i)
    CHECK(bits[i] == 0xff); // values 0..95
  CHECK(bits[12] == 0x0f);  // 96..99 negative, 100 (zero) and up positive
  for (int i = 13; i < 32; ++i)
    CHECK(bits[i] == 0x00);
  CHECK(bits[32] == 0x01); // value 256; the 7 padding bits are 0
  std::vector<float> out(v.size());
  REQUIRE(sign().read(b.data(), b.size(), v.size(), out.data()));
  CHECK(out[0] == -66.953125f);
  CHECK(out[99] == -66.953125f);
  CHECK(out[100] == 66.953125f);
  CHECK(out[255] == 66.953125f);
  CHECK(out[256] == -3.0f);
  // round() gives what the bytes carry, and is idempotent bit for bit.
  auto rounded = v;
  sign().round(rounded.data(), rounded.size());
  CHECK(rounded == out);
  auto twice = rounded;
  sign().round(twice.data(), twice.size());
  CHECK(std::memcmp(twice.data(), rounded.data(), 4 * rounded.size()) == 0);
  CHECK(encoded(rounded) == b);
}

TEST_CASE("sign: an all-zero block reads as +0 and keeps no sign") {
  const std::vector<float> zeros{0.0f, -0.0f, 0.0f};
  const std::string b = encoded(zeros);
  CHECK(b == std::string("\0\0\0\0\0", 5));
  auto rounded = zeros;
  sign().round(rounded.data(), rounded.size());
  for (float x : rounded)
    CHECK(!std::signbit(x));
}

TEST_CASE("sign: mnist_cnn's 1,048,853 values take 147,499 bytes, 0.1406 a "
          "value") {
  CHECK(sign().fixed_bytes(1048853) == 4u * 4098 + 131107);
  CHECK(*sign().fixed_bytes(1048853) == 147499u);
}

TEST_CASE("sign: a payload of the wrong size, with a padding bit set or a "
          "negative scale is refused") {
  const std::vector<float> v{1.0f, -2.0f, 3.0f};
  const std::string b = encoded(v); // scale 2, bits 0b010
  std::vector<float> out(3);
  REQUIRE(sign().read(b.data(), b.size(), 3, out.data()));
  CHECK(out == std::vector<float>{2.0f, -2.0f, 2.0f});
  for (std::size_t len = 0; len < b.size(); ++len)
    CHECK_FALSE(sign().read(b.data(), len, 3, out.data()));
  const std::string longer = b + '\0';
  CHECK_FALSE(sign().read(longer.data(), longer.size(), 3, out.data()));
  std::string padded = b;
  padded[4] = static_cast<char>(0x02 | 0x08); // bit 3: past the 3 values
  CHECK_FALSE(sign().read(padded.data(), padded.size(), 3, out.data()));
  std::string negative = b;
  encode_f32(negative.data(), -2.0f);
  CHECK_FALSE(sign().read(negative.data(), negative.size(), 3, out.data()));
}
