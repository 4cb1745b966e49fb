// Tests for the wire codecs: the registry, each codec's byte coding (known
// bytes, round trips within its bound, read(write(x)) == round(x)), and the
// streams over many steps through real bytes: the worker's copy of the
// centre equals the server's view of it bit for bit, and error feedback
// loses nothing: the commits that arrived plus the sender's residual sum to
// what was committed; encoders that code their messages once
// (encode_coded) do exactly what encode() and the wire do. sign and topk's
// own bytes: wire_sign_test.cpp, wire_topk_test.cpp; codec::finite:
// wire_finite_test.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "actors/util/half.hpp"
#include "actors/util/quantize.hpp"
#include "actors/util/rng.hpp"
#include "actors/wire/codec.hpp"
#include "wire_test_support.hpp"

using namespace actors;
using namespace actors::wire;

namespace {

const codec& named(const char* name) {
  return test::codec_named(name);
}

// Calls check(c) for every registered codec c (wire::codec_names()), its
// name captured for the assertions check makes.
template <class Check>
void for_each_codec(Check check) {
  for (const auto& name : codec_names()) {
    CAPTURE(name);
    check(named(name.c_str()));
  }
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
  std::vector<char> bytes(c->bytes(values.data(), values.size()));
  c->write(values.data(), values.size(), bytes.data());
  std::vector<float> out(values.size());
  REQUIRE(c->read(bytes.data(), bytes.size(), out.size(), out.data()));
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
  if (c.name() == "int8")
    return block_max / 127; // half a step; the step is below 2 * max / 127
  if (c.name() == "sign")
    return std::fabs(x) + block_max; // +-s, the block's mean magnitude
  return std::fabs(x);               // topk: x itself or 0
}

// `n` values from `v` in c's bytes, as a message carries them coded.
coded_values coded_of(const codec& c, const float* v, std::size_t n) {
  coded_values out;
  out.format = c.format();
  out.count = n;
  c.write_to(v, n, out.bytes);
  return out;
}

} // namespace

TEST_CASE("wire codecs: the registry names each codec and its format byte once") {
  const auto names = codec_names();
  CHECK(names == std::vector<std::string>{"fp32", "fp16", "int8", "sign", "topk"});
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
  CHECK(named("sign").format() == 3);
  CHECK(named("topk").format() == 4);
  CHECK(&exact_codec() == &named("fp32"));
  CHECK(find_codec("fp64") == nullptr);
  CHECK(find_codec("") == nullptr);
  // topk takes its fraction after a colon, once per spelling, any of them
  // reading every other's bytes (one format byte).
  const codec& thousandth = named("topk:0.001");
  CHECK(thousandth.name() == "topk:0.001");
  CHECK(thousandth.format() == 4);
  CHECK(&named("topk:0.001") == &thousandth);
  CHECK(codec_of_format(4) == &named("topk"));
  CHECK(find_codec("topk:1") != nullptr);
  CHECK(find_codec("topk:1e-3") != nullptr);
  for (const char* bad : {"topk:", "topk:0", "topk:-0.01", "topk:1.5", "topk:abc",
                          "topk:0.01x", "topk: 0.01", "topk:nan", "topk:inf",
                          "sign:0.5", "int8:1", ":0.1", "topk:0.01:2"}) {
    CAPTURE(bad);
    CHECK(find_codec(bad) == nullptr);
  }
  CHECK(codec_syntax().find("topk[:R]") != std::string::npos);
  CHECK(codec_of_format(7) == nullptr);
  // On one node nothing is serialized: the link is exact whatever the job's.
  CHECK(&codec_for_link(named("int8"), true) == &exact_codec());
  CHECK(&codec_for_link(named("int8"), false) == &named("int8"));
}

