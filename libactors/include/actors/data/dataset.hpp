// dataset: labelled images held as raw bytes, and the gather step that turns
// a mini-batch of them into the float matrices a model consumes.
//
// A dataset is a plain value that owns its pixel and label buffers; copy it
// or move it between threads freely. Any number of threads may call
// gather_batch on the same dataset at once, as nothing here mutates it.
// Pixels stay uint8 in memory and are scaled only when a batch is gathered,
// which keeps 60k MNIST images at 47 MB instead of 188 MB of floats.
//
// Readers for the file formats live in idx.hpp and csv.hpp; load_dataset
// picks the right one for a named data set in a data directory. Messages of
// every returned status name the file and, where one exists, the position at
// fault: line and column numbers count from 1, record numbers from 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/util/status.hpp"

namespace actors {

/// Images as raw bytes plus labels, scaled to floats only when gathered.
///
/// Pixels stay uint8 in memory: 60k MNIST images take 47 MB, against 188 MB
/// as floats, and gather_batch scales the few rows a mini-batch needs.
struct dataset {
  std::size_t rows = 0, height = 28, width = 28, channels = 1, classes = 10;
  /// rows * features() bytes, row-major, NHWC.
  std::vector<std::uint8_t> pixels;
  /// rows labels, each < classes.
  std::vector<std::uint8_t> labels;
  /// Values per image.
  std::size_t features() const { return height * width * channels; }
};

/// Checks that the buffer sizes match the shape and every label is < classes.
///
/// Returns invalid_argument naming the first inconsistency (and the record of
/// the first bad label), so writers refuse to produce files no reader accepts.
status validate(const dataset& d);

/// Min-max scaling of pixel bytes, like dist-keras's MinMaxTransformer.
///
/// y = (x - old_min) / (old_max - old_min) * (new_max - new_min) + new_min.
/// The defaults map bytes onto [0, 1]. The seed (dist-keras's MNIST example)
/// used old_max = 250, which maps pixel 255 slightly above 1 (1.02); set it
/// here to reproduce that run. old_max must differ from old_min.
struct scaling {
  /// Input value that maps to new_min.
  float old_min = 0;
  /// Input value that maps to new_max (the seed used 250).
  float old_max = 255;
  /// Output for old_min.
  float new_min = 0;
  /// Output for old_max.
  float new_max = 1;
};

/// Writes the samples picked by indices as scaled floats and one-hot labels.
///
/// x receives n * d.features() floats, sample i at x + i * d.features(); y,
/// if not null, receives n * d.classes floats, sample i at y + i * d.classes,
/// all zero except a 1 at the label. Every index must be < d.rows. The pixel
/// mapping is a 256-entry table built from `s` on each call, so the per-pixel
/// cost is one load; this runs once per mini-batch of 16..128 rows.
void gather_batch(const dataset& d, const std::uint32_t* indices, std::size_t n,
                  const scaling& s, float* x, float* y);

/// Finds a data set in dir and reads it.
///
/// `name` is "mnist" or "fashion" and selects the folder dir/<name>/;
/// `split` is "train" or "test". Tries, in order: the IDX pair
/// train-images-idx3-ubyte / train-labels-idx1-ubyte (or t10k-... for test),
/// each plain or with .gz, also the "train-images.idx3-ubyte" spelling; then
/// the CSV files <split>.csv and <name>_<split>.csv (e.g. mnist_train.csv,
/// fashion-mnist_train.csv). Returns not_found naming the folder and every
/// file name tried when none is present; otherwise whatever the reader says.
result<dataset> load_dataset(const std::string& dir, const std::string& name,
                             const std::string& split);

} // namespace actors
