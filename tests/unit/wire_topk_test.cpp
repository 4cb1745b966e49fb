// Tests for the topk codec (src/wire/topk.cpp): it keeps exactly the
// ceil(R n) values of largest magnitude, ties to the lower index, with their
// indices as varint gaps (known bytes worked by hand); the rounding is what
// the bytes carry and is idempotent; every cut, an index past n, a count
// above n and bytes left over are refused.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "actors/util/rng.hpp"
#include "actors/wire/codec.hpp"
#include "wire_test_support.hpp"

using namespace actors;
using namespace actors::wire;

namespace {

using test::byte_string;
using test::encoded;

const codec& topk(const char* name) {
  return test::codec_named(name);
}

} // namespace

TEST_CASE("topk: keeps the k largest magnitudes, sent as count, values and "
          "index gaps") {
  // n = 10, R = 0.2: k = 2. The largest magnitudes: -5 at 3, 4 at 9.
  const codec& c = topk("topk:0.2");
  const std::vector<float> v{0, 3, 0, -5, 1, 0, 0, 0, 0, 4};
  CHECK(encoded(c, v) == byte_string({2, 0, 0, 0,       // count
                                      0, 0, 0xa0, 0xc0, // -5.0f
                                      0, 0, 0x80, 0x40, // 4.0f
                                      3, 9 - 3 - 1}));  // gaps
  std::vector<float> out(v.size(), 7.0f);
  const std::string b = encoded(c, v);
  REQUIRE(c.read(b.data(), b.size(), v.size(), out.data()));
  CHECK(out == std::vector<float>{0, 0, 0, -5, 0, 0, 0, 0, 0, 4});
  auto rounded = v;
  c.round(rounded.data(), rounded.size());
  CHECK(rounded == out);
}

TEST_CASE("topk: ties go to the lower index; zeros and -0 are not sent") {
  const codec& c = topk("topk:0.4"); // k = 2 of 5
  std::vector<float> v{1, -1, 1, -1, 0.5f};
  c.round(v.data(), v.size());
  CHECK(v == std::vector<float>{1, -1, 0, 0, 0});
  // Fewer non-zero values than k: only they are sent; -0 becomes +0.
  std::vector<float> sparse{0, -0.0f, 2, 0, 0};
  CHECK(encoded(c, sparse) == byte_string({1, 0, 0, 0, 0, 0, 0, 0x40, 2}));
  c.round(sparse.data(), sparse.size());
  CHECK_FALSE(std::signbit(sparse[1]));
  CHECK(encoded(c, std::vector<float>(5, 0.0f)) == byte_string({0, 0, 0, 0}));
}

TEST_CASE("topk: of 1000 random values R = 1 % keeps exactly the 10 largest, "
          "and the rounding is idempotent") {
  rng r{11};
  std::vector<float> v(1000);
  for (auto& x : v)
    x = r.uniform() - 0.5f;
  for (const char* name : {"topk", "topk:0.01", "topk:1e-2"}) {
    CAPTURE(name);
    const codec& c = topk(name);
    auto rounded = v;
    c.round(rounded.data(), rounded.size());
    std::vector<float> dropped, sent;
    for (std::size_t i = 0; i < v.size(); ++i)
      (rounded[i] != 0 ? sent : dropped).push_back(std::fabs(v[i]));
    REQUIRE(sent.size() == 10);
    CHECK(*std::min_element(sent.begin(), sent.end())
          >= *std::max_element(dropped.begin(), dropped.end()));
    const std::string b = encoded(c, v);
    CHECK(b.size() <= 4 + 10 * (4 + 2)); // gaps below 1000: <= 2 bytes
    std::vector<float> out(v.size());
    REQUIRE(c.read(b.data(), b.size(), out.size(), out.data()));
    CHECK(out == rounded);
    auto twice = rounded;
    c.round(twice.data(), twice.size());
    CHECK(twice == rounded);
    CHECK(encoded(c, rounded) == b);
  }
  // k = ceil(R n), at least 1: 1 % of 1050 is 10.5 -> 11; of 10 it is 1.
  std::vector<float> ones(1050, 1.0f);
  topk("topk").round(ones.data(), ones.size());
  CHECK(std::count(ones.begin(), ones.end(), 1.0f) == 11);
  std::vector<float> ten(10, 1.0f);
  topk("topk").round(ten.data(), ten.size());
  CHECK(std::count(ten.begin(), ten.end(), 1.0f) == 1);
}

