// Tests for train/run_control: the target-accuracy and early-stopping
// decisions over a sequence of evaluations, the time to target, and that a
// decision, once taken, is not undone by later records.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "actors/train/run_control.hpp"

namespace actors {

namespace {

eval_point at(std::uint64_t updates, double seconds, double accuracy) {
  eval_point p;
  p.updates = updates;
  p.seconds = seconds;
  p.accuracy = accuracy;
  p.loss = 1.0 - accuracy;
  p.why = "eval-every";
  return p;
}

} // namespace

TEST_CASE("run_control: no target and no patience never stops") {
  run_control c;
  CHECK_FALSE(c.options().active());
  for (double acc : {0.1, 0.5, 0.4, 0.3, 0.2, 0.1})
    CHECK_FALSE(c.record(at(1, 1.0, acc)));
  CHECK_FALSE(c.time_to_target());
  CHECK(c.stop_reason().empty());
  CHECK(c.evaluations().size() == 6);
}

TEST_CASE("run_control: target 0.9 stops at the first evaluation reaching it") {
  control_options o;
  o.target_accuracy = 0.9;
  run_control c{o};
  CHECK(c.options().active());
  CHECK_FALSE(c.record(at(100, 4.0, 0.5)));
  CHECK_FALSE(c.record(at(200, 8.0, 0.8999)));
  CHECK(c.record(at(300, 12.5, 0.9)));
  REQUIRE(c.time_to_target());
  CHECK(*c.time_to_target() == 12.5);
  CHECK(c.stop_requested());
  CHECK(c.stop_reason().find("target accuracy 0.9 reached: 0.9000") != std::string::npos);
  CHECK(c.stop_reason().find("update 300") != std::string::npos);
  // Decided stays decided; the time is the first one's.
  CHECK(c.record(at(330, 13.0, 0.7)));
  c.record_final(at(330, 14.0, 0.95));
  CHECK(*c.time_to_target() == 12.5);
  CHECK(c.evaluations().size() == 5);
}

TEST_CASE("run_control: patience 2 stops after two evaluations without a new best") {
  control_options o;
  o.patience = 2;
  run_control c{o};
  CHECK_FALSE(c.record(at(10, 1, 0.50)));
  CHECK_FALSE(c.record(at(20, 2, 0.60))); // best
  CHECK_FALSE(c.record(at(30, 3, 0.60))); // equal is no improvement: 1
  CHECK_FALSE(c.record(at(40, 4, 0.61))); // new best: 0
  CHECK_FALSE(c.record(at(50, 5, 0.55))); // 1
  CHECK(c.record(at(60, 6, 0.60)));       // 2: stop
  CHECK(c.best_accuracy() == doctest::Approx(0.61));
  CHECK(c.stop_reason()
        == "no improvement in 2 evaluations (best 0.6100 at update 40)");
  CHECK_FALSE(c.time_to_target());
}

TEST_CASE("run_control: the target wins over patience when both apply at once") {
  control_options o;
  o.target_accuracy = 0.5;
  o.patience = 1;
  run_control c{o};
  CHECK_FALSE(c.record(at(1, 1, 0.6 - 0.2)));
  CHECK(c.record(at(2, 2, 0.55)));
  CHECK(c.stop_reason().rfind("target accuracy", 0) == 0);
}

TEST_CASE("run_control: a final evaluation may reach the target but never stops early") {
  control_options o;
  o.target_accuracy = 0.9;
  run_control c{o};
  CHECK_FALSE(c.record(at(100, 5, 0.85)));
  c.record_final(at(150, 7.5, 0.91));
  REQUIRE(c.time_to_target());
  CHECK(*c.time_to_target() == 7.5);
  CHECK_FALSE(c.stop_requested());
}

TEST_CASE("run_control: hooks see every record in order") {
  run_control c;
  std::vector<std::uint64_t> seen;
  c.on_record([&](const eval_point& p) { seen.push_back(p.updates); });
  c.record(at(5, 1, 0.1));
  c.record(at(9, 2, 0.2));
  c.record_final(at(12, 3, 0.3));
  CHECK(seen == std::vector<std::uint64_t>{5, 9, 12});
}

} // namespace actors
