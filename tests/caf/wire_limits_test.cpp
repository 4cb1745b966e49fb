// Wire limits: what a peer's bytes can make a process allocate. A
// float_buffer is refused when its length exceeds max_wire_floats or the
// bytes the message really holds, before any allocation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "float_buffer_support.hpp"
#include "actors/runtime/protocol.hpp"
#include "actors/util/quantize.hpp"
#include "actors/wire/codec.hpp"

using namespace actors;
using actors::testing::serialized;

namespace {

std::uint8_t format_of(const char* codec) {
  return wire::find_codec(codec)->format();
}

// The rendered error of deserializing `buf` as a float_buffer, "" if it is
// accepted.
std::string read_error(const std::vector<char>& buf, float_buffer& out) {
  caf::binary_deserializer source{nullptr, buf};
  caf::deserializer& base = source;
  caf::error err = inspect(base, out);
  if (!err)
    return "";
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  return sys.render(err);
}

} // namespace

TEST_CASE("wire limits: an honest float_buffer round-trips") {
  float_buffer x;
  for (int i = 0; i < 1000; ++i)
    x.values.push_back(static_cast<float>(i) * 0.5f);
  float_buffer y;
  CHECK(read_error(serialized(x), y) == "");
  CHECK(y.values == x.values);
}

TEST_CASE("wire limits: a float_buffer claiming more than the message "
          "holds is refused without allocating it") {
  float_buffer x;
  x.values.assign(1000, 1.0f);
  auto buf = serialized(x);
  buf.resize(100); // the length says 1000 floats, 4000 bytes; ~98 remain
  float_buffer y;
  auto err = read_error(buf, y);
  CHECK(err.find("claims 1000 values but the message holds") != std::string::npos);
  CHECK(y.values.capacity() == 0);

  // A tiny message claiming the largest allowed buffer (1 GiB).
  std::vector<char> liar;
  caf::binary_serializer sink{nullptr, liar};
  std::uint8_t format = 0;
  REQUIRE_FALSE(sink.apply(format));
  std::size_t n = max_wire_floats;
  REQUIRE_FALSE(sink.begin_sequence(n));
  float_buffer z;
  err = read_error(liar, z);
  CHECK(err.find("claims " + std::to_string(max_wire_floats) + " values")
        != std::string::npos);
  CHECK(z.values.capacity() == 0);
}

TEST_CASE("wire limits: a float_buffer above max_wire_floats is refused") {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  std::uint8_t format = 0;
  REQUIRE_FALSE(sink.apply(format));
  std::size_t n = max_wire_floats + 1;
  REQUIRE_FALSE(sink.begin_sequence(n));
  float_buffer y;
  auto err = read_error(buf, y);
  CHECK(err.find("exceeds the wire limit") != std::string::npos);
}

TEST_CASE("wire limits: an fp16 float_buffer takes 2 bytes a value and "
          "comes back rounded to the nearest half") {
  float_buffer x;
  x.format = format_of("fp16");
  for (int i = 0; i < 1000; ++i)
    x.values.push_back(0.001f * static_cast<float>(i) - 0.3f);
  x.values.push_back(1e6f); // beyond binary16: saturates
  const auto fp16 = serialized(x);
  float_buffer exact = x;
  exact.format = format_of("fp32");
  const auto fp32 = serialized(exact);
  CHECK(fp32.size() - fp16.size() == 2 * x.values.size());
  float_buffer y;
  CHECK(read_error(fp16, y) == "");
  CHECK(y.format == format_of("fp16"));
  REQUIRE(y.values.size() == x.values.size());
  for (std::size_t i = 0; i + 1 < x.values.size(); ++i)
    CHECK(std::fabs(y.values[i] - x.values[i])
          <= std::max(std::fabs(x.values[i]) * 0x1p-11f, 0x1p-25f));
  CHECK(y.values.back() == 65504.0f);
}

