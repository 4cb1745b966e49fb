// Saving and loading a model: architecture and weights in one file.
//
// Format (version 1):
//   actors-model 1\n
//   <the model spec, one layer per line, see model_spec.hpp>
//   weights count=<N> crc32=<8 hex digits>\n
//   <N little-endian IEEE-754 float32 values, in params() order>
// The spec is readable with `head`; the weights follow Keras's get_weights()
// order layer by layer (kernel, then bias). The CRC-32 covers the raw weight
// bytes, so a truncated or corrupted file is refused, never half-loaded.
// Files are written to a temporary name, flushed and renamed into place.
#pragma once

#include <string>

#include "actors/nn/model.hpp"
#include "actors/util/crc32.hpp"
#include "actors/util/status.hpp"

namespace actors {

/// Writes `m` to `path` atomically.
status save_model(const model& m, const std::string& path);

/// Reads a model written by save_model; errors name the file and the fault.
result<model> load_model(const std::string& path);

} // namespace actors
