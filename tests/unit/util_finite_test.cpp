// all_finite (util/finite.hpp): every finite value passes, however large or
// small; one infinity or NaN anywhere fails, at either end, on either side
// of the 4096-value blocks the check works in, and in a short tail. The
// checks on values still in their little-endian bytes (binary32 at any
// alignment, binary16) say the same as all_finite of what they decode to.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "actors/util/coding.hpp"
#include "actors/util/finite.hpp"
#include "actors/util/half.hpp"

using actors::all_finite;

TEST_CASE("all_finite: finite extremes pass, one non-finite value anywhere fails") {
  using lim = std::numeric_limits<float>;
  const std::size_t n = 3 * 4096 + 17;
  std::vector<float> v(n, 0.5f);
  v[1] = lim::max();
  v[2] = -lim::max();
  v[3] = lim::denorm_min();
  v[4] = -0.0f;
  v[5] = lim::min();
  CHECK(all_finite(v.data(), n));
  CHECK(all_finite(v.data(), 0));
  for (float bad : {lim::infinity(), -lim::infinity(), lim::quiet_NaN(),
                    -lim::quiet_NaN(), lim::signaling_NaN()}) {
    for (std::size_t at : {std::size_t{0}, std::size_t{4095}, std::size_t{4096},
                           std::size_t{8191}, n - 17, n - 1}) {
      CAPTURE(at);
      auto w = v;
      w[at] = bad;
      CHECK_FALSE(all_finite(w.data(), n));
      CHECK(all_finite(w.data(), at)); // everything before it is finite
    }
  }
}

TEST_CASE("all_finite_f32_bytes, all_finite_f16_bytes: as all_finite of what "
          "the bytes decode to, at any place and alignment") {
  using lim = std::numeric_limits<float>;
  const std::size_t n = 2 * 4096 + 9;
  for (float x : {0.5f, -0.0f, lim::max(), lim::denorm_min(), 65504.0f, 65520.0f,
                  lim::infinity(), -lim::infinity(), lim::quiet_NaN()}) {
    for (std::size_t at : {std::size_t{0}, std::size_t{4095}, std::size_t{4096}, n - 1}) {
      CAPTURE(x);
      CAPTURE(at);
      std::vector<float> v(n, 0.25f);
      v[at] = x;
      // One byte into the buffer: not 4-aligned.
      std::vector<char> bytes(4 * n + 1);
      actors::encode_floats(bytes.data() + 1, v.data(), n);
      CHECK(actors::all_finite_f32_bytes(bytes.data() + 1, n) == all_finite(v.data(), n));
      std::vector<std::uint16_t> halves(n);
      actors::floats_to_half(v.data(), n, halves.data());
      std::vector<char> half_bytes(2 * n);
      actors::encode_u16s(half_bytes.data(), halves.data(), n);
      std::vector<float> widened(n);
      actors::half_to_floats(halves.data(), n, widened.data());
      CHECK(actors::all_finite_f16_bytes(half_bytes.data(), n)
            == all_finite(widened.data(), n));
    }
  }
  CHECK(actors::all_finite_f32_bytes(nullptr, 0));
  CHECK(actors::all_finite_f16_bytes(nullptr, 0));
}
