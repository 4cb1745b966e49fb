// Tests for optim/lr_schedule: every shape at points worked out by hand from
// the formulas in its header (Goyal et al.'s linear warm-up, step decay,
// Loshchilov & Hutter's cosine), the parser's accepted and refused texts,
// and the optimizers' learning-rate setter a schedule drives.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "actors/optim/adam.hpp"
#include "actors/optim/lr_schedule.hpp"
#include "actors/optim/optimizer.hpp"

namespace actors {

namespace {

lr_schedule make(const std::string& text, std::size_t warmup, std::size_t total,
                 std::size_t per_epoch) {
  auto spec = parse_lr_schedule(text);
  REQUIRE(spec);
  return lr_schedule{*spec, warmup, total, per_epoch};
}

} // namespace

TEST_CASE("lr_schedule: constant is 1 everywhere, so it changes nothing") {
  const auto s = make("constant", 0, 100, 10);
  CHECK(s.is_constant());
  for (std::size_t t : {0u, 1u, 50u, 99u, 1000u})
    CHECK(s.factor(t) == 1.0);
}

TEST_CASE("lr_schedule: warm-up W=4 climbs lr/4, 2lr/4, 3lr/4, lr, then the schedule") {
  // lr(t) = lr * (t + 1) / W for t < W.
  const auto s = make("constant", 4, 100, 10);
  CHECK_FALSE(s.is_constant());
  CHECK(s.factor(0) == doctest::Approx(0.25));
  CHECK(s.factor(1) == doctest::Approx(0.5));
  CHECK(s.factor(2) == doctest::Approx(0.75));
  CHECK(s.factor(3) == doctest::Approx(1.0));
  CHECK(s.factor(4) == 1.0);
  CHECK(s.factor(99) == 1.0);
}

TEST_CASE("lr_schedule: step:2:0.5 halves every 2 epochs of 10 batches") {
  // lr(t) = lr * 0.5^floor(t / 20).
  const auto s = make("step:2:0.5", 0, 100, 10);
  CHECK(s.factor(0) == 1.0);
  CHECK(s.factor(19) == 1.0);
  CHECK(s.factor(20) == doctest::Approx(0.5));
  CHECK(s.factor(39) == doctest::Approx(0.5));
  CHECK(s.factor(40) == doctest::Approx(0.25));
  CHECK(s.factor(65) == doctest::Approx(0.125));
}

TEST_CASE("lr_schedule: step counts epochs from the start, warm-up included") {
  // W = 5, step:1:0.1, B = 10: t=2 warm-up 3/5; t=5..9 epoch 0 -> 1; t=10 -> 0.1.
  const auto s = make("step:1:0.1", 5, 100, 10);
  CHECK(s.factor(2) == doctest::Approx(0.6));
  CHECK(s.factor(5) == 1.0);
  CHECK(s.factor(9) == 1.0);
  CHECK(s.factor(10) == doctest::Approx(0.1));
  CHECK(s.factor(25) == doctest::Approx(0.01));
}

TEST_CASE("lr_schedule: cosine over T=100 batches at hand-computed points") {
  // lr(t) = lr * (1 + cos(pi t / 100)) / 2.
  const auto s = make("cosine", 0, 100, 10);
  CHECK(s.factor(0) == doctest::Approx(1.0));
  CHECK(s.factor(25) == doctest::Approx(0.8535533906)); // (1 + 0.7071067812) / 2
  CHECK(s.factor(50) == doctest::Approx(0.5));
  CHECK(s.factor(75) == doctest::Approx(0.1464466094));
  CHECK(s.factor(99) == doctest::Approx(0.0002467198).epsilon(1e-6)); // (1 - 0.9995065604) / 2
  CHECK(s.factor(100) == 0.0);
  CHECK(s.factor(500) == 0.0);
}

TEST_CASE("lr_schedule: cosine after a warm-up anneals over the T - W batches left") {
  // W = 10, T = 110: t = 5 -> 6/10; t = 10 -> cos(0) -> 1; t = 60 -> 0.5.
  const auto s = make("cosine", 10, 110, 10);
  CHECK(s.factor(5) == doctest::Approx(0.6));
  CHECK(s.factor(10) == doctest::Approx(1.0));
  CHECK(s.factor(60) == doctest::Approx(0.5));
  CHECK(s.factor(85) == doctest::Approx(0.1464466094));
}

TEST_CASE("parse_lr_schedule: accepted texts") {
  auto st = parse_lr_schedule("step:3:0.25");
  REQUIRE(st);
  CHECK(st->shape == lr_schedule_spec::kind::step);
  CHECK(st->step_epochs == 3);
  CHECK(st->step_factor == doctest::Approx(0.25));
  CHECK(parse_lr_schedule("cosine")->shape == lr_schedule_spec::kind::cosine);
  CHECK(parse_lr_schedule("constant")->shape == lr_schedule_spec::kind::constant);
}

TEST_CASE("parse_lr_schedule: refuses malformed texts, naming the option and the text") {
  for (const std::string bad : {"step:x", "step:2", "step:0:0.5", "step:2:-1",
                                "step:2:0", "step:2:0.5x", "step:-2:0.5",
                                "step::0.5", "linear", "", "Cosine"}) {
    auto st = parse_lr_schedule(bad);
    REQUIRE_FALSE(st);
    CHECK(st.error().message().find("'lr-schedule'") != std::string::npos);
    CHECK(st.error().message().find("'" + bad + "'") != std::string::npos);
  }
}

TEST_CASE("make_optimizer refuses a bad lr_schedule") {
  optimizer_options o;
  o.lr_schedule = "step:x";
  auto opt = make_optimizer(o);
  REQUIRE_FALSE(opt);
  CHECK(opt.error().message().find("step:x") != std::string::npos);
}

TEST_CASE("optimizer::learning_rate(rate) scales the next step") {
  // Adam's first step moves each parameter by almost exactly lr * sign(g):
  // the default lr 0.001, then a scheduled 0.00025.
  adam opt;
  std::vector<float> p{0.0f, 0.0f};
  const std::vector<float> g{1.0f, -2.0f};
  opt.step(p.data(), g.data(), p.size());
  CHECK(p[0] == doctest::Approx(-0.001f).epsilon(1e-4));
  opt.learning_rate(0.00025f);
  CHECK(opt.learning_rate() == 0.00025f);
  const std::vector<float> before = p;
  opt.step(p.data(), g.data(), p.size());
  // Second step, same gradient: m_hat = g, v_hat = g^2 -> again lr * sign(g).
  CHECK(p[0] - before[0] == doctest::Approx(-0.00025f).epsilon(1e-3));
  CHECK(p[1] - before[1] == doctest::Approx(0.00025f).epsilon(1e-3));
}

} // namespace actors
