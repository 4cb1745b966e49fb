// Tests for train/evaluate.hpp's ensemble evaluation: evaluate_members with
// identical members is evaluate(); averaging probabilities, not votes,
// decides each row.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "actors/nn/model_spec.hpp"
#include "actors/train/evaluate.hpp"
#include "actors/util/thread_pool.hpp"
#include "data_test_support.hpp"

namespace actors {

namespace {

// `rows` 2x2 grey images with pixel values from a simple pattern, 3 classes.
dataset small_set(std::size_t rows) {
  dataset d = test::shaped(rows, 2, 2, 1, 3);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t i = 0; i < 4; ++i)
      d.pixels.push_back(static_cast<std::uint8_t>((r * 37 + i * 91) % 256));
    d.labels.push_back(static_cast<std::uint8_t>(r % 3));
  }
  return d;
}

} // namespace

TEST_CASE("evaluate_members: two identical members score as evaluate()") {
  auto m = parse_model_spec("input height=2 width=2 channels=1\nflatten\n"
                            "dense units=3 activation=softmax\n",
                            "test");
  REQUIRE(m.has_value());
  m->init(7);
  const std::vector<float> w(m->params(), m->params() + m->param_count());
  const dataset d = small_set(50);
  thread_pool pool{1};
  const scaling scale;
  // Batches of 16 leave a partial last batch.
  const evaluation one = evaluate(*m, d, scale, pool, 16);
  const evaluation two = evaluate_members({w, w}, *m, d, scale, pool, 16);
  CHECK(two.samples == 50);
  CHECK(two.accuracy == one.accuracy);
  CHECK(two.loss == doctest::Approx(one.loss).epsilon(1e-6));
}

TEST_CASE("evaluate_members: the mean probability decides, not the vote") {
  // One input, two classes, kernel 0: each member predicts its softmax of
  // the bias for every row. Members A, A lean to class 1 (p = 0.731), B is
  // sure of class 0 (p = 0.993): two of three votes say 1, the mean says 0
  // (p0 = (0.269 + 0.269 + 0.993) / 3 = 0.510).
  auto m = parse_model_spec("input height=1 width=1 channels=1\nflatten\n"
                            "dense units=2 activation=softmax\n",
                            "test");
  REQUIRE(m.has_value());
  REQUIRE(m->param_count() == 4); // kernel (1x2), then bias (2)
  const std::vector<float> a{0, 0, 0, 1};
  const std::vector<float> b{0, 0, 5, 0};
  dataset d = test::shaped(4, 1, 1, 1, 2);
  d.pixels = {10, 20, 30, 40};
  d.labels = {0, 0, 0, 1};
  thread_pool pool{1};
  const scaling scale;
  const evaluation ev = evaluate_members({a, a, b}, *m, d, scale, pool, 3);
  CHECK(ev.accuracy == doctest::Approx(0.75)); // every row predicted class 0
  const double pa0 = 1.0 / (1.0 + std::exp(1.0));
  const double pb0 = 1.0 / (1.0 + std::exp(-5.0));
  const double p0 = (2 * pa0 + pb0) / 3;
  const double expected = -(3 * std::log(p0) + std::log(1 - p0)) / 4;
  CHECK(ev.loss == doctest::Approx(expected).epsilon(1e-5));
  // The members alone: A predicts class 1 everywhere, B class 0.
  std::copy(a.begin(), a.end(), m->params());
  CHECK(evaluate(*m, d, scale, pool).accuracy == doctest::Approx(0.25));
}

} // namespace actors
