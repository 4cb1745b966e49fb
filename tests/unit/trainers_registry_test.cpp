// Tests for the trainer registry (trainers/registry.hpp): every name builds
// its rule, dist-keras's default windows, whether a trainer needs a server,
// the worker counts trainers fix, and the unknown-name error listing every
// name; plus effective_optimizer (train/job_spec.hpp), EAMSGD's prescribed
// optimizer derived from a job spec.
#include <doctest/doctest.h>

#include <cstddef>
#include <map>
#include <string>

#include "actors/train/job_spec.hpp"
#include "actors/trainers/registry.hpp"
#include "actors/trainers/update_rule.hpp"

namespace actors {

namespace {

std::unique_ptr<update_rule> build(const std::string& name,
                                   std::size_t num_ensembles = 0) {
  rule_options opts;
  opts.name = name;
  opts.num_ensembles = num_ensembles;
  auto made = make_rule(opts);
  if (!made.has_value())
    FAIL(made.error().message());
  return std::move(made).value();
}

} // namespace

TEST_CASE("trainers registry: the eight dist-keras trainers, in help order") {
  const std::vector<std::string> expected{"single", "averaging", "ensemble",
                                          "downpour", "adag",     "dynsgd",
                                          "aeasgd",   "eamsgd"};
  CHECK(trainer_names() == expected);
  for (const auto& name : expected) {
    CAPTURE(name);
    REQUIRE(find_trainer(name) != nullptr);
    CHECK(find_trainer(name)->name == name);
  }
  CHECK(find_trainer("sgd") == nullptr);
  CHECK(find_trainer("") == nullptr);
}

TEST_CASE("trainers registry: every name builds a rule of that name") {
  for (const auto& name : trainer_names()) {
    CAPTURE(name);
    CHECK(build(name)->name() == name);
  }
}

TEST_CASE("trainers registry: default windows are dist-keras's") {
  // distkeras/trainers.py: DOWNPOUR communication_window=5, ADAG 12,
  // DynSGD 5, AEASGD and EAMSGD 32; the others have no window.
  const std::map<std::string, std::size_t> windows{
    {"single", 0}, {"averaging", 0}, {"ensemble", 0}, {"downpour", 5},
    {"adag", 12},  {"dynsgd", 5},    {"aeasgd", 32},  {"eamsgd", 32}};
  for (const auto& [name, window] : windows) {
    CAPTURE(name);
    CHECK(find_trainer(name)->default_window == window);
    CHECK(build(name)->options().window == window);
  }
}

TEST_CASE("trainers registry: needs_server matches the rule's exchange kind") {
  for (const auto& entry : trainer_registry()) {
    CAPTURE(entry.name);
    CHECK(entry.needs_server == (build(entry.name)->kind() != exchange_kind::none));
  }
  CHECK_FALSE(find_trainer("single")->needs_server);
  CHECK_FALSE(find_trainer("ensemble")->needs_server);
  CHECK(find_trainer("adag")->needs_server);
}

TEST_CASE("trainers registry: fixed worker counts") {
  // single trains one model; ensemble one worker per member (default 2);
  // every other trainer uses as many workers as the nodes offer (0).
  CHECK(fixed_workers(*build("single")) == 1);
  CHECK(fixed_workers(*build("ensemble")) == 2);
  CHECK(fixed_workers(*build("ensemble", 5)) == 5);
  for (const char* name :
       {"averaging", "downpour", "adag", "dynsgd", "aeasgd", "eamsgd"}) {
    CAPTURE(name);
    CHECK(fixed_workers(*build(name)) == 0);
  }
}

TEST_CASE("trainers registry: an unknown name's error lists every name") {
  rule_options opts;
  opts.name = "adagrad";
  auto made = make_rule(opts);
  REQUIRE_FALSE(made.has_value());
  const std::string msg = made.error().message();
  CHECK(msg.find("unknown trainer name 'adagrad'") != std::string::npos);
  CHECK(msg.find("single, averaging, ensemble, downpour, adag, dynsgd, "
                 "aeasgd, eamsgd")
        != std::string::npos);
}

TEST_CASE("job spec: EAMSGD's workers use SGD with Nesterov momentum, the "
          "others the spec's optimizer") {
  job_spec job;
  job.optimizer.name = "adam";
  job.optimizer.learning_rate = 0.01f;
  job.optimizer.momentum = 0.5f;
  job.trainer.name = "eamsgd";
  job.trainer.momentum = 0.8;
  const auto eamsgd_opt = effective_optimizer(job, *make_rule(job.trainer).value());
  CHECK(eamsgd_opt.name == "sgd");
  CHECK(eamsgd_opt.nesterov);
  CHECK(eamsgd_opt.momentum == doctest::Approx(0.8));
  CHECK(eamsgd_opt.learning_rate == 0.01f);
  // Unset momentum: the rule's default 0.9 after make_rule.
  job.trainer.momentum = -1;
  CHECK(effective_optimizer(job, *make_rule(job.trainer).value()).momentum
        == doctest::Approx(0.9));
  job.trainer.name = "aeasgd";
  const auto aeasgd_opt = effective_optimizer(job, *make_rule(job.trainer).value());
  CHECK(aeasgd_opt.name == "adam");
  CHECK_FALSE(aeasgd_opt.nesterov);
  CHECK(aeasgd_opt.momentum == 0.5f);
}

} // namespace actors
