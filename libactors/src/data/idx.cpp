#include "actors/data/idx.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <system_error>
#include <vector>

#include <zlib.h>

namespace actors {

namespace {

constexpr std::uint32_t images_magic = 0x00000803;
constexpr std::uint32_t labels_magic = 0x00000801;
constexpr std::size_t images_header = 16;
constexpr std::size_t labels_header = 8;

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

std::uint32_t big_endian(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16)
         | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

/// A file opened for sequential reading, gunzipped on the fly when it starts
/// with the gzip magic; offsets count uncompressed bytes.
class byte_source {
public:
  explicit byte_source(std::string path) : path_(std::move(path)) {}

  ~byte_source() {
    if (plain_ != nullptr)
      std::fclose(plain_);
    if (gz_ != nullptr)
      gzclose(gz_);
  }

  byte_source(const byte_source&) = delete;
  byte_source& operator=(const byte_source&) = delete;

  status open() {
    std::error_code ec;
    const auto st = std::filesystem::status(path_, ec);
    if (!std::filesystem::exists(st))
      return status::not_found(path_ + ": no such file");
    if (std::filesystem::is_directory(st))
      return status::io_error(path_ + ": is a directory, expected a file");
    plain_ = std::fopen(path_.c_str(), "rb");
    if (plain_ == nullptr)
      return status::io_error(path_ + ": cannot open: "
                              + std::strerror(errno));
    unsigned char magic[2] = {0, 0};
    const std::size_t got = std::fread(magic, 1, 2, plain_);
    gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (!gzip_) {
      std::rewind(plain_);
      std::error_code size_ec;
      const auto size = std::filesystem::file_size(path_, size_ec);
      if (!size_ec)
        plain_size_ = size;
      return status::ok();
    }
    std::fclose(plain_);
    plain_ = nullptr;
    gz_ = gzopen(path_.c_str(), "rb");
    if (gz_ == nullptr)
      return status::io_error(path_ + ": cannot open as gzip: "
                              + std::strerror(errno));
    // A larger buffer roughly halves the time zlib spends in read(2) calls.
    gzbuffer(gz_, 1u << 18);
    return status::ok();
  }

  const std::string& path() const { return path_; }
  bool gzip() const { return gzip_; }

  /// Uncompressed size when known up front (plain files), else max().
  std::uint64_t known_size() const { return plain_size_; }

  /// Uncompressed bytes consumed so far.
  std::uint64_t offset() const { return offset_; }

  /// Reads up to n bytes into dst and returns how many arrived; fewer than n
  /// means end of data, or an error that error() then describes.
  std::size_t read(void* dst, std::size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    std::size_t done = 0;
    while (done < n && error_.is_ok()) {
      if (plain_ != nullptr) {
        const std::size_t got = std::fread(out + done, 1, n - done, plain_);
        done += got;
        if (got == 0) {
          if (std::ferror(plain_))
            error_ = status::io_error(path_ + ": read error at byte "
                                      + std::to_string(offset_ + done) + ": "
                                      + std::strerror(errno));
          break;
        }
      } else {
        // gzread counts in unsigned int; 1 GiB pieces stay well inside it.
        const std::size_t want = std::min<std::size_t>(n - done, 1u << 30);
        const int got = gzread(gz_, out + done, static_cast<unsigned>(want));
        if (got > 0)
          done += static_cast<std::size_t>(got);
        if (got <= 0 || static_cast<std::size_t>(got) < want) {
          note_gzip_error(offset_ + done);
          if (got <= 0 || !error_.is_ok())
            break;
        }
      }
    }
    offset_ += done;
    return done;
  }

  /// Why the last short read stopped; ok means a clean end of data.
  const status& error() const { return error_; }

private:
  void note_gzip_error(std::uint64_t at) {
    int code = Z_OK;
    const char* msg = gzerror(gz_, &code);
    if (code == Z_OK || code == Z_STREAM_END)
      return;
    const std::string where = path_ + ": gzip data broken at uncompressed byte "
                              + std::to_string(at) + ": ";
    if (code == Z_ERRNO)
      error_ = status::io_error(where + std::strerror(errno));
    else if (code == Z_BUF_ERROR)
      error_ = status::corruption(where + "compressed stream ends early "
                                  "(truncated .gz file)");
    else
      error_ = status::corruption(where
                                  + (msg != nullptr ? msg : "zlib error"));
  }