TEST_CASE("wire codecs: byte sizes and known bytes") {
  CHECK(named("fp32").fixed_bytes(1000) == 4000u);
  CHECK(named("fp16").fixed_bytes(1000) == 2000u);
  CHECK(named("int8").fixed_bytes(1000) == int8_bytes(1000));
  CHECK(named("int8").fixed_bytes(1000) == 1000u + 4 * 4);
  CHECK(named("sign").fixed_bytes(1000) == 4 * 4 + 125u);
  CHECK_FALSE(named("topk").fixed_bytes(1000)); // depends on the values
  const std::vector<float> v{1.0f, -2.0f};
  auto bytes_of = [&](const codec& c) {
    const std::string b = test::encoded(c, v);
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
  // Scale (1 + 2) / 2 = 1.5 (0x3fc00000); the second value's sign bit.
  CHECK(bytes_of(named("sign")) == u({0x00, 0x00, 0xc0, 0x3f, 0x02}));
  // k = ceil(0.01 * 2) = 1: the count, -2.0 (0xc0000000), index 1.
  CHECK(bytes_of(named("topk")) == u({1, 0, 0, 0, 0x00, 0x00, 0x00, 0xc0, 1}));
}

TEST_CASE("wire codecs: each round-trips within its bound, and the trip "
          "rounds exactly as round() says") {
  const std::size_t n = 10 * int8_block + 37;
  const auto in = random_values(n, 5);
  for_each_codec([&](const codec& c) {
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
  });
}

TEST_CASE("wire codecs: over 200 steps the worker's copy of a drifting centre "
          "is bit for bit what the server believes it holds") {
  const std::size_t n = 3 * int8_block + 88;
  for_each_codec([&](const codec& c) {
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
    if (c.name() == "fp32" || c.name() == "fp16") {
      CHECK(deltas == 0);
      CHECK(worst <= (c.name() == "fp32" ? 0.0 : 2.0 * 0x1p-11));
    } else {
      CHECK(deltas == 199); // the first went whole, in fp32
    }
    if (c.name() == "sign" || c.name() == "topk") {
      // Every 7th value drifts by 1e-4 a step: 0.02 over the run if a
      // codec dropped it for good. What a delta leaves out stays in the
      // next centre - view, so the copy keeps up (measured 0.0016 and
      // 0.0035: topk sends 9 of 856 values a step).
      CHECK(worst < 0.02 / 4);
    }
    if (c.name() == "int8") {
      // Each delta is within half a step of its block's change (<= 1.1e-3
      // here), and the next delta corrects it.
      CHECK(worst < 1.1e-3 / 127);
    }
  });
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
  for (const char* name : {"int8", "sign", "topk", "topk:0.001"})
    CHECK(named(name).make_centre_decoder().wants_deltas());
  // A delta that does not fit the copy is refused, the copy unchanged.
  centre_decoder d{true};
  std::vector<float> first = centre;
  REQUIRE(d.decode(first, false));
  std::vector<float> wrong(n + 1, 1.0f);
  CHECK_FALSE(d.decode(wrong, true));
  CHECK(d.centre() == centre);
}

TEST_CASE("wire codecs: over 200 commits error feedback loses nothing (what "
          "arrived plus the residual is what was committed) and int8 keeps "
          "the server's sum within one step of the true sum") {
  const std::size_t n = 2 * int8_block;
  for_each_codec([&](const codec& c) {
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
      if (c.name() != "fp32" && c.name() != "fp16") {
        // Rounded by the sender: the bytes carry exactly these values.
        CHECK(same_bits(through_bytes(payload, format), payload));
      }
      const auto got = through_bytes(payload, format);
      for (std::size_t i = 0; i < n; ++i)
        received[i] += got[i];
    }
    double worst = 0, lost = 0;
    const auto* residual = sender->residual();
    for (std::size_t i = 0; i < n; ++i) {
      worst = std::max(worst, std::fabs(received[i] - truth[i]));
      if (residual != nullptr)
        lost = std::max(lost, std::fabs(received[i] + (*residual)[i] - truth[i]));
    }
    // Error feedback loses nothing: what arrived plus what is still kept
    // is what was committed.
    CHECK((residual != nullptr) == (c.name() != "fp32" && c.name() != "fp16"));
    CHECK(lost < 1e-5);
    if (c.name() == "int8")
      CHECK(worst < 0.06 / 127 + 1e-6); // one step of the largest block
    else if (c.name() == "topk")
      CHECK(worst < 0.005); // what it keeps back: 0.0030 here
    else if (c.name() == "sign")
      // Value 0 gets 0.05 a step, its block's mean is ~1/256 of it: its
      // residual grows until the mean catches up, below 256 * 0.05.
      CHECK(worst < 256 * 0.05);
    else if (c.name() == "fp32")
      CHECK(worst < 1e-9); // only the double sum's own rounding
  });
}

