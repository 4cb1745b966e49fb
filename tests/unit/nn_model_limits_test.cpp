// Tests for the size limits of model::build: architectures from spec files
// whose shapes or parameter counts overflow or exceed the bounds are refused
// with the layer named, instead of wrapping around or allocating terabytes
// (found by the model_spec fuzzer's review; inputs in
// tests/fuzz/regressions/model_spec/).
#include <doctest/doctest.h>

#include <string>

#include "actors/nn/model_spec.hpp"

namespace {

std::string error_of(const std::string& spec) {
  auto m = actors::parse_model_spec(spec, "t.model");
  REQUIRE_FALSE(m.has_value());
  return m.error().message();
}

} // namespace

TEST_CASE("model limits: shapes and parameter counts that overflow are refused") {
  CHECK(error_of("input height=16777216 width=16777216 channels=16777216\nflatten\n")
        == "t.model: model: input 16777216x16777216x16777216 has more than "
           "268435456 values per sample");
  CHECK(error_of("input height=4096 width=4096\nflatten\ndense units=16777216\n")
        == "t.model: layer 2 (dense): the model would have more than 134217728 "
           "parameters");
  CHECK(error_of("input height=2 width=2\nconv2d filters=16777216 kernel=16777216 "
                 "padding=same\n")
        == "t.model: layer 1 (conv2d): conv2d: a 16777216x16777216 kernel over 1 "
           "channels is too large");
  CHECK(error_of("input height=28 width=28\nconv2d filters=16777216 kernel=3 "
                 "padding=same\n")
        == "t.model: layer 1 (conv2d): output 28x28x16777216 is empty or has more "
           "than 268435456 values per sample");
}

TEST_CASE("model limits: the mission's models stay well inside them") {
  for (const char* name : {"mnist_cnn", "mnist_mlp"}) {
    auto m = actors::make_model(name);
    REQUIRE(m.has_value());
    CHECK(m->param_count() > 1000000);
  }
}
