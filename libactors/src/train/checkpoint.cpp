#include "actors/train/checkpoint.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "actors/util/coding.hpp"
#include "actors/util/crc32.hpp"
#include "actors/util/file.hpp"

namespace actors {

namespace fs = std::filesystem;

namespace {

constexpr char magic[8] = {'A', 'C', 'T', 'C', 'K', 'P', 'T', '\0'};
constexpr std::size_t header_size = 8 + 4 + 8;
constexpr std::size_t trailer_size = 4;
// sequence + three empty maps: the smallest valid payload.
constexpr std::size_t min_payload = 8 + 3 * 4;
// The smallest map entry: a key length and a value length, both empty.
constexpr std::size_t min_entry = 4 + 8;

void put_key(std::string& out, const std::string& key) {
  put_u32(out, static_cast<std::uint32_t>(key.size()));
  out += key;
}

/// Sequential reader of the payload; every read is checked against `end`
/// (the checksum's offset), so a length field can never reach past it.
class cursor {
public:
  cursor(const char* data, std::size_t pos, std::size_t end,
         const std::string& source)
    : data_(data), pos_(pos), end_(end), source_(source) {}

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return end_ - pos_; }

  /// Fails unless `bytes` more bytes remain for `what`.
  status need(std::uint64_t bytes, const std::string& what) const {
    if (bytes <= remaining())
      return status::ok();
    return status::corruption(fmt::format(
      "{}: at byte {}: {} needs {} bytes but only {} remain before the checksum",
      source_, pos_, what, bytes, remaining()));
  }

  /// A u32 count of map entries, checked so that even empty entries fit.
  status count(const char* map_name, std::uint32_t& n) {
    if (auto st = need(4, fmt::format("the {} count", map_name)); !st)
      return st;
    n = decode_u32(data_ + pos_);
    if (std::uint64_t{n} * min_entry > remaining() - 4)
      return status::corruption(fmt::format(
        "{}: at byte {}: {} {} entries need at least {} bytes but only {} "
        "remain before the checksum",
        source_, pos_, n, map_name, std::uint64_t{n} * min_entry,
        remaining() - 4));
    pos_ += 4;
    return status::ok();
  }

  status key(const char* what, std::string& out) {
    if (auto st = need(4, fmt::format("the length of a {} name", what)); !st)
      return st;
    const std::uint32_t n = decode_u32(data_ + pos_);
    if (n > remaining() - 4)
      return status::corruption(fmt::format(
        "{}: at byte {}: a {} name declares {} bytes but only {} remain before "
        "the checksum",
        source_, pos_, what, n, remaining() - 4));
    pos_ += 4;
    out.assign(take(n), n);
    return status::ok();
  }

  /// A u64 element count followed by count elements of `width` bytes.
  status elements(const std::string& what, std::size_t width, std::uint64_t& n) {
    if (auto st = need(8, "the length of " + what); !st)
      return st;
    n = decode_u64(data_ + pos_);
    // Compare counts, not byte totals: n * width may overflow.
    if (n > (remaining() - 8) / width)
      return status::corruption(fmt::format(
        "{}: at byte {}: {} declares {} elements of {} bytes but only {} bytes "
        "remain before the checksum",
        source_, pos_, what, n, width, remaining() - 8));
    pos_ += 8;
    return status::ok();
  }

  const char* take(std::size_t bytes) {
    const char* p = data_ + pos_;
    pos_ += bytes;
    return p;
  }

  std::uint64_t u64() { return decode_u64(take(8)); }

  status duplicate(const char* what, const std::string& name,
                   std::size_t at) const {
    return status::corruption(
      fmt::format("{}: at byte {}: duplicate {} '{}'", source_, at, what, name));
  }

  /// Reads one map of the payload into `out`: a count, then per entry a
  /// name, unique in the map, and a u64 count of elements of `width` bytes,
  /// which read(*this, count) takes and returns as the entry's value.
  /// `what` names the map in messages, `duplicate_what` a repeated name.
  template <class Map, class Read>
  status map(const char* what, const char* duplicate_what, std::size_t width,
             Map& out, const Read& read) {
    std::uint32_t n = 0;
    if (auto st = count(what, n); !st)
      return st;
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::size_t at = pos();
      std::string name;
      if (auto st = key(what, name); !st)
        return st;
      if (out.count(name) != 0)
        return duplicate(duplicate_what, name, at);
      std::uint64_t len = 0;
      if (auto st = elements(std::string{what} + " '" + name + "'", width, len); !st)
        return st;
      out.emplace(std::move(name), read(*this, len));
    }
    return status::ok();
  }

private:
  const char* data_;
  std::size_t pos_;
  std::size_t end_;
  const std::string& source_;
};

constexpr const char* name_prefix = "ckpt-";
constexpr const char* name_suffix = ".bin";
constexpr const char* tmp_suffix = ".tmp"; // replace_file's (util/file.hpp)

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size()
         && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// The sequence a file name `ckpt-<digits>.bin` stands for, or false.
