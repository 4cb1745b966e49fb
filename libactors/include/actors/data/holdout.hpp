// holdout: a validation split held out of a training set.
//
// The rows are shuffled once, permutation(rows, seed) with a fixed seed, and
// the last round(fraction * rows) positions of that order are held out; the
// others are the rows trained on, in the order they came. The same seed and
// fraction hold out the same rows in every run and every mode (single
// trainer, static or dynamic partitions), so runs with different training
// seeds are compared on one validation set. Pure functions; plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "actors/data/dataset.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// The seed of the one shuffle a validation split is cut from.
constexpr std::uint64_t holdout_seed = 0x7a1d5eedULL;

/// Row indices of a set cut in two.
struct holdout_rows {
  /// Rows trained on, ascending.
  std::vector<std::uint32_t> train;
  /// Rows held out, in the shuffled order.
  std::vector<std::uint32_t> held;
};

/// Holds out `fraction` (0 < fraction < 1) of `rows` rows. invalid_argument,
/// naming `option`, if either part would be empty.
result<holdout_rows> hold_out(std::size_t rows, double fraction,
                              const char* option = "validation-split",
                              std::uint64_t seed = holdout_seed);

/// A data set of `d`'s rows `rows`, in that order.
dataset subset(const dataset& d, const std::vector<std::uint32_t>& rows);

} // namespace actors
