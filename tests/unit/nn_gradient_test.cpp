// Gradient checks: every layer and whole models against central finite
// differences, in double-accumulated float32 arithmetic.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "actors/nn/conv2d.hpp"
#include "actors/nn/dense.hpp"
#include "actors/nn/dropout.hpp"
#include "actors/nn/flatten.hpp"
#include "actors/nn/max_pool2d.hpp"
#include "actors/nn/model.hpp"
#include "actors/nn/model_spec.hpp"
#include "actors/nn/relu.hpp"
#include "actors/nn/softmax.hpp"
#include "actors/util/rng.hpp"
#include "actors/util/thread_pool.hpp"

using namespace actors;

namespace {

std::vector<float> random_vector(std::size_t n, rng& r, float lo = -1.0f,
                                 float hi = 1.0f) {
  std::vector<float> v(n);
  for (auto& x : v)
    x = r.uniform(lo, hi);
  return v;
}

// ||a - b|| / max(||a|| + ||b||, tiny): 0 when equal, ~1 when unrelated.
double relative_error(const std::vector<double>& a, const std::vector<double>& b) {
  double diff = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return std::sqrt(diff) / std::max(std::sqrt(na) + std::sqrt(nb), 1e-12);
}

// Central differences of f with respect to values[0..count), compared with
// `analytic`. Points where the one-sided slopes disagree straddle a kink
// (relu at 0, a max-pool switch) and carry no information, so they are
// skipped; a wrong gradient is wrong at the smooth points too.
struct gradient_check {
  double error = 0;
  std::size_t checked = 0;
  std::size_t skipped = 0;
};

gradient_check check_gradient(const std::function<double()>& f, float* values,
                              std::size_t count, const std::vector<double>& analytic,
                              float eps, std::size_t stride = 1) {
  gradient_check res;
  std::vector<double> numeric, expected;
  const double f0 = f();
  for (std::size_t k = 0; k < count; k += stride) {
    const float keep = values[k];
    values[k] = keep + eps;
    const double fp = f();
    values[k] = keep - eps;
    const double fm = f();
    values[k] = keep;
    const double up = (fp - f0) / eps, down = (f0 - fm) / eps;
    if (std::abs(up - down) > 0.05 * (std::abs(up) + std::abs(down)) + 1e-3) {
      ++res.skipped;
      continue;
    }
    numeric.push_back((fp - fm) / (2.0 * eps));
    expected.push_back(analytic[k]);
  }
  res.checked = numeric.size();
  res.error = relative_error(numeric, expected);
  return res;
}

// Checks a layer against finite differences of L = sum(c * y) for a random c,
// both for the input gradient and for every parameter.
void check_layer(layer& l, shape3 in, std::size_t n, std::uint64_t seed,
                 bool training = false, double tolerance = 2e-3) {
  rng r{seed};
  auto out = l.configure(in);
  REQUIRE(out.has_value());
  const std::size_t in_size = n * in.size();
  const std::size_t out_size = n * out->size();
  std::vector<float> params(l.param_count()), grads(l.param_count());
  l.bind(params.data(), grads.data());
  // Random biases too, so a bias bug cannot hide behind zeros.
  for (auto& p : params)
    p = r.uniform(-0.5f, 0.5f);
  auto x = random_vector(in_size, r);
  auto c = random_vector(out_size, r);
  thread_pool pool{2};
  rng mask_rng{seed + 1};
  auto loss = [&](const std::vector<float>& input) {
    std::vector<float> y(out_size);
    mask_rng.reseed(seed + 1); // same dropout mask every time
    step_context ctx{&pool, training, &mask_rng};
    l.forward(input.data(), y.data(), n, ctx);
    double s = 0;
    for (std::size_t k = 0; k < out_size; ++k)
      s += static_cast<double>(c[k]) * y[k];
    return s;
  };
  std::vector<float> y(out_size), dy = c, dx(in_size);
  mask_rng.reseed(seed + 1);
  step_context ctx{&pool, training, &mask_rng};
  l.forward(x.data(), y.data(), n, ctx);
  l.backward(x.data(), y.data(), dy.data(), dx.data(), n, ctx);

  // Small steps cross few relu kinks; the loss is summed in double so the
  // float rounding of y stays well below the differences.
  const float eps = 1e-3f;
  auto input_loss = [&] { return loss(x); };
  auto in_check = check_gradient(input_loss, x.data(), in_size,
                                 std::vector<double>(dx.begin(), dx.end()), eps);
  CHECK_MESSAGE(in_check.error < tolerance, l.kind() << " input gradient");
  CHECK_MESSAGE(in_check.skipped * 10 <= in_size, l.kind() << " too many kinks");
  if (!params.empty()) {
    auto p_check = check_gradient(input_loss, params.data(), params.size(),
                                  std::vector<double>(grads.begin(), grads.end()),
                                  eps);
    CHECK_MESSAGE(p_check.error < tolerance, l.kind() << " parameter gradient");
    CHECK_MESSAGE(p_check.skipped * 10 <= params.size(),
                  l.kind() << " too many kinks");
  }
}

} // namespace