  std::string path_;
  std::FILE* plain_ = nullptr;
  gzFile gz_ = nullptr;
  bool gzip_ = false;
  std::uint64_t plain_size_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t offset_ = 0;
  status error_;
};

/// The same error with more words after its message.
status with_suffix(const status& st, const std::string& suffix) {
  switch (st.error_code()) {
  case status::code::ok:
    return st;
  case status::code::invalid_argument:
    return status::invalid_argument(st.message() + suffix);
  case status::code::io_error:
    return status::io_error(st.message() + suffix);
  case status::code::corruption:
    return status::corruption(st.message() + suffix);
  case status::code::not_found:
    return status::not_found(st.message() + suffix);
  }
  return st;
}

/// Product of the factors, or false when it does not fit in 64 bits.
bool checked_product(std::initializer_list<std::uint64_t> factors,
                     std::uint64_t& out) {
  out = 1;
  for (auto f : factors) {
    if (f != 0 && out > std::numeric_limits<std::uint64_t>::max() / f)
      return false;
    out *= f;
  }
  return true;
}

/// Reads and checks the header; fills dims (count, then per-record dims).
status read_header(byte_source& src, const char* kind, std::uint32_t magic,
                   std::size_t header_bytes, std::uint32_t* dims) {
  unsigned char buf[images_header];
  // The magic is checked as soon as it is there, so a labels file passed as
  // images (8 bytes of header, maybe fewer of data) is reported as such.
  std::size_t got = src.read(buf, 4);
  if (got == 4)
    got += src.read(buf + 4, header_bytes - 4);
  if (!src.error().is_ok())
    return src.error();
  if (got >= 4) {
    const std::uint32_t found = big_endian(buf);
    if (found != magic) {
      std::string hint;
      const std::uint32_t swapped = (found >> 24) | ((found >> 8) & 0xff00)
                                    | ((found << 8) & 0xff0000) | (found << 24);
      if (swapped == magic)
        hint = " (the header looks little-endian; IDX is big-endian)";
      else if (found == images_magic)
        hint = " (this is an IDX images file)";
      else if (found == labels_magic)
        hint = " (this is an IDX labels file)";
      return status::corruption(src.path() + ": byte 0: wrong IDX magic "
                                + hex32(found) + ", expected " + hex32(magic)
                                + " for " + kind + hint);
    }
  }
  if (got < header_bytes)
    return status::corruption(
      src.path() + ": truncated IDX " + kind + " header: file ends at byte "
      + std::to_string(got) + (got == 0 ? " (the file is empty)" : "")
      + ", expected a " + std::to_string(header_bytes) + "-byte header");
  for (std::size_t i = 0; i + 1 < header_bytes / 4; ++i)
    dims[i] = big_endian(buf + 4 * (i + 1));
  return status::ok();
}

/// Reads exactly `bytes` payload bytes into out and checks nothing follows.
/// `record_bytes` converts a short count into the record where data ended.
status read_payload(byte_source& src, const char* kind, std::uint64_t bytes,
                    std::uint64_t record_bytes, std::uint64_t records,
                    std::vector<std::uint8_t>& out) {
  const std::uint64_t start = src.offset();
  auto truncated = [&](std::uint64_t have) {
    return status::corruption(
      src.path() + ": truncated IDX " + kind + " payload: header declares "
      + std::to_string(records) + " records (" + std::to_string(bytes)
      + " bytes after the " + std::to_string(start)
      + "-byte header), but the data ends at byte "
      + std::to_string(start + have) + ", inside record "
      + std::to_string(have / record_bytes));
  };
  // A plain file's size is known, so a bad header fails before allocating.
  if (src.known_size() != std::numeric_limits<std::uint64_t>::max()
      && src.known_size() - start < bytes)
    return truncated(src.known_size() - start);
  if (bytes > std::numeric_limits<std::size_t>::max())
    return truncated(0);
  // Gzipped data is read in slices so that a header declaring absurd sizes
  // costs at most one slice of memory beyond what the stream really holds.
  constexpr std::uint64_t slice = std::uint64_t{64} << 20;
  out.clear();
  std::uint64_t have = 0;
  while (have < bytes) {
    const std::uint64_t want = std::min(slice, bytes - have);
    out.resize(static_cast<std::size_t>(have + want));
    const std::size_t got = src.read(out.data() + have,
                                     static_cast<std::size_t>(want));
    have += got;
    if (!src.error().is_ok())
      return with_suffix(src.error(), ", inside " + std::string{kind}
                                        + " record "
                                        + std::to_string(have / record_bytes));
    if (got < want)
      return truncated(have);
  }
  unsigned char extra = 0;
  if (src.read(&extra, 1) != 0)
    return status::corruption(src.path() + ": unexpected data at byte "
                              + std::to_string(src.offset() - 1)
                              + ": the header declares "
                              + std::to_string(records) + " records, which end"
                              " there");
  return src.error();
}

bool write_all(std::FILE* f, const void* data, std::size_t n) {
  return std::fwrite(data, 1, n, f) == n;
}

void put_big_endian(unsigned char* p, std::uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

status write_file(const std::string& path, const unsigned char* header,
                  std::size_t header_bytes, const std::uint8_t* payload,
                  std::size_t payload_bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    return status::io_error(path + ": cannot create: " + std::strerror(errno));
  const bool written = write_all(f, header, header_bytes)
                       && write_all(f, payload, payload_bytes);
  const int saved_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed)
    return status::io_error(path + ": write failed: "
                            + std::strerror(written ? errno : saved_errno));
  return status::ok();
}

} // namespace

result<dataset> read_idx(const std::string& images_path,
                         const std::string& labels_path, std::size_t classes) {
  if (classes == 0 || classes > 256)
    return status::invalid_argument("read_idx: classes is "
                                    + std::to_string(classes)
                                    + ", expected 1..256");
  byte_source images{images_path};
  byte_source labels{labels_path};
  if (auto st = images.open(); !st)
    return st;
  if (auto st = labels.open(); !st)
    return st;

  // Both headers first: a count mismatch is reported before reading 47 MB.
  std::uint32_t image_dims[3] = {0, 0, 0};
  std::uint32_t label_dims[1] = {0};
  if (auto st = read_header(images, "images", images_magic, images_header,
                            image_dims);
      !st)
    return st;
  if (auto st = read_header(labels, "labels", labels_magic, labels_header,
                            label_dims);
      !st)
    return st;
  const std::uint32_t count = image_dims[0];
  if (image_dims[1] == 0 || image_dims[2] == 0)
    return status::corruption(images_path + ": bytes 8..15: image size "
                              + std::to_string(image_dims[1]) + "x"
                              + std::to_string(image_dims[2])
                              + ", expected non-zero rows and columns");
  if (count == 0)
    return status::corruption(images_path
                              + ": bytes 4..7: the header declares 0 images, "
                                "expected at least one");
  if (label_dims[0] != count)
    return status::corruption(
      "IDX count mismatch: " + images_path + " declares "
      + std::to_string(count) + " images (bytes 4..7) but " + labels_path
      + " declares " + std::to_string(label_dims[0])
      + " labels; expected equal counts");

  dataset d;
  d.rows = count;
  d.height = image_dims[1];
  d.width = image_dims[2];
  d.channels = 1;
  d.classes = classes;
  std::uint64_t image_bytes = 0;
  std::uint64_t pixel_bytes = 0;
  if (!checked_product({image_dims[1], image_dims[2]}, image_bytes)
      || !checked_product({count, image_bytes}, pixel_bytes))
    return status::corruption(images_path
                              + ": bytes 4..15: declared sizes overflow");
  if (auto st = read_payload(images, "images", pixel_bytes, image_bytes, count,
                             d.pixels);
      !st)
    return st;
  if (auto st = read_payload(labels, "labels", count, 1, count, d.labels); !st)
    return st;
  for (std::size_t r = 0; r < d.rows; ++r)
    if (d.labels[r] >= classes)
      return status::corruption(
        labels_path + ": record " + std::to_string(r) + " (byte "
        + std::to_string(labels_header + r) + "): label "
        + std::to_string(d.labels[r]) + " out of range, expected 0.."
        + std::to_string(classes - 1));
  return d;
}

status write_idx(const dataset& d, const std::string& images_path,
                 const std::string& labels_path) {
  if (auto st = validate(d); !st)
    return st;
  if (d.channels != 1)
    return status::invalid_argument(
      "write_idx: " + images_path + ": dataset has "
      + std::to_string(d.channels)
      + " channels, expected 1 (IDX images are count x rows x columns)");
  constexpr std::size_t max32 = std::numeric_limits<std::uint32_t>::max();
  if (d.rows > max32 || d.height > max32 || d.width > max32)
    return status::invalid_argument("write_idx: " + images_path
                                    + ": dimensions exceed 32 bits");
  unsigned char header[images_header];
  put_big_endian(header, images_magic);
  put_big_endian(header + 4, static_cast<std::uint32_t>(d.rows));
  put_big_endian(header + 8, static_cast<std::uint32_t>(d.height));
  put_big_endian(header + 12, static_cast<std::uint32_t>(d.width));
  if (auto st = write_file(images_path, header, images_header,
                           d.pixels.data(), d.pixels.size());
      !st)
    return st;
  put_big_endian(header, labels_magic);
  return write_file(labels_path, header, labels_header, d.labels.data(),
                    d.labels.size());
}

} // namespace actors