TEST_CASE("wire codecs: encoders that code their messages once move their "
          "state exactly as encode() and write the bytes the wire writes "
          "for encode()'s values") {
  // Also longer than a run of a blockwise codec's encoders (4096 values).
  for (const std::size_t n : {5 * int8_block + 61, 3 * 4096 + 5 * int8_block + 61})
  for (const char* name : {"fp32", "fp16", "int8", "sign", "topk", "topk:0.001"}) {
    CAPTURE(n);
    CAPTURE(name);
    const codec& c = named(name);
    // Commits: one encoder through encode(), one through encode_coded().
    auto plain = c.make_commit_encoder();
    auto once = c.make_commit_encoder();
    rng r{11};
    std::size_t coded = 0, differ = 0;
    for (int step = 0; step < 30; ++step) {
      std::vector<float> payload(n);
      for (std::size_t i = 0; i < n; ++i)
        payload[i] = 1e-3f * (r.uniform() - 0.5f) + (i % 13 == 0 ? 2e-3f : 0.0f);
      const std::vector<float> before = payload;
      const auto bytes = once->encode_coded(payload.data(), n);
      CHECK(payload == before); // left as it was
      auto values = payload;
      const std::uint8_t format = plain->encode(values);
      if (bytes == nullptr)
        continue;
      ++coded;
      CHECK(bytes->format == format);
      CHECK(bytes->count == n);
      differ += std::string(bytes->bytes.begin(), bytes->bytes.end())
                != test::encoded(c, values);
      REQUIRE(once->residual() != nullptr);
      differ += !same_bits(*once->residual(), *plain->residual());
    }
    CHECK(differ == 0);
    // Error feedback codecs code every commit once; the exact and fp16
    // leave it to the wire.
    const bool lossy = c.make_centre_decoder().wants_deltas();
    CHECK(coded == (lossy ? 30u : 0u));
  }
}

TEST_CASE("wire codecs: a centre encoder coding its deltas once keeps the "
          "same view and sends the same bytes as encode()") {
  for (const std::size_t n : {4 * int8_block + 3, 2 * 4096 + 4 * int8_block + 3})
  for_each_codec([&](const codec& c) {
    CAPTURE(n);
    auto plain = c.make_centre_encoder();
    auto once = c.make_centre_encoder();
    auto centre = random_values(n, 31);
    rng r{5};
    std::size_t deltas = 0, differ = 0;
    for (int step = 0; step < 30; ++step) {
      for (auto& v : centre)
        v += 1e-3f * (r.uniform() - 0.5f);
      std::vector<float> a, b;
      std::shared_ptr<const coded_values> bytes;
      const stamp sa = plain->encode(centre, true, a);
      const stamp sb = once->encode_coded(centre, true, b, bytes);
      CHECK(sa.format == sb.format);
      CHECK(sa.delta == sb.delta);
      if (bytes == nullptr) {
        differ += !same_bits(a, b); // whole, as encode() sends it
        continue;
      }
      ++deltas;
      CHECK(b.empty());
      CHECK(bytes->count == n);
      differ += std::string(bytes->bytes.begin(), bytes->bytes.end())
                != test::encoded(c, a);
      differ += !same_bits(*plain->view(), *once->view());
    }
    CHECK(differ == 0);
    const bool lossy = c.make_centre_decoder().wants_deltas();
    CHECK(deltas == (lossy ? 29u : 0u)); // the first goes whole
  });
}

