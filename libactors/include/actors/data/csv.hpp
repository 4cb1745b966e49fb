// csv: reading and writing the seed's CSV layout, one image per line.
//
// Each line holds the label and then features() pixel values, separated by
// commas (the layout of the Kaggle MNIST CSVs that dist-keras's example
// read). An optional header line is recognised by its first field not being
// a number. Files are plain text; gzip is not supported here. The functions
// are reentrant and share no state.
#pragma once

#include <cstddef>
#include <string>

#include "actors/data/dataset.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// Reads the seed's CSV layout: a label, then features() pixel values.
///
/// A header such as `label,pixel0,...,pixel783` is optional and recognised
/// by its first field not being a number. Pixel values must be numbers in
/// [0, 255]; non-integers are rounded to the nearest byte. The label must
/// be an integer in [0, classes). Blank lines and a trailing '\r' are
/// ignored; spaces around a field are allowed. Fails with not_found for a
/// missing file, and with corruption naming the file and line (and column,
/// or count found versus expected) for a file with no data row, a line with
/// the wrong number of columns, a field that is not a number, or a value out
/// of range. classes must be in [1, 256]. Reads 60k MNIST rows in about half
/// a second.
result<dataset> read_csv(const std::string& path, std::size_t height = 28,
                         std::size_t width = 28, std::size_t channels = 1,
                         std::size_t classes = 10);

/// Writes d with the header `label,pixel0,...` and integer pixel values.
///
/// Returns invalid_argument for an inconsistent dataset (see validate) and
/// io_error when the file cannot be written.
status write_csv(const dataset& d, const std::string& path);

} // namespace actors
