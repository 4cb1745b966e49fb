// Claims about the driver's exchange defaults (train/exchange_defaults.hpp).
#include <doctest/doctest.h>

#include "actors/train/exchange_defaults.hpp"
#include "actors/trainers/registry.hpp"

using namespace actors;

TEST_CASE("in one process every trainer keeps dist-keras's exact exchange") {
  for (const auto& name : trainer_names()) {
    CAPTURE(name);
    const auto c = default_exchange(name, false);
    CHECK(c.partitioning == partitioning_mode::fixed);
    CHECK_FALSE(c.overlap);
    CHECK(c.wire == "fp32");
  }
}

TEST_CASE("across nodes ADAG, DOWNPOUR and DynSGD take chunks, overlap and int8") {
  for (const char* name : {"adag", "downpour", "dynsgd"}) {
    CAPTURE(name);
    const auto c = default_exchange(name, true);
    CHECK(c.partitioning == partitioning_mode::dynamic);
    CHECK(c.overlap);
    CHECK(c.wire == "int8");
  }
}

TEST_CASE("across nodes the elastic trainers take chunks and int8 but do not overlap") {
  for (const char* name : {"aeasgd", "eamsgd"}) {
    CAPTURE(name);
    const auto c = default_exchange(name, true);
    CHECK(c.partitioning == partitioning_mode::dynamic);
    CHECK_FALSE(c.overlap);
    CHECK(c.wire == "int8");
  }
}

TEST_CASE("across nodes averaging, single and ensemble keep the exact exchange") {
  for (const char* name : {"averaging", "single", "ensemble"}) {
    CAPTURE(name);
    const auto c = default_exchange(name, true);
    CHECK(c.partitioning == partitioning_mode::fixed);
    CHECK_FALSE(c.overlap);
    CHECK(c.wire == "fp32");
  }
}

TEST_CASE("a default never asks a trainer for what its registry entry refuses") {
  for (const auto& e : trainer_registry()) {
    CAPTURE(e.name);
    const auto c = default_exchange(e.name, true);
    CHECK(check_overlap(e.name, c.overlap).ok());
    CHECK(check_partitioning(e.name, c.partitioning).ok());
  }
}

TEST_CASE("an unknown trainer gets the exact settings") {
  const auto c = default_exchange("nosuch", true);
  CHECK(c.partitioning == partitioning_mode::fixed);
  CHECK_FALSE(c.overlap);
  CHECK(c.wire == "fp32");
}
