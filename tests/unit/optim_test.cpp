// Tests for the Keras 2 update rules (sgd, adagrad, rmsprop, adam) and
// make_optimizer: first steps worked out by hand, convergence on functions
// whose minimum is known, invariance under a thread pool, and the checks on
// optimizer_options.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "actors/optim/adagrad.hpp"
#include "actors/optim/adam.hpp"
#include "actors/optim/optimizer.hpp"
#include "actors/optim/rmsprop.hpp"
#include "actors/optim/sgd.hpp"
#include "actors/util/rng.hpp"
#include "actors/util/thread_pool.hpp"
#include "test_support.hpp"

namespace actors {

namespace {

// f(x) = 0.5 * sum_i a_i (x_i - c_i)^2 with a_i in [0.5, 2) and c_i in
// [-1, 1): convex, minimum 0 at x = c, condition number up to 4.
struct quadratic {
  std::vector<float> a;
  std::vector<float> c;

  explicit quadratic(std::size_t n) {
    rng gen{42};
    for (std::size_t i = 0; i < n; ++i) {
      a.push_back(gen.uniform(0.5f, 2.0f));
      c.push_back(gen.uniform(-1.0f, 1.0f));
    }
  }

  // Runs `steps` steps from x = 0 and returns max_i |x_i - c_i|.
  double minimise(optimizer& opt, int steps) const {
    const std::size_t n = a.size();
    std::vector<float> x(n, 0.0f);
    std::vector<float> g(n);
    for (int s = 0; s < steps; ++s) {
      for (std::size_t i = 0; i < n; ++i)
        g[i] = static_cast<float>(double{a[i]} * (double{x[i]} - c[i]));
      opt.step(x.data(), g.data(), n);
    }
    double worst = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      worst = std::max(worst, std::fabs(double{x[i]} - c[i]));
    return worst;
  }
};

// Rosenbrock's f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1),
// from the classic start (-1.2, 1). Returns max(|x - 1|, |y - 1|) after
// `steps` steps.
double minimise_rosenbrock(optimizer& opt, int steps) {
  float p[2] = {-1.2f, 1.0f};
  float g[2];
  for (int s = 0; s < steps; ++s) {
    const double x = p[0];
    const double y = p[1];
    g[0] = static_cast<float>(-2.0 * (1.0 - x) - 400.0 * x * (y - x * x));
    g[1] = static_cast<float>(200.0 * (y - x * x));
    opt.step(p, g, 2);
  }
  return std::max(std::fabs(p[0] - 1.0), std::fabs(p[1] - 1.0));
}

// The first-step tests lay three cases side by side, repeated over 37
// elements so that both Eigen's vectorised body and its scalar remainder
// run: lane 0 gets g = 3 then g = 1, lane 1 gets g = -2 twice, lane 2 gets
// a tiny g = 1e-7 (= eps) twice. All parameters start at 0.
constexpr std::size_t lanes_n = 37;
const float lane_grads[2][3] = {{3.0f, -2.0f, 1e-7f}, {1.0f, -2.0f, 1e-7f}};

// Parameters after each of the two steps, all elements.
std::vector<std::vector<float>> two_steps(optimizer& opt) {
  std::vector<float> p(lanes_n, 0.0f);
  std::vector<std::vector<float>> after;
  for (const auto& step_grads : lane_grads) {
    std::vector<float> g(lanes_n);
    for (std::size_t i = 0; i < lanes_n; ++i)
      g[i] = step_grads[i % 3];
    opt.step(p.data(), g.data(), lanes_n);
    after.push_back(p);
  }
  return after;
}

// Checks every element of `after` against the hand-computed value of its
// lane, to a relative 1e-6 (a few float ulps: Eigen's vectorised sqrt is
// itself within 2 ulps).
void check_lanes(const std::vector<std::vector<float>>& after,
                 const double (&want)[2][3]) {
  for (std::size_t s = 0; s < 2; ++s)
    for (std::size_t i = 0; i < lanes_n; ++i) {
      CAPTURE(s);
      CAPTURE(i);
      CHECK(after[s][i]
            == doctest::Approx(want[s][i % 3]).epsilon(1e-6).scale(0.0));
    }
}

optimizer_options options(const std::string& name) {
  return test::named<optimizer_options>(name);
}

std::unique_ptr<optimizer> make(const optimizer_options& opts) {
  return test::built(make_optimizer(opts));
}

} // namespace

TEST_SUITE("optim") {

// -- exact first steps --------------------------------------------------------

TEST_CASE("sgd: first steps, plain, momentum and nesterov") {
  // lr = 0.25, mu = 0.5, p0 = 1, g = 2 every step: all exact in binary.
  const float g[1] = {2.0f};
  SUBCASE("plain: p -= lr * g") {
    sgd opt{0.25f};
    float p[1] = {1.0f};
    opt.step(p, g, 1);
    CHECK(p[0] == 0.5f); // 1 - 0.25 * 2
    opt.step(p, g, 1);
    CHECK(p[0] == 0.0f); // No velocity: the same decrement again.
  }
  SUBCASE("momentum: v = mu v - lr g; p += v") {
    sgd opt{0.25f, 0.5f};
    float p[1] = {1.0f};
    opt.step(p, g, 1);
    CHECK(p[0] == 0.5f); // v = -0.5
    opt.step(p, g, 1);
    CHECK(p[0] == -0.25f); // v = 0.5 * -0.5 - 0.5 = -0.75
  }
  SUBCASE("nesterov: v = mu v - lr g; p += mu v - lr g") {
    sgd opt{0.25f, 0.5f, true};
    float p[1] = {1.0f};
    opt.step(p, g, 1);
    CHECK(p[0] == 0.25f); // v = -0.5; p += 0.5 * -0.5 - 0.5
    opt.step(p, g, 1);
    CHECK(p[0] == -0.625f); // v = -0.75; p += 0.5 * -0.75 - 0.5
  }
  SUBCASE("a vector: every element gets its own velocity") {
    sgd opt{0.25f, 0.5f};
    std::vector<float> p(lanes_n, 1.0f);
    std::vector<float> grads(lanes_n);
    for (std::size_t i = 0; i < lanes_n; ++i)
      grads[i] = static_cast<float>(i % 5) - 2.0f; // -2, -1, 0, 1, 2
    opt.step(p.data(), grads.data(), lanes_n);
    opt.step(p.data(), grads.data(), lanes_n);
    // Two steps with constant g: p = 1 - lr g (1 + (1 + mu)) = 1 - 0.625 g.
    for (std::size_t i = 0; i < lanes_n; ++i) {
      CAPTURE(i);
      CHECK(p[i] == 1.0f - 0.625f * grads[i]);
    }
  }
}

TEST_CASE("adagrad: first two steps") {
  // lr = 0.01, eps = 1e-7. Step 1: a = g^2, so p = -lr g / (|g| + eps),
  // about -lr sign(g), and -lr / 2 when g = eps. Step 2: a = g1^2 + g2^2.
  //   lane 0: -0.01 - 0.01 * 1 / sqrt(10)          = -0.0131623
  //   lane 1: +0.01 + 0.01 * 2 / sqrt(8)           = +0.0170711
  //   lane 2: -0.005 - 0.01 / (sqrt(2) + 1)        = -0.0091421
  // The figures below are these in exact arithmetic on the float inputs.
  const double want[2][3] = {
    {-9.9999994431e-03, 9.9999992765e-03, -4.9999998882e-03},
    {-1.3162276933e-02, 1.7071066680e-02, -9.1421354194e-03}};
  adagrad opt{0.01f};
  check_lanes(two_steps(opt), want);
}

TEST_CASE("rmsprop: first two steps") {
  // lr = 0.001, rho = 0.9, eps = 1e-7. Step 1: a = 0.1 g^2, so
  // p = -lr g / (sqrt(0.1) |g| + eps), about -lr sign(g) / sqrt(0.1); with
  // g = eps it is -lr / (sqrt(0.1) + 1). Step 2: a = 0.09 g1^2 + 0.1 g2^2.
  //   lane 0: -0.0031623 - 0.001 * 1 / sqrt(0.91)    = -0.0042106
  //   lane 1: +0.0031623 + 0.001 * 2 / sqrt(0.76)    = +0.0054564
  //   lane 2: -0.00075975 - 0.001 / (sqrt(0.19) + 1) = -0.0014562
  const double want[2][3] = {
    {-3.1622771001e-03, 3.1622769334e-03, -7.5974694097e-04},
    {-4.2105617641e-03, 5.4564338588e-03, -1.4561791794e-03}};
  rmsprop opt{0.001f};
  check_lanes(two_steps(opt), want);
}

TEST_CASE("adam: first two steps") {
  // lr = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-7. Step 1: m = 0.1 g,
  // v = 0.001 g^2, lr_t = lr sqrt(0.001) / 0.1, so
  // p = -lr g / (|g| + eps / sqrt(0.001)): -lr sign(g) to within 2e-6
  // relative, and -lr / (1 + 1 / sqrt(0.001)) = -3.0653e-5 when g = eps.
  // Step 2, lane 0 (g = 3 then 1): m = 0.37, v = 0.009991,
  // lr_t = lr sqrt(0.001999) / 0.19, so p = -0.001 - 0.00087106. Lane 1
  // (constant g) moves lr again. Lane 2 (g = eps twice): m = 0.19 eps,
  // v = 0.001999 eps^2, so it moves a further
  // -lr sqrt(0.001999) / (sqrt(0.001999) + 1) = -4.2796e-5.
  const double want[2][3] = {
    {-9.9999899340e-04, 9.9999846635e-04, -3.0653240210e-05},
    {-1.8710621059e-03, 1.9999973955e-03, -7.3449707141e-05}};
  adam opt{0.001f};
  check_lanes(two_steps(opt), want);
}

TEST_CASE("adam: a constant gradient moves every step by lr") {
  // With g constant, m = (1 - b1^t) g and v = (1 - b2^t) g^2, so the
  // bias-corrected step is lr g / (|g| + eps / sqrt(1 - b2^t)) for every t:
  // lr to within 1e-6 relative when g = 4, plus the rounding of m and v in
  // float. Without bias correction it would be lr (1 - b1^t) /
  // sqrt(1 - b2^t): 3.16 lr at t = 1, 3.24 lr at t = 100.
  adam opt{0.001f};
  const float g[1] = {4.0f};
  double worst = 0.0;
  for (int t = 1; t <= 3000; ++t) {
    float p[1] = {0.0f}; // From 0 each time, so p is exactly the step.
    opt.step(p, g, 1);
    worst = std::max(worst, std::fabs(-double{p[0]} / 0.001 - 1.0));
  }
  CHECK(worst < 1e-5);
  CHECK(opt.steps() == 3000);
}

// -- convergence on a convex quadratic (n = 100, from x = 0) -----------------

TEST_CASE("sgd converges on a quadratic") {
  const quadratic f{100};
  SUBCASE("plain, lr 0.1: |x - c|_inf < 1e-4 in 300 steps") {
    sgd opt{0.1f};
    CHECK(f.minimise(opt, 300) < 1e-4);
  }
  SUBCASE("momentum 0.9, lr 0.1: |x - c|_inf < 1e-4 in 300 steps") {
    sgd opt{0.1f, 0.9f};
    CHECK(f.minimise(opt, 300) < 1e-4);
  }
  SUBCASE("nesterov 0.9, lr 0.1: |x - c|_inf < 1e-4 in 300 steps") {
    sgd opt{0.1f, 0.9f, true};
    CHECK(f.minimise(opt, 300) < 1e-4);
  }
}

TEST_CASE("adagrad, lr 0.5, converges on a quadratic: |x - c|_inf < 1e-4 "
          "in 100 steps") {
  const quadratic f{100};
  adagrad opt{0.5f};
  CHECK(f.minimise(opt, 100) < 1e-4);
}

TEST_CASE("rmsprop, default lr 0.001, converges on a quadratic: "
          "|x - c|_inf < 1e-4 in 3000 steps") {
  const quadratic f{100};
  rmsprop opt;
  CHECK(f.minimise(opt, 3000) < 1e-4);
}

TEST_CASE("adam, default lr 0.001, converges on a quadratic: "
          "|x - c|_inf < 1e-4 in 5000 steps") {
  const quadratic f{100};
  adam opt;
  CHECK(f.minimise(opt, 5000) < 1e-4);
}

// -- Rosenbrock, from (-1.2, 1) ----------------------------------------------

TEST_CASE("adam, lr 0.002, reaches Rosenbrock's minimum: within 1e-3 of "
          "(1, 1) in 20000 steps") {
  adam opt{0.002f};
  CHECK(minimise_rosenbrock(opt, 20000) < 1e-3);
}

TEST_CASE("sgd with momentum reaches Rosenbrock's minimum") {
  SUBCASE("momentum 0.9, lr 0.001: within 1e-4 of (1, 1) in 10000 steps") {
    sgd opt{0.001f, 0.9f};
    CHECK(minimise_rosenbrock(opt, 10000) < 1e-4);
  }
  SUBCASE("nesterov 0.9, lr 0.001: within 1e-4 of (1, 1) in 10000 steps") {
    sgd opt{0.001f, 0.9f, true};
    CHECK(minimise_rosenbrock(opt, 10000) < 1e-4);
  }
}

// -- state ---------------------------------------------------------------------

TEST_CASE("reset forgets the state: the next step equals a fresh first step") {
  for (const char* name : {"sgd", "adagrad", "rmsprop", "adam"}) {
    CAPTURE(name);
    auto opts = options(name);
    opts.momentum = 0.5f;
    auto used = make(opts);
    auto fresh = make(opts);
    std::vector<float> p(lanes_n, 1.0f);
    std::vector<float> q(lanes_n, 1.0f);
    std::vector<float> g(lanes_n);
    for (std::size_t i = 0; i < lanes_n; ++i)
      g[i] = 0.1f * static_cast<float>(i) - 1.5f;
    used->step(p.data(), g.data(), lanes_n);
    used->step(p.data(), g.data(), lanes_n);
    CHECK(used->steps() == 2);
    used->reset();
    CHECK(used->steps() == 0);
    p.assign(lanes_n, 1.0f);
    used->step(p.data(), g.data(), lanes_n);
    fresh->step(q.data(), g.data(), lanes_n);
    CHECK(used->steps() == 1);
    CHECK(p == q);
  }
}

// -- threads ---------------------------------------------------------------------

TEST_CASE("a thread pool changes no bit of the result (n = 1,000,003)") {
  constexpr std::size_t n = 1'000'003; // Not a multiple of any tile size.
  rng gen{7};
  std::vector<float> start(n);
  for (auto& x : start)
    x = gen.uniform(-1.0f, 1.0f);
  std::vector<std::vector<float>> grads(3, std::vector<float>(n));
  for (auto& g : grads)
    for (auto& x : g)
      x = gen.uniform(-2.0f, 2.0f);
  std::vector<optimizer_options> rules = {options("sgd"), options("sgd"),
                                          options("sgd"), options("adagrad"),
                                          options("rmsprop"), options("adam")};
  rules[1].momentum = 0.9f;
  rules[2].momentum = 0.9f;
  rules[2].nesterov = true;
  for (std::size_t threads : {2, 3}) {
    thread_pool pool{threads};
    for (const auto& opts : rules) {
      CAPTURE(threads);
      CAPTURE(opts.name);
      CAPTURE(opts.momentum);
      CAPTURE(opts.nesterov);
      auto alone = make(opts);
      auto pooled = make(opts);
      std::vector<float> a = start;
      std::vector<float> b = start;
      for (const auto& g : grads) { // Three steps, so the state counts too.
        alone->step(a.data(), g.data(), n);
        pooled->step(b.data(), g.data(), n, &pool);
      }
      CHECK(a != start);
      CHECK(std::memcmp(a.data(), b.data(), n * sizeof(float)) == 0);
    }
  }
}

// -- make_optimizer ------------------------------------------------------------

TEST_CASE("make_optimizer applies each rule's default learning rate") {
  CHECK(make(options("sgd"))->learning_rate() == 0.01f);
  CHECK(make(options("adagrad"))->learning_rate() == 0.01f);
  CHECK(make(options("rmsprop"))->learning_rate() == 0.001f);
  CHECK(make(options("adam"))->learning_rate() == 0.001f);
  CHECK(make(optimizer_options{})->name() == "adam");
  auto opts = options("rmsprop");
  opts.learning_rate = 0.05f;
  CHECK(make(opts)->learning_rate() == 0.05f);
  for (const char* name : {"sgd", "adagrad", "rmsprop", "adam"}) {
    auto made = make(options(name));
    CHECK(made->name() == name);
    CHECK(made->steps() == 0);
  }
}

TEST_CASE("make_optimizer passes every option to the rule") {
  optimizer_options opts = options("sgd");
  opts.momentum = 0.5f;
  opts.nesterov = true;
  auto made = make(opts);
  auto* rule = dynamic_cast<sgd*>(made.get());
  REQUIRE(rule != nullptr);
  CHECK(rule->momentum() == 0.5f);
  CHECK(rule->nesterov());
  opts = options("rmsprop");
  opts.rho = 0.8f;
  opts.epsilon = 1e-6f;
  made = make(opts);
  auto* rms = dynamic_cast<rmsprop*>(made.get());
  REQUIRE(rms != nullptr);
  CHECK(rms->rho() == 0.8f);
  CHECK(rms->epsilon() == 1e-6f);
  opts = options("adam");
  opts.beta1 = 0.5f;
  opts.beta2 = 0.75f;
  made = make(opts);
  auto* ad = dynamic_cast<adam*>(made.get());
  REQUIRE(ad != nullptr);
  CHECK(ad->beta1() == 0.5f);
  CHECK(ad->beta2() == 0.75f);
  CHECK(ad->epsilon() == 1e-7f);
}

TEST_CASE("make_optimizer rejects bad options, naming the option") {
  SUBCASE("unknown name") {
    test::check_refused(make_optimizer(options("adamw")),
                        {"'adamw'", "sgd, adagrad, rmsprop, adam"});
  }
  SUBCASE("values out of range") {
    using bad = test::bad_options<optimizer_options>;
    test::check_refusals<optimizer_options>(make_optimizer, {
      bad{"sgd", [](optimizer_options& o) { o.learning_rate = -0.5f; },
          {"learning_rate", "-0.5"}},
      // Zero and NaN learning rates.
      bad{"adam", [](optimizer_options& o) { o.learning_rate = 0.0f; },
          {"learning_rate"}},
      bad{"adam",
          [](optimizer_options& o) {
            o.learning_rate = std::numeric_limits<float>::quiet_NaN();
          },
          {"learning_rate"}},
      bad{"sgd", [](optimizer_options& o) { o.momentum = 1.5f; },
          {"momentum", "1.5"}},
      bad{"sgd", [](optimizer_options& o) { o.momentum = 1.0f; },
          {"momentum"}},
      bad{"rmsprop", [](optimizer_options& o) { o.rho = 1.0f; }, {"rho"}},
      bad{"adam", [](optimizer_options& o) { o.beta1 = -0.1f; },
          {"beta1", "-0.1"}},
      bad{"adam", [](optimizer_options& o) { o.beta2 = 1.0f; }, {"beta2"}},
      bad{"adagrad", [](optimizer_options& o) { o.epsilon = 0.0f; },
          {"epsilon"}}});
  }
}

} // TEST_SUITE("optim")

} // namespace actors