TEST_CASE("wire codecs: a sender's coded buffer is reused once no message "
          "holds it, and replaced while one does") {
  std::shared_ptr<coded_values> slot;
  coded_values& first = reusable(slot);
  REQUIRE(slot.get() != nullptr);
  CHECK(&first == slot.get());
  first.bytes.assign(1000, 'x');
  // Only the sender holds it: the same buffer, its capacity kept.
  coded_values& again = reusable(slot);
  CHECK(&again == &first);
  CHECK(again.bytes.capacity() >= 1000);
  // A message in flight holds it: a new one, the message's left alone.
  std::shared_ptr<const coded_values> in_flight = slot;
  coded_values& fresh = reusable(slot);
  CHECK(&fresh != in_flight.get());
  CHECK(in_flight->bytes.size() == 1000);
  in_flight.reset();
  CHECK(&reusable(slot) == &fresh);
}

TEST_CASE("wire codecs: a centre decoder takes a message's bytes as it takes "
          "their values (int8's deltas added a run at a time, float for float)") {
  const std::size_t n = 3 * 4096 + 2 * int8_block + 7;
  for_each_codec([&](const codec& c) {
    auto from_values = c.make_centre_decoder();
    auto from_bytes = c.make_centre_decoder();
    rng r{9};
    std::size_t differ = 0;
    for (int step = 0; step < 4; ++step) {
      const bool delta = step > 0;
      auto values = random_values(n, 40 + step);
      for (auto& v : values)
        v *= delta ? 1e-3f * r.uniform() : 1.0f;
      c.round(values.data(), n);
      const auto bytes = coded_of(c, values.data(), n);
      REQUIRE(from_values.decode(values, delta));
      REQUIRE(from_bytes.decode_coded(bytes, delta));
      differ += !same_bits(from_values.centre(), from_bytes.centre());
    }
    CHECK(differ == 0);
    // A delta that does not fit the copy, or bytes of another count, change nothing.
    const std::vector<float> shorter(n - 1, 0.5f);
    auto wrong = coded_of(c, shorter.data(), n - 1);
    const auto before = from_bytes.centre();
    CHECK_FALSE(from_bytes.decode_coded(wrong, true));
    // (Bytes that read as n values too, as sign's and topk's may, do fit.)
    wrong.count = n;
    if (c.fixed_bytes(n) && c.fixed_bytes(n) != c.fixed_bytes(n - 1))
      CHECK_FALSE(from_bytes.decode_coded(wrong, true));
    CHECK(same_bits(before, from_bytes.centre()));
  });
}

TEST_CASE("wire codecs: read_runs reads a blockwise coding's values as read() "
          "does, in order, and refuses what is not one") {
  const std::size_t n = 2 * 4096 + 3 * int8_block + 9;
  for_each_codec([&](const codec& c) {
    auto values = random_values(n, 77);
    auto bytes = coded_of(c, values.data(), n);
    std::vector<float> whole(n), runs;
    REQUIRE(c.read(bytes.bytes.data(), bytes.bytes.size(), n, whole.data()));
    const bool ok = read_runs(bytes, [&](std::size_t first, std::size_t count,
                                         const float* run) {
      CHECK(first == runs.size());
      runs.insert(runs.end(), run, run + count);
      return true;
    });
    CHECK(ok == (c.block_values() > 0));
    if (!ok)
      return;
    CHECK(same_bits(runs, whole));
    // Stopped by its callback, and bytes that do not fit their count.
    std::size_t calls = 0;
    CHECK_FALSE(read_runs(bytes, [&](std::size_t, std::size_t, const float*) {
      return ++calls < 2;
    }));
    CHECK(calls == 2);
    bytes.count = n + 1;
    CHECK_FALSE(read_runs(bytes, [](std::size_t, std::size_t, const float*) { return true; }));
  });
}
