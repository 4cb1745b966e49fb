// idx: reading and writing the IDX format of LeCun's MNIST distribution.
//
// An images file is a big-endian header (magic 0x00000803, count, rows,
// columns) followed by count * rows * columns unsigned bytes; a labels file
// is a header (magic 0x00000801, count) followed by count bytes. A file may
// be gzip-compressed; the reader decides by the magic bytes 1f 8b, not by
// the name. The functions are reentrant and share no state.
#pragma once

#include <cstddef>
#include <string>

#include "actors/data/dataset.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// Reads an IDX images file and an IDX labels file, each plain or gzip.
///
/// Compression is decided by the magic bytes 1f 8b, not by the file name.
/// The result has channels = 1, height and width from the images header and
/// the given number of classes. Fails with not_found for a missing file and
/// with corruption, naming the file and byte offset or record, for a wrong
/// magic, a header or payload shorter than declared, bytes after the
/// declared end, an empty data set, image and label counts that differ, or
/// a label >= classes. Reads 60k MNIST images in well under a second.
result<dataset> read_idx(const std::string& images_path,
                         const std::string& labels_path,
                         std::size_t classes = 10);

/// Writes d as an uncompressed IDX images file and labels file.
///
/// Requires channels == 1 (IDX images here have three dimensions) and a
/// consistent dataset (see validate); returns invalid_argument otherwise and
/// io_error when a file cannot be written.
status write_idx(const dataset& d, const std::string& images_path,
                 const std::string& labels_path);

} // namespace actors
