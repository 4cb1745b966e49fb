// Tests for the little-endian byte coding: the exact bytes each width
// writes, round trips over edge values, bulk runs, and reads from buffers
// too short for them (refused, nothing consumed).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "actors/util/coding.hpp"

using namespace actors;

namespace {

std::string bytes(std::initializer_list<unsigned> list) {
  std::string out;
  for (unsigned b : list)
    out.push_back(static_cast<char>(b));
  return out;
}

} // namespace

TEST_CASE("coding: each width writes its known little-endian bytes") {
  std::string s;
  put_u8(s, 0xab);
  CHECK(s == bytes({0xab}));
  s.clear();
  put_u16(s, 0xabcd);
  CHECK(s == bytes({0xcd, 0xab}));
  s.clear();
  put_u32(s, 0x01020304);
  CHECK(s == bytes({0x04, 0x03, 0x02, 0x01}));
  s.clear();
  put_u64(s, 0x0102030405060708ULL);
  CHECK(s == bytes({0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}));
  s.clear();
  put_f32(s, 1.0f); // 0x3f800000
  CHECK(s == bytes({0x00, 0x00, 0x80, 0x3f}));
  s.clear();
  put_f32(s, -2.5f); // 0xc0200000
  CHECK(s == bytes({0x00, 0x00, 0x20, 0xc0}));
  char at[4];
  encode_u32(at, 0xdeadbeef);
  CHECK(std::string(at, 4) == bytes({0xef, 0xbe, 0xad, 0xde}));
  CHECK(decode_u32(at) == 0xdeadbeef);
  const auto known = bytes({0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01});
  CHECK(decode_u64(known.data()) == 0x0102030405060708ULL);
  CHECK(decode_u16(known.data()) == 0x0708);
}

TEST_CASE("coding: values round-trip through put and get, in order") {
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
  const float tiny = std::numeric_limits<float>::denorm_min();
  std::string s;
  put_u8(s, 0);
  put_u8(s, 255);
  put_u16(s, 65535);
  put_u32(s, 0x80000001u);
  put_u64(s, big);
  put_u64(s, 0);
  put_f32(s, tiny);
  put_f32(s, -0.0f);
  put_f32(s, std::numeric_limits<float>::infinity());
  put_f32(s, std::numeric_limits<float>::quiet_NaN());
  CHECK(s.size() == 1 + 1 + 2 + 4 + 8 + 8 + 4 * 4);
  std::string_view in = s;
  std::uint8_t a = 1, b = 0;
  std::uint16_t c = 0;
  std::uint32_t d = 0;
  std::uint64_t e = 0, f = 1;
  float g = 0, h = 1, i = 0, j = 0;
  REQUIRE(get_u8(in, a));
  REQUIRE(get_u8(in, b));
  REQUIRE(get_u16(in, c));
  REQUIRE(get_u32(in, d));
  REQUIRE(get_u64(in, e));
  REQUIRE(get_u64(in, f));
  REQUIRE(get_f32(in, g));
  REQUIRE(get_f32(in, h));
  REQUIRE(get_f32(in, i));
  REQUIRE(get_f32(in, j));
  CHECK(in.empty());
  CHECK(a == 0);
  CHECK(b == 255);
  CHECK(c == 65535);
  CHECK(d == 0x80000001u);
  CHECK(e == big);
  CHECK(f == 0);
  CHECK(g == tiny);
  CHECK(h == 0.0f);
  CHECK(std::signbit(h));
  CHECK(std::isinf(i));
  CHECK(std::isnan(j));
}

TEST_CASE("coding: bulk float and u16 runs are the values one by one") {
  std::vector<float> v;
  for (int k = 0; k < 1000; ++k)
    v.push_back(std::sin(0.37f * static_cast<float>(k)) * std::pow(10.0f, k % 7 - 3));
  std::string s;
  put_floats(s, v.data(), v.size());
  REQUIRE(s.size() == 4 * v.size());
  std::string one_by_one;
  for (float x : v)
    put_f32(one_by_one, x);
  CHECK(s == one_by_one);
  std::vector<float> back(v.size());
  std::string_view in = s;
  REQUIRE(get_floats(in, back.size(), back.data()));
  CHECK(in.empty());
  CHECK(back == v);

  std::vector<std::uint16_t> h{0x0000, 0x3c00, 0xfbff, 0x1234};
  std::string hs(2 * h.size(), '\0');
  encode_u16s(hs.data(), h.data(), h.size());
  CHECK(hs == bytes({0x00, 0x00, 0x00, 0x3c, 0xff, 0xfb, 0x34, 0x12}));
  std::vector<std::uint16_t> hb(h.size());
  decode_u16s(hs.data(), hb.size(), hb.data());
  CHECK(hb == h);
}