TEST_CASE("topk: a far index takes a 3-byte varint") {
  std::vector<float> v(300000, 0.0f);
  v[299999] = 0.25f; // 299,999 < 2^21: 3 bytes
  const std::string b = encoded(topk("topk"), v);
  CHECK(b == byte_string({1, 0, 0, 0, 0, 0, 0x80, 0x3e, 0xdf, 0xa7, 0x12}));
}

TEST_CASE("topk: every cut, an index past n, a count above n and bytes left "
          "over are refused") {
  const codec& c = topk("topk:0.2");
  const std::vector<float> v{0, 3, 0, -5, 1, 0, 0, 0, 0, 4};
  const std::string b = encoded(c, v);
  std::vector<float> out(v.size());
  for (std::size_t len = 0; len < b.size(); ++len) {
    CAPTURE(len);
    CHECK_FALSE(c.read(b.data(), len, v.size(), out.data()));
  }
  CHECK(c.read(b.data(), b.size(), v.size(), out.data()));
  CHECK_FALSE(c.read(b.data(), b.size(), 9, out.data())); // index 9 of 9
  const std::string longer = b + '\0';
  CHECK_FALSE(c.read(longer.data(), longer.size(), v.size(), out.data()));
  std::string count = b;
  count[0] = 11; // 11 values of 10
  CHECK_FALSE(c.read(count.data(), count.size(), v.size(), out.data()));
  std::string gap = b;
  gap.back() = 6; // 3 + 1 + 6 = 10: past the end
  CHECK_FALSE(c.read(gap.data(), gap.size(), v.size(), out.data()));
  std::string open = b;
  open.back() = static_cast<char>(0x85); // a varint that never ends
  CHECK_FALSE(c.read(open.data(), open.size(), v.size(), out.data()));
}

TEST_CASE("topk: the sampled threshold never changes the choice: the kept "
          "set is a full sort's, also where the sample misleads") {
  // The codec estimates a threshold from 4096 evenly spaced values and
  // selects among those reaching it; a sort of all n by (|x| desc, index
  // asc) is the definition.
  const std::size_t n = 300000, stride = n / 4096; // 73
  auto reference = [&](const std::vector<float>& v, std::size_t k) {
    std::vector<std::uint32_t> order(n);
    for (std::uint32_t i = 0; i < n; ++i)
      order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      return std::fabs(v[a]) > std::fabs(v[b]);
    });
    std::vector<float> out(n, 0.0f);
    for (std::size_t j = 0; j < k; ++j)
      out[order[j]] = v[order[j]];
    return out;
  };
  rng r{5};
  std::vector<float> gaussianish(n), sampled_only(n), plateau(n);
  for (std::size_t i = 0; i < n; ++i) {
    gaussianish[i] = (r.uniform() - 0.5f) * (r.uniform() - 0.5f);
    // Large, and distinct, exactly where the sample looks: the estimate
    // is the sample's ~2k n / 4096-th largest, which only that many values
    // of the whole reach (fewer than k): the selection falls back to
    // every value.
    sampled_only[i] = i % stride == 0 ? 1.0f + 1e-6f * static_cast<float>(i)
                                      : 1e-3f * r.uniform();
    // Ties across the whole vector: the lower indices win.
    plateau[i] = i % 3 == 0 ? 0.5f : 0.25f;
  }
  for (const char* name : {"topk", "topk:0.001"}) {
    const codec& c = topk(name);
    const std::size_t k = std::string{name} == "topk" ? 3000 : 300;
    for (const auto* v : {&gaussianish, &sampled_only, &plateau}) {
      CAPTURE(name);
      auto rounded = *v;
      c.round(rounded.data(), n);
      CHECK(rounded == reference(*v, k));
    }
  }
}
