// checkpoint: the parameter server's saved state, its file format and a
// directory that keeps the last few.
//
// A checkpoint is a generic container: the server puts in its centre
// variable and the trainer's slots (tensors), its counters (commits, batches
// done per partition, versions per worker) and text (trainer name, model
// spec, options). Nothing here knows what the names mean.
//
// File format (version 1), every integer little-endian:
//   header   8 bytes magic "ACTCKPT\0", u32 format version, u64 total length
//            of the file in bytes (so a truncated file says how much is
//            missing)
//   payload  u64 sequence
//            u32 n, then n x (u32 key length, key, u64 value length, value)
//            u32 n, then n x (u32 name length, name, u64 count, count x f32)
//            u32 n, then n x (u32 name length, name, u64 count, count x u64)
//            (meta, tensors, counters; each map in key order)
//   trailer  u32 CRC-32 of every byte before it
// A reader trusts no length: each is checked against the bytes that remain
// before anything is allocated, so no field can make it allocate more than
// the file holds.
//
// Files are written to `<name>.tmp` in the same directory, fsynced, renamed
// over the target and the directory is fsynced: a crash leaves either the
// old file or the new one, plus perhaps a stale temporary file.
//
// Functions are reentrant. A checkpoint_store is not synchronised: one
// writer per directory (the parameter server); readers of a directory that
// is being written may see a checkpoint disappear when it is pruned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/util/status.hpp"

namespace actors {

/// A snapshot of the parameter server's state.
struct checkpoint {
  /// Increases with every checkpoint of a run; names the file in a store.
  std::uint64_t sequence = 0;
  /// Text: trainer name, model spec, options.
  std::map<std::string, std::string> meta;
  /// Float vectors: the centre variable, optimizer and trainer slots.
  std::map<std::string, std::vector<float>> tensors;
  /// Integer vectors: commits, batches done per partition, worker versions.
  std::map<std::string, std::vector<std::uint64_t>> counters;

  friend bool operator==(const checkpoint& a, const checkpoint& b) {
    return a.sequence == b.sequence && a.meta == b.meta
           && a.tensors == b.tensors && a.counters == b.counters;
  }
  friend bool operator!=(const checkpoint& a, const checkpoint& b) {
    return !(a == b);
  }
};

/// Format version this build writes and reads.
inline constexpr std::uint32_t checkpoint_format_version = 1;

/// The bytes of `c` in the file format above.
std::string encode_checkpoint(const checkpoint& c);

/// Parses the file format from memory; errors name `source` and the byte
/// offset at fault (truncation, magic, version, checksum, a length beyond
/// the data, a duplicate key, unparsed bytes).
result<checkpoint> decode_checkpoint(const void* data, std::size_t size,
                                     const std::string& source);

/// Writes `c` to `path` atomically (temporary file, fsync, rename, fsync of
/// the directory). Returns io_error naming the file when any step fails;
/// the target is then untouched.
status write_checkpoint(const std::string& path, const checkpoint& c);

/// Reads a file written by write_checkpoint. not_found for a missing file,
/// io_error when it cannot be read, corruption (see decode_checkpoint).
result<checkpoint> read_checkpoint(const std::string& path);

/// Settings of a checkpoint_store.
struct checkpoint_store_options {
  /// Newest checkpoints kept on disk; older ones are deleted by save().
  std::size_t keep = 3;
};

/// A checkpoint file load_latest() did not use, and why.
struct refused_checkpoint {
  std::string path;
  std::string reason;
};

/// What load_latest() found.
struct loaded_checkpoint {
  checkpoint value;
  /// The file it came from.
  std::string path;
  /// Newer files that were refused, newest first.
  std::vector<refused_checkpoint> refused;
};

/// A directory of checkpoints `ckpt-<sequence, 10 digits>.bin`.
class checkpoint_store {
public:
  explicit checkpoint_store(std::string dir, checkpoint_store_options options = {});

  /// Writes `c` as ckpt-<c.sequence>.bin (creating the directory if needed),
  /// then deletes the oldest checkpoints beyond options().keep and any
  /// temporary file a crashed writer left. invalid_argument for keep == 0.
  status save(const checkpoint& c);

  /// The newest checkpoint that reads back intact, trying newest to oldest.
  /// A file is refused when read_checkpoint fails or its sequence differs
  /// from its name's. not_found when the directory is missing or holds no
  /// checkpoint; corruption, listing every refusal, when none is valid.
  result<loaded_checkpoint> load_latest() const;

  /// Paths of the checkpoint files present, oldest first (by sequence).
  /// not_found when the directory is missing.
  result<std::vector<std::string>> list() const;

  /// The file name a checkpoint of `sequence` gets: ckpt-0000000042.bin.
  static std::string file_name(std::uint64_t sequence);

  const std::string& dir() const { return dir_; }
  const checkpoint_store_options& options() const { return options_; }

private:
  std::string dir_;
  checkpoint_store_options options_;
};

} // namespace actors
