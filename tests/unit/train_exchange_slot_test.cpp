// Tests for exchange_slot (train/exchange_slot.hpp), a worker's overlapped
// exchange in flight: the rebase on arrival for push_then_pull rules and
// none for pull_then_push, what the worker does when the reply comes
// (train on, send the exchange it stopped at, or finish), and the waiting
// time: only from the waiting point to the reply, never the overlapped part.
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/train/exchange_slot.hpp"
#include "actors/trainers/update_rule.hpp"
#include "test_support.hpp"

namespace actors {

namespace {

using test::check_near;
using vec = std::vector<float>;
using action = exchange_slot::next_action;
using ms = std::chrono::milliseconds;

std::unique_ptr<update_rule> build(const std::string& name) {
  return test::built(make_rule(test::named<rule_options>(name)));
}

const exchange_slot::clock::time_point t0{};

} // namespace

TEST_SUITE("train") {

TEST_CASE("exchange_slot: a reply that arrives while the worker trains "
          "rebases W and costs no waiting time") {
  auto rule = build("adag");
  exchange_slot slot;
  CHECK_FALSE(slot.in_flight());
  vec w = {1.0f, 2.0f, 3.0f};
  slot.sent(*rule, w.data(), w.size());
  CHECK(slot.in_flight());
  CHECK_FALSE(slot.waiting());
  check_near(slot.sent_weights(), {1.0f, 2.0f, 3.0f});
  w = {1.5f, 2.0f, 2.0f}; // Trained on: progress {0.5, 0, -1}.
  const vec centre = {10.0f, 20.0f, 30.0f};
  CHECK(slot.arrived(*rule, w.data(), centre.data(), w.size(), t0 + ms(40))
        == action::keep_training);
  check_near(w, {10.5f, 20.0f, 29.0f}); // C + (W - W_sent).
  CHECK_FALSE(slot.in_flight());
  CHECK(slot.waited_seconds() == 0.0);
}

TEST_CASE("exchange_slot: at the next exchange point the worker waits; the "
          "wait counts from there, and the exchange is sent after the "
          "reply") {
  auto rule = build("dynsgd");
  exchange_slot slot;
  vec w = {0.0f, 0.0f};
  slot.sent(*rule, w.data(), w.size());
  w = {1.0f, -1.0f};
  slot.wait(action::exchange, t0 + ms(30)); // Sent at 0, window over at 30.
  CHECK(slot.waiting());
  const vec centre = {4.0f, 4.0f};
  CHECK(slot.arrived(*rule, w.data(), centre.data(), 2, t0 + ms(55))
        == action::exchange);
  check_near(w, {5.0f, 3.0f});
  CHECK(slot.waited_seconds() == doctest::Approx(0.025));
  CHECK_FALSE(slot.waiting());
  // The next exchange: sent, then the end of the work reached at once.
  slot.sent(*rule, w.data(), 2);
  slot.wait(action::finish, t0 + ms(100));
  CHECK(slot.arrived(*rule, w.data(), centre.data(), 2, t0 + ms(110))
        == action::finish);
  // No progress since sending: W is the centre itself.
  check_near(w, {4.0f, 4.0f});
  CHECK(slot.waited_seconds() == doctest::Approx(0.035));
}

TEST_CASE("exchange_slot: pull_then_push rules keep no W_sent and are not "
          "rebased") {
  for (const char* name : {"aeasgd", "eamsgd"}) {
    CAPTURE(name);
    auto rule = build(name);
    exchange_slot slot;
    vec w = {1.0f, 2.0f};
    slot.sent(*rule, w.data(), 2);
    CHECK(slot.sent_weights().empty());
    w = {3.0f, 4.0f};
    const vec centre = {-5.0f, 7.0f};
    CHECK(slot.arrived(*rule, w.data(), centre.data(), 2, t0)
          == action::keep_training);
    check_near(w, {3.0f, 4.0f});
  }
}

} // TEST_SUITE("train")

} // namespace actors