bool parse_name(const std::string& name, std::uint64_t& sequence) {
  const std::size_t pre = std::strlen(name_prefix);
  const std::size_t suf = std::strlen(name_suffix);
  if (name.size() <= pre + suf || name.compare(0, pre, name_prefix) != 0
      || !ends_with(name, name_suffix))
    return false;
  std::uint64_t v = 0;
  for (std::size_t i = pre; i < name.size() - suf; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9')
      return false;
    const unsigned d = static_cast<unsigned>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
      return false;
    v = v * 10 + d;
  }
  sequence = v;
  return true;
}

struct entry {
  std::uint64_t sequence;
  std::string path;
};

/// Checkpoint files and stale temporary files of `dir`, by sequence.
status scan(const std::string& dir, std::vector<entry>& files,
            std::vector<std::string>* temps) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return status::not_found(dir + ": no such checkpoint directory");
  fs::directory_iterator it{dir, ec};
  if (ec)
    return status::io_error(
      fmt::format("{}: cannot list: {}", dir, ec.message()));
  for (; it != fs::directory_iterator{}; it.increment(ec)) {
    if (ec)
      return status::io_error(
        fmt::format("{}: cannot list: {}", dir, ec.message()));
    const std::string name = it->path().filename().string();
    std::uint64_t seq = 0;
    if (parse_name(name, seq)) {
      files.push_back({seq, it->path().string()});
    } else if (temps != nullptr && ends_with(name, tmp_suffix)
               && parse_name(name.substr(0, name.size() - std::strlen(tmp_suffix)),
                             seq)) {
      temps->push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end(), [](const entry& a, const entry& b) {
    return a.sequence != b.sequence ? a.sequence < b.sequence : a.path < b.path;
  });
  return status::ok();
}

/// Checks the frame of a checkpoint of `size` bytes at `p`: the magic, the
/// header (format version, declared length) and the checksum; ok if the
/// payload between header and trailer may be read.
status check_frame(const char* p, std::size_t size, const std::string& source) {
  if (size == 0)
    return status::corruption(source + ": empty file, expected a checkpoint");
  const std::size_t prefix = std::min(size, sizeof magic);
  if (std::memcmp(p, magic, prefix) != 0) {
    std::string found;
    for (std::size_t i = 0; i < prefix; ++i)
      found += fmt::format("{:02x}", static_cast<unsigned char>(p[i]));
    return status::corruption(fmt::format(
      "{}: not a checkpoint file (starts with {}, expected the magic "
      "\"ACTCKPT\\0\")",
      source, found));
  }
  if (size < header_size)
    return status::corruption(fmt::format(
      "{}: truncated at byte {} of the {}-byte header", source, size,
      header_size));
  const std::uint32_t version = decode_u32(p + 8);
  if (version != checkpoint_format_version)
    return status::corruption(fmt::format(
      "{}: format version {}, this build reads version {}", source, version,
      checkpoint_format_version));
  const std::uint64_t total = decode_u64(p + 12);
  if (total < header_size + min_payload + trailer_size)
    return status::corruption(fmt::format(
      "{}: the header declares {} bytes, less than the smallest checkpoint ({})",
      source, total, header_size + min_payload + trailer_size));
  if (size < total)
    return status::corruption(
      fmt::format("{}: truncated at byte {} of {}", source, size, total));
  if (size > total)
    return status::corruption(fmt::format(
      "{}: {} unexpected bytes after the declared end at byte {}", source,
      size - total, total));
  const std::size_t end = size - trailer_size;
  const std::uint32_t stored = decode_u32(p + end);
  const std::uint32_t computed = crc32_of(p, end);
  if (stored != computed)
    return status::corruption(fmt::format(
      "{}: checksum mismatch (stored 0x{:08x}, computed 0x{:08x})", source,
      stored, computed));
  return status::ok();
}

} // namespace

std::string encode_checkpoint(const checkpoint& c) {
  std::string out{magic, sizeof magic};
  put_u32(out, checkpoint_format_version);
  put_u64(out, 0); // total length, patched below
  put_u64(out, c.sequence);
  put_u32(out, static_cast<std::uint32_t>(c.meta.size()));
  for (const auto& [key, value] : c.meta) {
    put_key(out, key);
    put_u64(out, value.size());
    out += value;
  }
  put_u32(out, static_cast<std::uint32_t>(c.tensors.size()));
  for (const auto& [name, values] : c.tensors) {
    put_key(out, name);
    put_u64(out, values.size());
    put_floats(out, values.data(), values.size());
  }
  put_u32(out, static_cast<std::uint32_t>(c.counters.size()));
  for (const auto& [name, values] : c.counters) {
    put_key(out, name);
    put_u64(out, values.size());
    for (std::uint64_t v : values)
      put_u64(out, v);
  }
  const std::uint64_t total = out.size() + trailer_size;
  encode_u64(&out[12], total);
  put_u32(out, crc32_of(out.data(), out.size()));
  return out;
}