TEST_CASE("nn.conv2d valid padding, linear, matches finite differences") {
  conv2d l{4, 3, false, activation::linear};
  check_layer(l, {7, 6, 3}, 3, 11);
}

TEST_CASE("nn.conv2d same padding, relu, matches finite differences") {
  // A kernel weight moves ~100 pre-activations, a few of which cross zero
  // even for tiny steps: hence 1% (a wrong gradient is off by ~100%).
  conv2d l{5, 3, true, activation::relu};
  check_layer(l, {6, 7, 2}, 3, 12, false, 1e-2);
}

TEST_CASE("nn.conv2d with one input channel (the seed's first layer)") {
  conv2d l{8, 3, false, activation::relu};
  check_layer(l, {8, 8, 1}, 2, 13, false, 1e-2);
}

TEST_CASE("nn.conv2d even kernel with same padding keeps the shape") {
  conv2d l{3, 4, true, activation::linear};
  auto out = l.configure({6, 5, 2});
  REQUIRE(out.has_value());
  CHECK(*out == shape3{6, 5, 3});
  check_layer(l, {6, 5, 2}, 2, 14);
}

TEST_CASE("nn.conv2d forward equals a direct convolution") {
  // A direct 4-loop convolution, independent of im2col.
  conv2d l{2, 3, true, activation::linear};
  shape3 in{5, 4, 3};
  REQUIRE(l.configure(in).has_value());
  rng r{5};
  std::vector<float> params(l.param_count()), grads(l.param_count());
  l.bind(params.data(), grads.data());
  for (auto& p : params)
    p = r.uniform(-1, 1);
  auto x = random_vector(in.size(), r);
  std::vector<float> y(5 * 4 * 2);
  thread_pool pool{1};
  step_context ctx{&pool, false, nullptr};
  l.forward(x.data(), y.data(), 1, ctx);
  for (int oh = 0; oh < 5; ++oh)
    for (int ow = 0; ow < 4; ++ow)
      for (int f = 0; f < 2; ++f) {
        double s = params[3 * 3 * 3 * 2 + f];
        for (int kh = 0; kh < 3; ++kh)
          for (int kw = 0; kw < 3; ++kw)
            for (int ch = 0; ch < 3; ++ch) {
              const int ih = oh + kh - 1, iw = ow + kw - 1;
              if (ih < 0 || ih >= 5 || iw < 0 || iw >= 4)
                continue;
              s += static_cast<double>(x[(ih * 4 + iw) * 3 + ch])
                   * params[((kh * 3 + kw) * 3 + ch) * 2 + f];
            }
        CHECK(y[(oh * 4 + ow) * 2 + f] == doctest::Approx(s).epsilon(1e-5));
      }
}

TEST_CASE("nn.conv2d direct kernels (filters a multiple of 16) match finite differences") {
  // 32 filters over 16 channels: direct forward, kernel and input gradients.
  conv2d a{32, 3, false, activation::relu};
  check_layer(a, {7, 6, 16}, 2, 15, false, 1e-2);
  // Even kernel with `same` padding: the asymmetric padding of both the
  // forward input and the padded output gradient.
  conv2d b{16, 4, true, activation::linear};
  check_layer(b, {5, 6, 32}, 2, 16);
  // 48 filters (three vector blocks) over 8 channels: direct forward and
  // kernel gradient, input gradient through GEMM (8 is not a multiple of 16).
  conv2d c{48, 3, true, activation::linear};
  check_layer(c, {5, 5, 8}, 2, 17);
}

