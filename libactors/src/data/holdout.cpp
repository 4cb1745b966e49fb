#include "actors/data/holdout.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "actors/data/partition.hpp"

namespace actors {

result<holdout_rows> hold_out(std::size_t rows, double fraction, const char* option,
                              std::uint64_t seed) {
  const auto held = static_cast<std::size_t>(
    std::llround(fraction * static_cast<double>(rows)));
  if (!(fraction > 0 && fraction < 1) || held == 0 || held >= rows)
    return status::invalid_argument(fmt::format(
      "option '{}' = {} holds out {} of {} rows; expected a fraction in (0, 1) "
      "leaving rows on both sides",
      option, fraction, held, rows));
  const auto order = permutation(rows, seed);
  holdout_rows out;
  out.train.assign(order.begin(), order.end() - static_cast<std::ptrdiff_t>(held));
  std::sort(out.train.begin(), out.train.end());
  out.held.assign(order.end() - static_cast<std::ptrdiff_t>(held), order.end());
  return out;
}

dataset subset(const dataset& d, const std::vector<std::uint32_t>& rows) {
  dataset out;
  out.rows = rows.size();
  out.height = d.height;
  out.width = d.width;
  out.channels = d.channels;
  out.classes = d.classes;
  const std::size_t f = d.features();
  out.pixels.resize(rows.size() * f);
  out.labels.resize(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::memcpy(out.pixels.data() + i * f, d.pixels.data() + rows[i] * f, f);
    out.labels[i] = d.labels[rows[i]];
  }
  return out;
}

} // namespace actors
