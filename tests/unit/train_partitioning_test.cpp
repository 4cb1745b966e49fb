// --partitioning: its values, and which trainers the registry lets use the
// server's chunk queue.
#include <doctest/doctest.h>

#include <string>

#include "actors/train/partitioning.hpp"
#include "actors/trainers/registry.hpp"

using namespace actors;

TEST_CASE("partitioning: static and dynamic parse; anything else names the option") {
  CHECK(parse_partitioning("static", "partitioning").value() == partitioning_mode::fixed);
  CHECK(parse_partitioning("dynamic", "partitioning").value() == partitioning_mode::dynamic);
  auto bad = parse_partitioning("chunks", "partitioning");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message()
        == "option 'partitioning' expects static or dynamic, not 'chunks'");
  CHECK(std::string{partitioning_name(partitioning_mode::fixed)} == "static");
  CHECK(std::string{partitioning_name(partitioning_mode::dynamic)} == "dynamic");
}

TEST_CASE("partitioning: only trainers that commit on their own take chunks") {
  for (const char* name : {"downpour", "adag", "dynsgd", "aeasgd", "eamsgd"}) {
    CAPTURE(name);
    CHECK(find_trainer(name)->dynamic_partitioning);
    CHECK(check_partitioning(name, partitioning_mode::dynamic));
  }
  for (const char* name : {"single", "averaging", "ensemble"}) {
    CAPTURE(name);
    CHECK_FALSE(find_trainer(name)->dynamic_partitioning);
    CHECK(check_partitioning(name, partitioning_mode::fixed));
    auto st = check_partitioning(name, partitioning_mode::dynamic);
    REQUIRE_FALSE(st);
    CHECK(st.message().find("trainer '" + std::string{name} + "'") != std::string::npos);
    CHECK(st.message().find("--partitioning=static") != std::string::npos);
  }
}