TEST_CASE("nn.conv2d direct forward equals a direct 4-loop convolution") {
  conv2d l{16, 3, true, activation::relu};
  shape3 in{5, 4, 16};
  REQUIRE(l.configure(in).has_value());
  rng r{6};
  std::vector<float> params(l.param_count()), grads(l.param_count());
  l.bind(params.data(), grads.data());
  for (auto& p : params)
    p = r.uniform(-1, 1);
  auto x = random_vector(in.size() * 3, r);
  std::vector<float> y(3 * 5 * 4 * 16);
  thread_pool pool{2};
  step_context ctx{&pool, false, nullptr};
  l.forward(x.data(), y.data(), 3, ctx);
  for (int i = 0; i < 3; ++i)
    for (int oh = 0; oh < 5; ++oh)
      for (int ow = 0; ow < 4; ++ow)
        for (int f = 0; f < 16; ++f) {
          double s = params[3 * 3 * 16 * 16 + f];
          for (int kh = 0; kh < 3; ++kh)
            for (int kw = 0; kw < 3; ++kw)
              for (int ch = 0; ch < 16; ++ch) {
                const int ih = oh + kh - 1, iw = ow + kw - 1;
                if (ih < 0 || ih >= 5 || iw < 0 || iw >= 4)
                  continue;
                s += static_cast<double>(x[i * 320 + (ih * 4 + iw) * 16 + ch])
                     * params[((kh * 3 + kw) * 16 + ch) * 16 + f];
              }
          CHECK(y[((i * 5 + oh) * 4 + ow) * 16 + f]
                == doctest::Approx(std::max(s, 0.0)).epsilon(1e-4));
        }
}

TEST_CASE("nn.dense linear and relu match finite differences") {
  dense a{5, activation::linear};
  check_layer(a, {1, 1, 12}, 4, 21);
  dense b{7, activation::relu};
  check_layer(b, {1, 1, 9}, 3, 22);
}

TEST_CASE("nn.dense large enough to run on two threads") {
  // 64 * 300 * 40 multiply-adds is above the parallel threshold.
  dense l{40, activation::relu};
  check_layer(l, {1, 1, 300}, 64, 23);
}

TEST_CASE("nn.max_pool2d matches finite differences, odd edge dropped") {
  max_pool2d l{2};
  auto out = l.configure({7, 6, 3});
  REQUIRE(out.has_value());
  CHECK(*out == shape3{3, 3, 3});
  max_pool2d m{2};
  check_layer(m, {7, 6, 3}, 2, 31);
}

TEST_CASE("nn.relu, softmax and flatten match finite differences") {
  relu r;
  check_layer(r, {3, 3, 2}, 2, 41);
  softmax s;
  check_layer(s, {1, 1, 6}, 3, 42);
  flatten f;
  check_layer(f, {2, 3, 2}, 2, 43);
}

TEST_CASE("nn.dropout: gradient follows the mask, inference is identity") {
  dropout d{0.4f};
  check_layer(d, {1, 1, 50}, 4, 51, true);
  dropout e{0.4f};
  REQUIRE(e.configure({1, 1, 1000}).has_value());
  std::vector<float> x(1000, 1.0f), y(1000);
  rng r{3};
  thread_pool pool{1};
  step_context infer{&pool, false, &r};
  e.forward(x.data(), y.data(), 1, infer);
  CHECK(y == x);
  step_context train{&pool, true, &r};
  e.forward(x.data(), y.data(), 1, train);
  std::size_t zeros = 0;
  double sum = 0;
  for (float v : y) {
    zeros += v == 0.0f;
    sum += v;
  }
  // 400 expected zeros; 5 standard deviations is +-77.
  CHECK(zeros > 323);
  CHECK(zeros < 477);
  // Inverted dropout keeps the expected sum: 1000 +- ~5 sigma.
  CHECK(sum == doctest::Approx(1000).epsilon(0.2));
}

TEST_CASE("nn.model: a small CNN's loss gradient matches finite differences") {
  const char* spec = R"(input height=8 width=8 channels=2
conv2d filters=3 kernel=3 padding=same activation=relu
conv2d filters=4 kernel=3 activation=relu
maxpool2d pool=2
flatten
dense units=6 activation=relu
dense units=3 activation=softmax
)";
  auto m = parse_model_spec(spec, "test");
  REQUIRE(m.has_value());
  m->init(7);
  rng r{8};
  const std::size_t n = 3;
  auto x = random_vector(n * 8 * 8 * 2, r, 0.0f, 1.0f);
  std::vector<float> t(n * 3, 0.0f);
  for (std::size_t i = 0; i < n; ++i)
    t[i * 3 + i % 3] = 1.0f;
  thread_pool pool{2};
  step_context ctx{&pool, true, nullptr};
  m->train_step(x.data(), t.data(), n, ctx);
  std::vector<double> grads(m->grads(), m->grads() + m->param_count());
  auto f = [&] { return m->train_step(x.data(), t.data(), n, ctx).loss; };
  auto res = check_gradient(f, m->params(), m->param_count(), grads, 2e-3f);
  CHECK(res.error < 2e-3);
  CHECK(res.skipped * 10 <= res.checked);
}