result<checkpoint> decode_checkpoint(const void* data, std::size_t size,
                                     const std::string& source) {
  const auto* p = static_cast<const char*>(data);
  if (auto st = check_frame(p, size, source); !st)
    return st;
  checkpoint c;
  cursor in{p, header_size, size - trailer_size, source};
  c.sequence = in.u64(); // min_payload guarantees these 8 bytes
  status st;
  if (!(st = in.map("meta", "meta key", 1, c.meta,
                    [](cursor& r, std::uint64_t len) {
                      return std::string{r.take(len), len};
                    }))
      || !(st = in.map("tensor", "tensor", 4, c.tensors,
                       [](cursor& r, std::uint64_t len) {
                         std::vector<float> values(len);
                         decode_floats(r.take(len * 4), len, values.data());
                         return values;
                       }))
      || !(st = in.map("counter", "counter", 8, c.counters,
                       [](cursor& r, std::uint64_t len) {
                         std::vector<std::uint64_t> values(len);
                         for (auto& v : values)
                           v = r.u64();
                         return values;
                       })))
    return st;
  if (in.remaining() != 0)
    return status::corruption(fmt::format(
      "{}: {} unparsed bytes at byte {} before the checksum", source,
      in.remaining(), in.pos()));
  return c;
}

status write_checkpoint(const std::string& path, const checkpoint& c) {
  const std::string bytes = encode_checkpoint(c);
  if (auto st = replace_file(path, {bytes}); !st)
    return st;
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty())
    dir = ".";
  if (!fsync_dir(dir))
    return status::io_error(fmt::format("{}: cannot fsync the directory: {}",
                                        dir, std::strerror(errno)));
  return status::ok();
}

result<checkpoint> read_checkpoint(const std::string& path) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (!fs::exists(st))
    return status::not_found(path + ": no such file");
  if (!fs::is_regular_file(st))
    return status::io_error(path + ": not a regular file");
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return status::io_error(
      fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  // The file's own size bounds the buffer, whatever its fields say.
  const std::string bytes{std::istreambuf_iterator<char>{in},
                          std::istreambuf_iterator<char>{}};
  if (in.bad())
    return status::io_error(path + ": read failed");
  return decode_checkpoint(bytes.data(), bytes.size(), path);
}

checkpoint_store::checkpoint_store(std::string dir,
                                   checkpoint_store_options options)
  : dir_(std::move(dir)), options_(options) {
}

std::string checkpoint_store::file_name(std::uint64_t sequence) {
  return fmt::format("{}{:010}{}", name_prefix, sequence, name_suffix);
}

result<std::vector<std::string>> checkpoint_store::list() const {
  std::vector<entry> files;
  if (auto st = scan(dir_, files, nullptr); !st)
    return st;
  std::vector<std::string> paths;
  for (auto& f : files)
    paths.push_back(std::move(f.path));
  return paths;
}

status checkpoint_store::save(const checkpoint& c) {
  if (options_.keep == 0)
    return status::invalid_argument(dir_ + ": checkpoint_store keep must be at least 1");
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec)
    return status::io_error(
      fmt::format("{}: cannot create the directory: {}", dir_, ec.message()));
  const std::string path = (fs::path(dir_) / file_name(c.sequence)).string();
  if (auto st = write_checkpoint(path, c); !st)
    return st;

  std::vector<entry> files;
  std::vector<std::string> temps;
  if (auto st = scan(dir_, files, &temps); !st)
    return st;
  // Only a crashed writer leaves these: this store is the directory's one writer.
  for (const auto& t : temps)
    fs::remove(t, ec);
  // Oldest first; the file just written is never pruned, even if a file of a
  // higher sequence exists (e.g. a refused one from before a resume).
  std::size_t present = files.size();
  for (const auto& f : files) {
    if (present <= options_.keep)
      break;
    if (f.path == path)
      continue;
    if (!fs::remove(f.path, ec) && ec)
      return status::io_error(
        fmt::format("{}: cannot delete an old checkpoint: {}", f.path, ec.message()));
    --present;
  }
  return status::ok();
}

result<loaded_checkpoint> checkpoint_store::load_latest() const {
  std::vector<entry> files;
  if (auto st = scan(dir_, files, nullptr); !st)
    return st;
  if (files.empty())
    return status::not_found(dir_ + ": no checkpoint files (ckpt-*.bin)");
  loaded_checkpoint out;
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    auto c = read_checkpoint(it->path);
    if (!c) {
      out.refused.push_back({it->path, c.error().message()});
      continue;
    }
    if (c->sequence != it->sequence) {
      out.refused.push_back(
        {it->path, fmt::format("{}: holds sequence {} but its name says {}",
                               it->path, c->sequence, it->sequence)});
      continue;
    }
    out.value = std::move(*c);
    out.path = it->path;
    return out;
  }
  std::string why;
  for (const auto& r : out.refused)
    why += "\n  " + r.reason;
  return status::corruption(fmt::format("{}: none of the {} checkpoint files is valid:{}",
                                        dir_, files.size(), why));
}

} // namespace actors
