// Tests for the wire codecs: the registry, each codec's byte coding (known
// bytes, round trips within its bound, read(write(x)) == round(x)), and the
// streams over many steps through real bytes: the worker's copy of the
// centre equals the server's view of it bit for bit, and error feedback
// keeps the sum of commits within one step of the truth.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "actors/util/half.hpp"
#include "actors/util/quantize.hpp"
#include "actors/util/rng.hpp"
#include "actors/wire/codec.hpp"

using namespace actors;
using namespace actors::wire;

namespace {

const codec& named(const char* name) {
  const codec* c = find_codec(name);
  REQUIRE(c != nullptr);
  return *c;
}

// Magnitudes over several decades, both signs, plus a short last block.
std::vector<float> random_values(std::size_t n, std::uint64_t seed) {
  rng r{seed};
  std::vector<float> v(n);
  for (auto& x : v) {
    const float mag = std::pow(10.0f, -4.0f * r.uniform());
    x = (r.uniform() < 0.5f ? -mag : mag) * r.uniform();
  }
  return v;
}

// What a receiver reads: the values through the bytes of the codec the
// stamp names, as float_buffer's inspect does.
std::vector<float> through_bytes(const std::vector<float>& values,
                                 std::uint8_t format) {
  const codec* c = codec_of_format(format);
  REQUIRE(c != nullptr);
  std::vector<char> bytes(c->bytes(values.size()));
  c->write(values.data(), values.size(), bytes.data());
  std::vector<float> out(values.size());
  c->read(bytes.data(), out.size(), out.data());
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size()
         && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The largest error a codec may make on value x in a block whose largest
// magnitude is `block_max`.
float bound(const codec& c, float x, float block_max) {
  if (c.name() == "fp32")
    return 0;
  if (c.name() == "fp16")
    return std::max(std::fabs(x) * 0x1p-11f, 0x1p-25f);
  return block_max / 127; // half a step; the step is below 2 * max / 127
}

} // namespace

TEST_CASE("wire codecs: the registry names each codec and its format byte once") {
  const auto names = codec_names();
  CHECK(names == std::vector<std::string>{"fp32", "fp16", "int8"});
  std::set<int> formats;
  for (const auto& n : names) {
    const codec& c = named(n.c_str());
    CHECK(c.name() == n);
    CHECK(codec_of_format(c.format()) == &c);
    formats.insert(c.format());
  }
  CHECK(formats.size() == names.size());
  // The bytes peers of earlier builds send.
  CHECK(named("fp32").format() == 0);
  CHECK(named("fp16").format() == 1);
  CHECK(named("int8").format() == 2);
  CHECK(&exact_codec() == &named("fp32"));
  CHECK(find_codec("fp64") == nullptr);
  CHECK(find_codec("") == nullptr);
  CHECK(codec_of_format(7) == nullptr);
  // On one node nothing is serialized: the link is exact whatever the job's.
  CHECK(&codec_for_link(named("int8"), true) == &exact_codec());
  CHECK(&codec_for_link(named("int8"), false) == &named("int8"));
}

TEST_CASE("wire codecs: byte sizes and known bytes") {
  CHECK(named("fp32").bytes(1000) == 4000);
  CHECK(named("fp16").bytes(1000) == 2000);
  CHECK(named("int8").bytes(1000) == int8_bytes(1000));
  CHECK(named("int8").bytes(1000) == 1000 + 4 * 4);
  const std::vector<float> v{1.0f, -2.0f};
  auto bytes_of = [&](const codec& c) {
    std::string b(c.bytes(v.size()), '\0');
    c.write(v.data(), v.size(), b.data());
    return std::vector<unsigned>(b.begin(), b.end());
  };
  auto u = [](std::initializer_list<int> l) {
    std::vector<unsigned> out;
    for (int x : l)
      out.push_back(static_cast<unsigned>(static_cast<char>(x)));
    return out;
  };
  CHECK(bytes_of(named("fp32")) == u({0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0}));
  CHECK(bytes_of(named("fp16")) == u({0x00, 0x3c, 0x00, 0xc0}));
  // Scale 2/127 rounded up to a power of two: 2^-5 (0x3d000000); codes
  // 32 and -64.
  CHECK(bytes_of(named("int8")) == u({0x00, 0x00, 0x00, 0x3d, 32, -64}));
}

TEST_CASE("wire codecs: each round-trips within its bound, and the trip "
          "rounds exactly as round() says") {
  const std::size_t n = 10 * int8_block + 37;
  const auto in = random_values(n, 5);
  for (const auto& name : codec_names()) {
    CAPTURE(name);
    const codec& c = named(name.c_str());
    const auto out = through_bytes(in, c.format());
    std::size_t too_far = 0;
    for (std::size_t b = 0; b * int8_block < n; ++b) {
      const std::size_t end = std::min(n, (b + 1) * int8_block);
      float max = 0;
      for (std::size_t i = b * int8_block; i < end; ++i)
        max = std::max(max, std::fabs(in[i]));
      for (std::size_t i = b * int8_block; i < end; ++i)
        too_far += std::fabs(out[i] - in[i]) > bound(c, in[i], max);
    }
    CHECK(too_far == 0);
    auto rounded = in;
    c.round(rounded.data(), n);
    CHECK(same_bits(rounded, out));
    auto twice = rounded;
    c.round(twice.data(), n);
    CHECK(same_bits(twice, rounded)); // idempotent
    CHECK(same_bits(through_bytes(rounded, c.format()), rounded));
  }
}

TEST_CASE("wire codecs: over 200 steps the worker's copy of a drifting centre "
          "is bit for bit what the server believes it holds") {
  const std::size_t n = 3 * int8_block + 88;
  for (const auto& name : codec_names()) {
    CAPTURE(name);
    const codec& c = named(name.c_str());
    auto sender = c.make_centre_encoder();
    auto receiver = c.make_centre_decoder();
    auto centre = random_values(n, 9);
    rng r{17};
    std::vector<float> msg;
    std::size_t deltas = 0, mismatches = 0;
    double worst = 0;
    for (int step = 0; step < 200; ++step) {
      for (std::size_t i = 0; i < n; ++i)
        centre[i] += 1e-3f * (r.uniform() - 0.5f) + (i % 7 == 0 ? 1e-4f : 0.0f);
      const stamp s = sender->encode(centre, receiver.wants_deltas(), msg);
      auto received = through_bytes(msg, s.format);
      REQUIRE(receiver.decode(received, s.delta));
      deltas += s.delta;
      if (const auto* view = sender->view()) {
        mismatches += !same_bits(*view, receiver.centre());
      } else {
        // Whole centres: the copy is the centre as the codec rounds it.
        auto expected = centre;
        c.round(expected.data(), n);
        mismatches += !same_bits(expected, receiver.centre());
      }
      for (std::size_t i = 0; i < n; ++i)
        worst = std::max(worst, static_cast<double>(
                                  std::fabs(receiver.centre()[i] - centre[i])));
    }
    CHECK(mismatches == 0);
    if (name == "int8") {
      CHECK(deltas == 199); // the first went whole, in fp32
      // Each delta is within half a step of its block's change (<= 1.1e-3
      // here), and the next delta corrects it.
      CHECK(worst < 1.1e-3 / 127);
    } else {
      CHECK(deltas == 0);
      CHECK(worst <= (name == "fp32" ? 0.0 : 2.0 * 0x1p-11));
    }
  }
}

TEST_CASE("wire codecs: the centre stream's whole messages, reset and "
          "receivers that ask for no deltas") {
  const std::size_t n = 300;
  auto centre = random_values(n, 21);
  std::vector<float> msg;
  // int8: no delta unless asked; the first asked-for one is whole, in fp32.
  auto int8 = named("int8").make_centre_encoder();
  stamp s = int8->encode(centre, false, msg);
  CHECK_FALSE(s.delta);
  CHECK(s.format == exact_codec().format());
  CHECK(msg == centre);
  CHECK(int8->view()->empty()); // a pull that does not ask leaves no view
  s = int8->encode(centre, true, msg);
  CHECK_FALSE(s.delta);
  CHECK(s.format == exact_codec().format());
  CHECK(*int8->view() == centre);
  s = int8->encode(centre, true, msg);
  CHECK(s.delta);
  CHECK(s.format == named("int8").format());
  CHECK(std::all_of(msg.begin(), msg.end(), [](float v) { return v == 0.0f; }));
  int8->reset(); // a replaced worker starts over from a whole centre
  s = int8->encode(centre, true, msg);
  CHECK_FALSE(s.delta);
  CHECK(msg == centre);
  // fp16 and fp32: always whole, in their own format, asked or not.
  for (const char* name : {"fp16", "fp32"}) {
    auto whole = named(name).make_centre_encoder();
    s = whole->encode(centre, true, msg);
    CHECK_FALSE(s.delta);
    CHECK(s.format == named(name).format());
    CHECK(msg == centre);
    CHECK_FALSE(named(name).make_centre_decoder().wants_deltas());
  }
  CHECK(named("int8").make_centre_decoder().wants_deltas());
  // A delta that does not fit the copy is refused, the copy unchanged.
  centre_decoder d{true};
  std::vector<float> first = centre;
  REQUIRE(d.decode(first, false));
  std::vector<float> wrong(n + 1, 1.0f);
  CHECK_FALSE(d.decode(wrong, true));
  CHECK(d.centre() == centre);
}

TEST_CASE("wire codecs: over 200 commits error feedback keeps the server's "
          "sum within one step of the true sum") {
  const std::size_t n = 2 * int8_block;
  for (const auto& name : codec_names()) {
    CAPTURE(name);
    const codec& c = named(name.c_str());
    auto sender = c.make_commit_encoder();
    std::vector<double> truth(n, 0.0), received(n, 0.0);
    rng r{3};
    for (int step = 0; step < 200; ++step) {
      std::vector<float> payload(n);
      for (std::size_t i = 0; i < n; ++i) {
        payload[i] = 1e-3f * (r.uniform() - 0.5f) + (i == 0 ? 0.05f : 0.0f);
        truth[i] += payload[i];
      }
      const std::uint8_t format = sender->encode(payload);
      CHECK(format == c.format());
      if (name == "int8") {
        // Rounded by the sender: the bytes carry exactly these values.
        CHECK(same_bits(through_bytes(payload, format), payload));
      }
      const auto got = through_bytes(payload, format);
      for (std::size_t i = 0; i < n; ++i)
        received[i] += got[i];
    }
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i)
      worst = std::max(worst, std::fabs(received[i] - truth[i]));
    if (name == "int8")
      CHECK(worst < 0.06 / 127 + 1e-6); // one step of the largest block
    else if (name == "fp32")
      CHECK(worst < 1e-9); // only the double sum's own rounding
  }
}
