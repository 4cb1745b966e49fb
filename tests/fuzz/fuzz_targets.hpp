// fuzz_targets: one function per fuzzed parser, shared by the libFuzzer
// binaries (tests/fuzz, clang) and the unit test that replays the checked-in
// corpora and crash inputs in the regular build (tests/unit).
//
// Each function feeds one input to the project's real parsing code, writing
// it to a scratch file first when the API reads files, and returns whether
// the input was accepted. None may crash, leak, hang or hit undefined
// behaviour on any input; a broken internal invariant calls std::abort().
// Scratch files live in one directory per process under the system temp
// directory (TMPDIR), removed at exit. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace actors::fuzz {

/// IDX reader: bytes 0-1 (little-endian, modulo the rest's length) split
/// the rest into an images file and a labels file; read_idx with 10 classes.
bool idx_input(const std::uint8_t* data, std::size_t size);

/// CSV reader: byte 0 picks the image shape (1-4 x 1-4 x 1-2) and the class
/// count (1, 2, 10, 256, and the invalid 0 and 257); the rest is the file.
bool csv_input(const std::uint8_t* data, std::size_t size);

/// Model spec parser: the input is the spec text.
bool model_spec_input(const std::uint8_t* data, std::size_t size);

/// Checkpoint reader: the input as a file, then (so that the payload parser
/// is reached past the checksum) the same bytes with a correct total length
/// and CRC. An accepted checkpoint must re-encode to the same checkpoint.
bool checkpoint_input(const std::uint8_t* data, std::size_t size);

/// Configuration: byte 0 picks train_mnist's or caf-node's option set; the
/// rest up to the first NUL is an INI file, what follows are command-line
/// arguments, one per line, parsed after `--config=FILE` as the apps do.
bool options_input(const std::uint8_t* data, std::size_t size);

/// Wire codecs' readers (wire/codec.hpp): byte 0 picks a codec of the
/// registry (modulo their count), bytes 1-2 (little-endian, modulo 2048,
/// plus 1) the value count n, the rest is the coding. An accepted coding
/// must decode to values that the codec's own write and read give back as
/// its round() says, bit for bit (when they are finite).
bool wire_input(const std::uint8_t* data, std::size_t size);

/// A fuzz target by name, as in tests/fuzz/corpus/<name>.
struct target {
  const char* name;
  bool (*run)(const std::uint8_t*, std::size_t);
};

/// Every target: idx, csv, model_spec, checkpoint, options, wire.
const std::vector<target>& targets();

} // namespace actors::fuzz
