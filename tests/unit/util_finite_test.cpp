// all_finite (util/finite.hpp): every finite value passes, however large or
// small; one infinity or NaN anywhere fails, at either end, on either side
// of the 4096-value blocks the check works in, and in a short tail.
#include <doctest/doctest.h>

#include <cstddef>
#include <limits>
#include <vector>

#include "actors/util/finite.hpp"

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
