// Tests for gather_batch, validate and load_dataset (the data that
// scripts/fetch_data.sh puts under data/: data_fetched_test.cpp).
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "actors/data/csv.hpp"
#include "actors/data/dataset.hpp"
#include "actors/data/idx.hpp"

#include "data_test_support.hpp"
#include "scratch_dir.hpp"

namespace fs = std::filesystem;
using actors::dataset;
using actors::status;

namespace {

using namespace actors::test; // scratch_dir, why, contains, check_error

/// Three 1x2 images, labels 2, 0, 1 over 3 classes.
dataset tiny() {
  dataset d = shaped(3, 1, 2, 1, 3);
  d.pixels = {250, 125, 255, 0, 10, 20};
  d.labels = {2, 0, 1};
  return d;
}

} // namespace

TEST_CASE("data.dataset: gather_batch scales like the seed (old_max 250)") {
  const dataset d = tiny();
  actors::scaling s;
  s.old_max = 250;
  const std::uint32_t idx[] = {0, 1};
  float x[4];
  float y[6];
  actors::gather_batch(d, idx, 2, s, x, y);
  CHECK(x[0] == 1.0f);
  CHECK(x[1] == 0.5f);
  CHECK(x[2] == 1.02f);
  CHECK(x[3] == 0.0f);
  // One row of `classes` floats per sample, a single 1 at the label.
  CHECK(y[0] == 0.0f);
  CHECK(y[1] == 0.0f);
  CHECK(y[2] == 1.0f);
  CHECK(y[3] == 1.0f);
  CHECK(y[4] == 0.0f);
  CHECK(y[5] == 0.0f);
}

TEST_CASE("data.dataset: gather_batch follows the indices and the ranges") {
  const dataset d = tiny();
  actors::scaling s; // bytes onto [0, 1]
  const std::uint32_t idx[] = {2, 2, 0};
  float x[6];
  float y[9];
  for (float& v : y)
    v = 7.0f; // stale values from a previous batch must be cleared
  actors::gather_batch(d, idx, 3, s, x, y);
  CHECK(x[0] == doctest::Approx(10.0 / 255));
  CHECK(x[1] == doctest::Approx(20.0 / 255));
  CHECK(x[2] == doctest::Approx(10.0 / 255));
  CHECK(x[4] == doctest::Approx(250.0 / 255));
  CHECK(x[5] == doctest::Approx(125.0 / 255));
  const float want_y[9] = {0, 1, 0, 0, 1, 0, 0, 0, 1};
  for (int i = 0; i < 9; ++i)
    CHECK(y[i] == want_y[i]);

  // A symmetric range as some models want, and y may be left out.
  s.new_min = -1;
  s.new_max = 1;
  float z[2];
  const std::uint32_t one[] = {1};
  actors::gather_batch(d, one, 1, s, z, nullptr);
  CHECK(z[0] == 1.0f);
  CHECK(z[1] == -1.0f);
}

TEST_CASE("data.dataset: validate reports inconsistent buffers") {
  dataset d = tiny();
  CHECK(actors::validate(d).is_ok());
  d.labels[1] = 3;
  auto st = actors::validate(d);
  CHECK(st.error_code() == status::code::invalid_argument);
  CHECK(contains(st.message(), "record 1"));
  d = tiny();
  d.pixels.pop_back();
  CHECK(actors::validate(d).error_code() == status::code::invalid_argument);
}

TEST_CASE("data.dataset: load_dataset finds IDX, gzip and CSV files") {
  scratch_dir dir;
  dataset d = shaped(4, 28, 28);
  d.pixels.assign(4 * 784, 9);
  d.labels = {1, 2, 3, 4};

  fs::create_directories(dir.path / "mnist");
  REQUIRE(actors::write_idx(d, dir.file("mnist/train-images-idx3-ubyte"),
                            dir.file("mnist/train-labels-idx1-ubyte"))
            .is_ok());
  auto train = actors::load_dataset(dir.path.string(), "mnist", "train");
  REQUIRE_MESSAGE(train.has_value(), why(train));
  CHECK(train->labels == d.labels);

  // The test split is absent: the error names the folder and the files.
  auto test = actors::load_dataset(dir.path.string(), "mnist", "test");
  REQUIRE_FALSE(test.has_value());
  CHECK(test.error().error_code() == status::code::not_found);
  const std::string& msg = test.error().message();
  CHECK_MESSAGE(contains(msg, (dir.path / "mnist").string()), msg);
  CHECK_MESSAGE(contains(msg, "t10k-images-idx3-ubyte.gz"), msg);
  CHECK_MESSAGE(contains(msg, "t10k-labels-idx1-ubyte"), msg);
  CHECK_MESSAGE(contains(msg, "test.csv"), msg);
  CHECK_MESSAGE(contains(msg, "mnist_test.csv"), msg);

  // Kaggle's CSV name for Fashion-MNIST.
  fs::create_directories(dir.path / "fashion");
  REQUIRE(actors::write_csv(d, dir.file("fashion/fashion-mnist_test.csv"))
            .is_ok());
  auto csv = actors::load_dataset(dir.path.string(), "fashion", "test");
  REQUIRE_MESSAGE(csv.has_value(), why(csv));
  CHECK(csv->pixels == d.pixels);

  // Half an IDX pair is pointed out.
  REQUIRE(actors::write_idx(d, dir.file("fashion/train-images-idx3-ubyte"),
                            dir.file("fashion/labels"))
            .is_ok());
  auto half = actors::load_dataset(dir.path.string(), "fashion", "train");
  REQUIRE_FALSE(half.has_value());
  CHECK(contains(half.error().message(), "no labels file"));

  CHECK(actors::load_dataset(dir.path.string(), "cifar", "train")
          .error()
          .error_code()
        == status::code::invalid_argument);
  CHECK(actors::load_dataset(dir.path.string(), "mnist", "valid")
          .error()
          .error_code()
        == status::code::invalid_argument);
}
