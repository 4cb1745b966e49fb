#include "actors/data/csv.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

namespace actors {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// Parses [b, e) as a finite decimal number, spaces around it allowed.
bool parse_number(const char* b, const char* e, double& out) {
  while (b < e && is_blank(*b))
    ++b;
  while (e > b && is_blank(e[-1]))
    --e;
  if (b == e)
    return false;
  // Nearly every field is a short run of digits; std::from_chars handles the
  // rest (decimals, exponents) without depending on the C locale.
  if (e - b <= 9) {
    unsigned v = 0;
    const char* q = b;
    for (; q < e && static_cast<unsigned>(*q - '0') < 10; ++q)
      v = v * 10 + static_cast<unsigned>(*q - '0');
    if (q == e) {
      out = v;
      return true;
    }
  }
  if (*b == '+' && e - b > 1 && b[1] != '-')
    ++b;
  const auto [ptr, ec] = std::from_chars(b, e, out);
  return ec == std::errc{} && ptr == e && std::isfinite(out);
}

/// The field for an error message: quoted, and shortened if long.
std::string quote(const char* b, const char* e) {
  constexpr std::ptrdiff_t max_shown = 24;
  std::string s = e - b > max_shown ? std::string(b, b + max_shown) + "..."
                                    : std::string(b, e);
  return "'" + s + "'";
}

/// Closes a FILE when a read or write returns early.
struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

std::size_t count_fields(const char* b, const char* e) {
  std::size_t n = 1;
  for (; b < e; ++b)
    n += *b == ',';
  return n;
}

/// Turns lines into rows of a dataset, checking each as it goes.
class csv_parser {
public:
  csv_parser(const std::string& path, dataset& d) : path_(path), d_(d) {}

  /// Handles one physical line, [b, e) without its '\n'.
  status line(const char* b, const char* e, std::size_t line_no) {
    if (e > b && e[-1] == '\r')
      --e;
    const char* first = b;
    while (first < e && is_blank(*first))
      ++first;
    if (first == e)
      return status::ok();
    const std::size_t columns = d_.features() + 1;
    if (!seen_content_) {
      seen_content_ = true;
      const char* comma = static_cast<const char*>(
        std::memchr(b, ',', static_cast<std::size_t>(e - b)));
      double ignored = 0;
      if (!parse_number(b, comma != nullptr ? comma : e, ignored)) {
        header_line_ = line_no;
        const std::size_t found = count_fields(b, e);
        if (found != columns)
          return wrong_columns(line_no, found, " in the header");
        return status::ok();
      }
    }
    const std::size_t record = d_.rows;
    const std::size_t base = d_.pixels.size();
    d_.pixels.resize(base + d_.features());
    std::uint8_t* out = d_.pixels.data() + base;
    const char* p = b;
    for (std::size_t col = 0; col < columns; ++col) {
      const char* q = p;
      while (q < e && *q != ',')
        ++q;
      if (q == e && col + 1 < columns)
        return wrong_columns(line_no, col + 1, "");
      if (q != e && col + 1 == columns)
        return wrong_columns(line_no, count_fields(b, e), "");
      double v = 0;
      if (!parse_number(p, q, v))
        return status::corruption(
          path_ + ": line " + std::to_string(line_no) + ", column "
          + std::to_string(col + 1) + ": " + quote(p, q)
          + " is not a number, expected "
          + (col == 0 ? "a label" : "a pixel value in 0..255"));
      if (col == 0) {
        if (!(v >= 0 && v < static_cast<double>(d_.classes)
              && v == std::floor(v)))
          return status::corruption(
            path_ + ": line " + std::to_string(line_no) + " (record "
            + std::to_string(record) + "), column 1: label " + quote(p, q)
            + " out of range, expected an integer in 0.."
            + std::to_string(d_.classes - 1));
        d_.labels.push_back(static_cast<std::uint8_t>(v));
      } else {
        if (!(v >= 0 && v <= 255))
          return status::corruption(
            path_ + ": line " + std::to_string(line_no) + " (record "
            + std::to_string(record) + "), column " + std::to_string(col + 1)
            + ": pixel value " + quote(p, q)
            + " out of range, expected 0..255");
        out[col - 1] = static_cast<std::uint8_t>(v + 0.5);
      }
      p = q + 1;
    }
    ++d_.rows;
    return status::ok();
  }