TEST_CASE("nn.model: the seed's mnist_cnn has 1,048,853 parameters") {
  auto m = make_model("mnist_cnn");
  REQUIRE(m.has_value());
  CHECK(m->param_count() == 1048853);
  CHECK(m->output_shape() == shape3{1, 1, 10});
  // 2 * MACs forward; backward twice that except the first conv.
  const double conv1 = 2.0 * 26 * 26 * 9 * 32, conv2 = 2.0 * 24 * 24 * 288 * 32;
  const double dense1 = 2.0 * 4608 * 225, dense2 = 2.0 * 225 * 10;
  const double matmul = 2 * conv1 + 3 * (conv2 + dense1 + dense2);
  CHECK(m->train_flops_per_sample() > matmul);
  CHECK(m->train_flops_per_sample() < matmul * 1.01);
  auto mlp = make_model("mnist_mlp");
  REQUIRE(mlp.has_value());
  CHECK(mlp->param_count() == 1037760);
}

TEST_CASE("nn.model: mnist_cnn gradient spot check and thread invariance") {
  auto m = make_model("mnist_cnn");
  REQUIRE(m.has_value());
  m->init(1);
  rng r{2};
  const std::size_t n = 4;
  auto x = random_vector(n * 784, r, 0.0f, 1.0f);
  std::vector<float> t(n * 10, 0.0f);
  for (std::size_t i = 0; i < n; ++i)
    t[i * 10 + (i * 3) % 10] = 1.0f;
  thread_pool one{1}, two{2};
  step_context serial{&one, true, nullptr};
  step_context parallel{&two, true, nullptr};
  const double loss1 = m->train_step(x.data(), t.data(), n, serial).loss;
  std::vector<float> g1(m->grads(), m->grads() + m->param_count());
  const double loss2 = m->train_step(x.data(), t.data(), n, parallel).loss;
  std::vector<float> g2(m->grads(), m->grads() + m->param_count());
  CHECK(loss1 == doctest::Approx(loss2).epsilon(1e-6));
  std::vector<double> a(g1.begin(), g1.end()), b(g2.begin(), g2.end());
  CHECK(relative_error(a, b) < 1e-5);
  // Finite differences on ~300 parameters spread over every layer.
  auto f = [&] { return m->train_step(x.data(), t.data(), n, parallel).loss; };
  auto res = check_gradient(f, m->params(), m->param_count(),
                            std::vector<double>(g1.begin(), g1.end()), 5e-3f,
                            3499);
  CHECK(res.checked > 250);
  CHECK(res.error < 1e-2);
}

TEST_CASE("nn.model_spec: errors name the source line and the option") {
  auto bad = [](const char* text) {
    auto m = parse_model_spec(text, "spec.model");
    REQUIRE_FALSE(m.has_value());
    return m.error().message();
  };
  CHECK(bad("conv2d filters=3 kernel=3\n").find("spec.model:1") != std::string::npos);
  CHECK(bad("input height=8 width=8\nconv2d filters=x kernel=3\n").find("spec.model:2: option 'filters'") != std::string::npos);
  CHECK(bad("input height=8 width=8\ndense units=3 colour=red\n").find("unknown option 'colour'") != std::string::npos);
  CHECK(bad("input height=8 width=8\nlstm units=3\n").find("unknown layer 'lstm'") != std::string::npos);
  CHECK(bad("input height=2 width=2\nconv2d filters=1 kernel=3\n").find("smaller than") != std::string::npos);
  CHECK(bad("input height=8 width=8\nconv2d filters=2 kernel=3 activation=tanh\n").find("activation") != std::string::npos);
  CHECK(bad("input height=8 width=8\ndense units=3\n").find("flatten") != std::string::npos);
  CHECK(bad("input height=8 width=8\ndropout rate=1.5\n").find("rate") != std::string::npos);
}

TEST_CASE("nn.model_spec: built-in specs equal the files in config/models") {
  for (const auto& name : builtin_model_names()) {
    auto from_file = make_model(std::string{ACTORS_SOURCE_DIR} + "/config/models/"
                                + name + ".model");
    REQUIRE_MESSAGE(from_file.has_value(), name);
    auto builtin = make_model(name);
    REQUIRE(builtin.has_value());
    CHECK(from_file->spec() == builtin->spec());
    // A spec re-parses to the same architecture.
    auto again = parse_model_spec(builtin->spec(), "round-trip");
    REQUIRE(again.has_value());
    CHECK(again->spec() == builtin->spec());
  }
}