TEST_CASE("wire limits: an unknown wire format and a short fp16 buffer are "
          "refused") {
  float_buffer x;
  x.format = format_of("fp16");
  x.values.assign(1000, 1.0f);
  auto buf = serialized(x);
  auto bad = buf;
  bad[0] = 7; // the format byte
  float_buffer y;
  CHECK(read_error(bad, y).find("unknown wire format 7") != std::string::npos);
  buf.resize(1500); // 1000 halves need 2000 bytes
  float_buffer z;
  auto err = read_error(buf, z);
  CHECK(err.find("claims 1000 values but the message holds") != std::string::npos);
  CHECK(z.values.capacity() == 0);
}

TEST_CASE("wire limits: an int8 float_buffer takes a byte a value plus a "
          "scale per 256, and values rounded to the code arrive exactly") {
  float_buffer x;
  x.format = format_of("int8");
  for (int i = 0; i < 1000; ++i)
    x.values.push_back(0.01f * std::sin(0.05f * static_cast<float>(i)));
  round_int8(x.values.data(), x.values.size());
  const auto bytes = serialized(x);
  float_buffer exact = x;
  exact.format = format_of("fp32");
  CHECK(serialized(exact).size() - bytes.size() == 4 * 1000 - (1000 + 4 * 4));
  float_buffer y;
  CHECK(read_error(bytes, y) == "");
  CHECK(y.format == format_of("int8"));
  CHECK(y.values == x.values);
  auto cut = bytes;
  cut.resize(bytes.size() - 1);
  float_buffer z;
  CHECK(read_error(cut, z).find("claims 1000 values but the message holds")
        != std::string::npos);
}

TEST_CASE("wire limits: a sign float_buffer takes a bit a value plus a scale "
          "per 256, and rounded values arrive exactly") {
  const wire::codec& sign = *wire::find_codec("sign");
  float_buffer x;
  x.format = sign.format();
  for (int i = 0; i < 1000; ++i)
    x.values.push_back(0.01f * std::sin(0.05f * static_cast<float>(i)));
  sign.round(x.values.data(), x.values.size());
  const auto bytes = serialized(x);
  float_buffer exact = x;
  exact.format = format_of("fp32");
  CHECK(serialized(exact).size() - bytes.size() == 4 * 1000 - (4 * 4 + 125));
  float_buffer y;
  CHECK(read_error(bytes, y) == "");
  CHECK(y.values == x.values);
}

TEST_CASE("wire limits: a topk float_buffer travels after its byte count; "
          "a cut one, a count past the message and a bad index are refused") {
  const wire::codec& topk = *wire::find_codec("topk");
  float_buffer x;
  x.format = topk.format();
  x.values.assign(1000, 0.0f);
  for (int i = 0; i < 10; ++i)
    x.values[static_cast<std::size_t>(97 * i + 3)] = 1.0f + static_cast<float>(i);
  const auto bytes = serialized(x);
  float_buffer exact = x;
  exact.format = format_of("fp32");
  // 4000 bytes of fp32 against the count (u32), 10 values, 10 one-byte
  // gaps (3, then 96) and the byte count before them (u32).
  CHECK(serialized(exact).size() - bytes.size() == 4000 - (4 + 40 + 10 + 4));
  float_buffer y;
  CHECK(read_error(bytes, y) == "");
  CHECK(y.values == x.values);
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    CAPTURE(len);
    auto cut = bytes;
    cut.resize(len);
    float_buffer z;
    CHECK(read_error(cut, z) != "");
  }
  // The last gap made 228 (two bytes): index 779 + 1 + 228 >= 1000.
  std::vector<char> bad(bytes.begin(), bytes.end() - 1);
  bad.push_back(static_cast<char>(0xe4)); // 228 as a varint: 0xe4 0x01
  bad.push_back(static_cast<char>(0x01));
  const auto at = bytes.size() - (4 + 40 + 10) - 4; // the byte count
  bad[at] = static_cast<char>(4 + 40 + 11);
  float_buffer w;
  CHECK(read_error(bad, w).find("not a valid topk coding of 1000 values")
        != std::string::npos);
}