  /// Checks that at least one data row arrived.
  status finish(std::size_t lines) const {
    if (d_.rows > 0)
      return status::ok();
    if (header_line_ != 0)
      return status::corruption(path_ + ": line "
                                + std::to_string(header_line_ + 1)
                                + ": no data rows after the header, expected "
                                  "at least one");
    return status::corruption(path_ + ": line 1: the file is empty"
                              + std::string{lines > 0 ? " (blank lines only)"
                                                      : ""}
                              + ", expected a header or a data row");
  }

private:
  status wrong_columns(std::size_t line_no, std::size_t found,
                       const char* where) const {
    return status::corruption(
      path_ + ": line " + std::to_string(line_no) + ": found "
      + std::to_string(found) + " columns" + where + ", expected "
      + std::to_string(d_.features() + 1) + " (label + "
      + std::to_string(d_.features()) + " pixels)");
  }

  const std::string& path_;
  dataset& d_;
  bool seen_content_ = false;
  std::size_t header_line_ = 0;
};

/// Appends v in decimal.
void append_uint(std::string& out, unsigned v) {
  char buf[12];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

} // namespace

result<dataset> read_csv(const std::string& path, std::size_t height,
                         std::size_t width, std::size_t channels,
                         std::size_t classes) {
  if (height == 0 || width == 0 || channels == 0 || classes == 0
      || classes > 256)
    return status::invalid_argument(
      "read_csv: " + path + ": shape " + std::to_string(height) + "x"
      + std::to_string(width) + "x" + std::to_string(channels) + " with "
      + std::to_string(classes)
      + " classes, expected non-zero dimensions and 1..256 classes");
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st))
    return status::not_found(path + ": no such file");
  if (std::filesystem::is_directory(st))
    return status::io_error(path + ": is a directory, expected a file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return status::io_error(path + ": cannot open: " + std::strerror(errno));
  const file_ptr guard{f};

  dataset d;
  d.height = height;
  d.width = width;
  d.channels = channels;
  d.classes = classes;
  csv_parser parser{path, d};
  std::vector<char> buf(std::size_t{1} << 20);
  std::size_t filled = 0;
  std::size_t line_no = 0;
  for (bool eof = false; !eof;) {
    // A line longer than the buffer makes it grow until the line fits.
    if (filled == buf.size())
      buf.resize(buf.size() * 2);
    const std::size_t got = std::fread(buf.data() + filled, 1,
                                       buf.size() - filled, f);
    if (got == 0) {
      if (std::ferror(f))
        return status::io_error(path + ": read error after line "
                                + std::to_string(line_no) + ": "
                                + std::strerror(errno));
      eof = true;
    }
    filled += got;
    const char* p = buf.data();
    const char* end = p + filled;
    for (;;) {
      const char* nl = static_cast<const char*>(
        std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (nl == nullptr)
        break;
      if (auto s = parser.line(p, nl, ++line_no); !s)
        return s;
      p = nl + 1;
    }
    if (eof && p < end) {
      if (auto s = parser.line(p, end, ++line_no); !s)
        return s;
      p = end;
    }
    filled = static_cast<std::size_t>(end - p);
    std::memmove(buf.data(), p, filled);
  }
  if (auto s = parser.finish(line_no); !s)
    return s;
  return d;
}

status write_csv(const dataset& d, const std::string& path) {
  if (auto st = validate(d); !st)
    return st;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr)
    return status::io_error(path + ": cannot create: " + std::strerror(errno));
  file_ptr guard{f};
  std::string out = "label";
  for (std::size_t i = 0; i < d.features(); ++i) {
    out += ",pixel";
    append_uint(out, static_cast<unsigned>(i));
  }
  out += '\n';
  const std::size_t features = d.features();
  for (std::size_t r = 0; r < d.rows; ++r) {
    append_uint(out, d.labels[r]);
    const std::uint8_t* px = d.pixels.data() + r * features;
    for (std::size_t i = 0; i < features; ++i) {
      out += ',';
      append_uint(out, px[i]);
    }
    out += '\n';
    if (out.size() >= (std::size_t{1} << 20) || r + 1 == d.rows) {
      if (std::fwrite(out.data(), 1, out.size(), f) != out.size())
        return status::io_error(path + ": write failed at record "
                                + std::to_string(r) + ": "
                                + std::strerror(errno));
      out.clear();
    }
  }
  if (!out.empty()
      && std::fwrite(out.data(), 1, out.size(), f) != out.size())
    return status::io_error(path + ": write failed: " + std::strerror(errno));
  if (std::fclose(guard.release()) != 0)
    return status::io_error(path + ": write failed on close: "
                            + std::strerror(errno));
  return status::ok();
}

} // namespace actors
