// Tests for data/holdout: a validation split takes round(F * rows) rows out
// of one fixed shuffle, the two parts are disjoint and cover the set, the
// same seed gives the same split, and fractions leaving a side empty are
// refused naming the option.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "actors/data/holdout.hpp"

namespace actors {

TEST_CASE("hold_out: 0.1 of 1000 rows holds out 100, disjoint, covering all") {
  auto h = hold_out(1000, 0.1);
  REQUIRE(h);
  CHECK(h->held.size() == 100);
  CHECK(h->train.size() == 900);
  CHECK(std::is_sorted(h->train.begin(), h->train.end()));
  std::set<std::uint32_t> all(h->train.begin(), h->train.end());
  for (auto r : h->held)
    CHECK(all.insert(r).second); // not among the training rows
  CHECK(all.size() == 1000);
  CHECK(*all.rbegin() == 999);
  // A shuffle, not the tail: some held-out row lies in the first 900.
  CHECK(std::any_of(h->held.begin(), h->held.end(), [](auto r) { return r < 900; }));
}

TEST_CASE("hold_out: the same seed holds out the same rows, another seed others") {
  auto a = hold_out(500, 0.2);
  auto b = hold_out(500, 0.2);
  auto c = hold_out(500, 0.2, "validation-split", 7);
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  CHECK(a->held == b->held);
  CHECK(a->held != c->held);
}

TEST_CASE("hold_out: refuses fractions that leave a side empty, naming the option") {
  for (double f : {0.0, 1.0, -0.5, 1.5, 0.0001, 0.9999}) {
    auto h = hold_out(100, f);
    REQUIRE_FALSE(h);
    CHECK(h.error().message().find("option 'validation-split'") != std::string::npos);
  }
}

TEST_CASE("subset copies the chosen rows' pixels and labels in order") {
  dataset d;
  d.rows = 4;
  d.height = 1;
  d.width = 2;
  d.channels = 1;
  d.classes = 10;
  d.pixels = {0, 1, 10, 11, 20, 21, 30, 31};
  d.labels = {5, 6, 7, 8};
  const dataset s = subset(d, {3, 1});
  CHECK(s.rows == 2);
  CHECK(s.pixels == std::vector<std::uint8_t>{30, 31, 10, 11});
  CHECK(s.labels == std::vector<std::uint8_t>{8, 6});
  CHECK(validate(s));
}

} // namespace actors