TEST_CASE("coding: a buffer too short for a value is refused and nothing is "
          "consumed") {
  const std::string s = bytes({1, 2, 3, 4, 5, 6, 7});
  for (std::size_t len = 0; len <= s.size(); ++len) {
    std::string_view in{s.data(), len};
    std::uint64_t v64 = 42;
    CHECK_FALSE(get_u64(in, v64)); // 8 bytes never fit in 7
    CHECK(v64 == 42);
    CHECK(in.size() == len);
    std::uint32_t v32 = 42;
    CHECK(get_u32(in, v32) == (len >= 4));
    CHECK(in.size() == (len >= 4 ? len - 4 : len));
    if (len < 4)
      CHECK(v32 == 42);
  }
  std::string_view empty;
  std::uint8_t b = 9;
  std::uint16_t h = 9;
  float f = 9;
  CHECK_FALSE(get_u8(empty, b));
  CHECK_FALSE(get_u16(empty, h));
  CHECK_FALSE(get_f32(empty, f));
  CHECK(b == 9);
  CHECK(h == 9);
  CHECK(f == 9);
  // Bulk: 3 floats need 12 bytes; 11 are refused whole.
  const std::string eleven(11, '\x01');
  std::string_view in = eleven;
  float out[3] = {7, 7, 7};
  CHECK_FALSE(get_floats(in, 3, out));
  CHECK(in.size() == 11);
  CHECK(out[0] == 7);
  CHECK(get_floats(in, 2, out));
  CHECK(in.size() == 3);
  // A count whose byte total would overflow is refused, not wrapped.
  CHECK_FALSE(get_floats(in, std::numeric_limits<std::size_t>::max() / 2, out));
}

TEST_CASE("coding: varints take 1-5 bytes, 7 bits each from the lowest, and "
          "a cut or overlong one is refused") {
  auto varint = [](std::uint32_t v) {
    std::string out(varint32_length(v), '\0');
    CHECK(encode_varint32(out.data(), v) == out.data() + out.size());
    return out;
  };
  CHECK(varint(0) == bytes({0x00}));
  CHECK(varint(127) == bytes({0x7f}));
  CHECK(varint(128) == bytes({0x80, 0x01}));
  CHECK(varint(300) == bytes({0xac, 0x02})); // 300 = 0b10_0101100
  CHECK(varint(16383) == bytes({0xff, 0x7f}));
  CHECK(varint(16384) == bytes({0x80, 0x80, 0x01}));
  CHECK(varint(0xffffffffu) == bytes({0xff, 0xff, 0xff, 0xff, 0x0f}));
  for (std::uint32_t v : {0u, 1u, 127u, 128u, 300u, 1048852u, 0xfffffffeu, 0xffffffffu}) {
    const std::string s = varint(v) + "x";
    std::string_view in = s;
    std::uint32_t got = 0;
    REQUIRE(get_varint32(in, got));
    CHECK(got == v);
    CHECK(in == "x");
    // Every cut inside it is refused and consumes nothing.
    for (std::size_t len = 0; len + 1 < s.size(); ++len) {
      std::string_view cut{s.data(), len};
      CHECK_FALSE(get_varint32(cut, got));
      CHECK(cut.size() == len);
    }
  }
  std::uint32_t v = 7;
  const std::string too_wide = bytes({0xff, 0xff, 0xff, 0xff, 0x10}); // bit 32
  const std::string too_long = bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
  std::string_view a = too_wide, b = too_long;
  CHECK_FALSE(get_varint32(a, v));
  CHECK_FALSE(get_varint32(b, v));
  CHECK(v == 7);
  CHECK(a.size() == 5);
}
