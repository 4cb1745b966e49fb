// Tests for the IDX reader and writer: round trips, gzip detection by magic
// bytes, and one test per kind of broken file, each checking that the error
// names the file and the position at fault.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>
#include <zlib.h>

#include "actors/data/idx.hpp"

#include "data_test_support.hpp"
#include "scratch_dir.hpp"

using actors::dataset;
using actors::status;

namespace {

using namespace actors::test; // scratch_dir, why, contains, check_error

using bytes = std::vector<std::uint8_t>;

void put32(bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

/// An IDX images file with `count` images of h x w, pixel i of image r = 3r+i.
bytes images_file(std::uint32_t count, std::uint32_t h, std::uint32_t w,
                  std::uint32_t magic = 0x803) {
  bytes out;
  put32(out, magic);
  put32(out, count);
  put32(out, h);
  put32(out, w);
  for (std::uint32_t r = 0; r < count; ++r)
    for (std::uint32_t i = 0; i < h * w; ++i)
      out.push_back(static_cast<std::uint8_t>(3 * r + i));
  return out;
}

bytes labels_file(const bytes& labels, std::uint32_t magic = 0x801) {
  bytes out;
  put32(out, magic);
  put32(out, static_cast<std::uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

void write_bytes(const std::string& path, const bytes& data) {
  std::ofstream f{path, std::ios::binary};
  f.write(reinterpret_cast<const char*>(data.data()),
          static_cast<std::streamsize>(data.size()));
}

void write_gzip(const std::string& path, const bytes& data) {
  gzFile gz = gzopen(path.c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, data.data(), static_cast<unsigned>(data.size()))
          == static_cast<int>(data.size()));
  REQUIRE(gzclose(gz) == Z_OK);
}

bytes read_bytes(const std::string& path) {
  std::ifstream f{path, std::ios::binary};
  return bytes{std::istreambuf_iterator<char>{f},
               std::istreambuf_iterator<char>{}};
}

dataset sample(std::size_t rows, std::size_t h, std::size_t w) {
  dataset d = shaped(rows, h, w);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t i = 0; i < h * w; ++i)
      d.pixels.push_back(static_cast<std::uint8_t>((r * 37 + i * 11) % 256));
    d.labels.push_back(static_cast<std::uint8_t>((r * 7) % 10));
  }
  return d;
}

/// Reads the pair and expects an error with `code` whose message holds every
/// one of `parts`.
void expect_error(const std::string& images, const std::string& labels,
                  status::code code, const std::vector<std::string>& parts) {
  actors::test::check_error(actors::read_idx(images, labels), code, parts);
}

/// Writes `img` and `lbl` as the files "img" and "lbl" in `dir`, reads the
/// pair and expects an error as expect_error does.
void expect_pair_error(const scratch_dir& dir, const bytes& img,
                       const bytes& lbl, status::code code,
                       const std::vector<std::string>& parts) {
  write_bytes(dir.file("img"), img);
  write_bytes(dir.file("lbl"), lbl);
  expect_error(dir.file("img"), dir.file("lbl"), code, parts);
}

/// Expects the images file `img`, with labels 1, 2, ... for `count` records,
/// to be refused as corruption naming the images file and every one of
/// `parts`.
void expect_corrupt_images(const bytes& img, std::size_t count,
                           std::vector<std::string> parts) {
  scratch_dir dir;
  bytes lbl;
  for (std::size_t r = 1; r <= count; ++r)
    lbl.push_back(static_cast<std::uint8_t>(r));
  parts.insert(parts.begin(), dir.file("img"));
  expect_pair_error(dir, img, labels_file(lbl), status::code::corruption,
                    parts);
}

} // namespace

TEST_CASE("data.idx: write_idx then read_idx returns the same data") {
  scratch_dir dir;
  const dataset d = sample(5, 4, 3);
  REQUIRE(actors::write_idx(d, dir.file("img"), dir.file("lbl")).is_ok());
  auto r = actors::read_idx(dir.file("img"), dir.file("lbl"));
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(r->rows == 5);
  CHECK(r->height == 4);
  CHECK(r->width == 3);
  CHECK(r->channels == 1);
  CHECK(r->classes == 10);
  CHECK(r->pixels == d.pixels);
  CHECK(r->labels == d.labels);
  // The file layout is LeCun's: big-endian header, then the bytes.
  const bytes raw = read_bytes(dir.file("img"));
  REQUIRE(raw.size() == 16 + 5 * 12);
  CHECK(raw[3] == 0x03);
  CHECK(raw[7] == 5);
  CHECK(raw[11] == 4);
  CHECK(raw[15] == 3);
}

TEST_CASE("data.idx: gzip is detected by magic bytes, not by name") {
  scratch_dir dir;
  const bytes img = images_file(3, 2, 2);
  const bytes lbl = labels_file({1, 2, 3});
  // The images file is gzipped under a plain name, the labels file is plain
  // under a .gz name: only the content decides.
  write_gzip(dir.file("images-idx3-ubyte"), img);
  write_bytes(dir.file("labels-idx1-ubyte.gz"), lbl);
  auto r = actors::read_idx(dir.file("images-idx3-ubyte"),
                            dir.file("labels-idx1-ubyte.gz"));
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(r->rows == 3);
  CHECK(r->pixels == bytes(img.begin() + 16, img.end()));
  CHECK(r->labels == bytes{1, 2, 3});

  write_gzip(dir.file("labels.gz"), lbl);
  auto both = actors::read_idx(dir.file("images-idx3-ubyte"),
                               dir.file("labels.gz"));
  REQUIRE_MESSAGE(both.has_value(), why(both));
  CHECK(both->labels == bytes{1, 2, 3});
}

TEST_CASE("data.idx: a missing file is not_found and named") {
  scratch_dir dir;
  write_bytes(dir.file("lbl"), labels_file({1}));
  expect_error(dir.file("no-such-images"), dir.file("lbl"),
               status::code::not_found, {dir.file("no-such-images")});
}

TEST_CASE("data.idx: an empty file is corruption at byte 0") {
  expect_corrupt_images({}, 1, {"byte 0", "empty", "16-byte header"});
}

TEST_CASE("data.idx: a header shorter than declared is corruption") {
  bytes img = images_file(2, 2, 2);
  img.resize(10);
  expect_corrupt_images(img, 2, {"truncated", "byte 10", "16-byte header"});
}

TEST_CASE("data.idx: a payload shorter than declared names the record") {
  scratch_dir dir;
  bytes img = images_file(3, 2, 2); // 16 + 3 * 4 bytes
  img.resize(16 + 5);               // ends one byte into image 1
  expect_pair_error(dir, img, labels_file({1, 2, 3}),
                    status::code::corruption,
                    {dir.file("img"), "truncated", "3 records", "byte 21",
                     "record 1"});

  // The same for a labels file, and for a gzipped images file.
  write_bytes(dir.file("img"), images_file(3, 2, 2));
  bytes lbl = labels_file({1, 2, 3});
  lbl.pop_back();
  write_bytes(dir.file("lbl"), lbl);
  expect_error(dir.file("img"), dir.file("lbl"), status::code::corruption,
               {dir.file("lbl"), "truncated", "byte 10", "record 2"});

  write_gzip(dir.file("img.gz"), img);
  write_bytes(dir.file("lbl"), labels_file({1, 2, 3}));
  expect_error(dir.file("img.gz"), dir.file("lbl"), status::code::corruption,
               {dir.file("img.gz"), "truncated", "byte 21", "record 1"});
}

TEST_CASE("data.idx: a cut-off gzip stream is corruption, not a hang") {
  scratch_dir dir;
  write_gzip(dir.file("full.gz"), images_file(50, 8, 8));
  bytes gz = read_bytes(dir.file("full.gz"));
  gz.resize(gz.size() / 2);
  write_bytes(dir.file("img.gz"), gz);
  write_bytes(dir.file("lbl"), labels_file(bytes(50, 1)));
  expect_error(dir.file("img.gz"), dir.file("lbl"), status::code::corruption,
               {dir.file("img.gz"), "record"});
}

TEST_CASE("data.idx: bytes after the declared end are corruption") {
  bytes img = images_file(2, 2, 2);
  img.push_back(0);
  expect_corrupt_images(img, 2, {"byte 24", "2 records"});
}

TEST_CASE("data.idx: a wrong magic is corruption at byte 0") {
  scratch_dir dir;
  write_bytes(dir.file("img"), images_file(1, 2, 2));
  write_bytes(dir.file("lbl"), labels_file({1}));
  // Images and labels swapped.
  expect_error(dir.file("lbl"), dir.file("img"), status::code::corruption,
               {dir.file("lbl"), "byte 0", "0x00000801",
                "expected 0x00000803"});
  // A labels file with a little-endian header.
  write_bytes(dir.file("le"), labels_file({1}, 0x01080000));
  expect_error(dir.file("img"), dir.file("le"), status::code::corruption,
               {dir.file("le"), "byte 0", "expected 0x00000801",
                "little-endian"});
}

TEST_CASE("data.idx: image and label counts that differ are corruption") {
  scratch_dir dir;
  expect_pair_error(dir, images_file(3, 2, 2), labels_file({1, 2}),
                    status::code::corruption,
                    {dir.file("img"), dir.file("lbl"), "3 images", "2 labels"});
}

TEST_CASE("data.idx: a label out of range names the record and value") {
  scratch_dir dir;
  expect_pair_error(dir, images_file(3, 2, 2), labels_file({1, 12, 3}),
                    status::code::corruption,
                    {dir.file("lbl"), "record 1", "byte 9", "label 12",
                     "expected 0..9"});
  // With more classes the same file is fine.
  auto r = actors::read_idx(dir.file("img"), dir.file("lbl"), 13);
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(r->classes == 13);
}

TEST_CASE("data.idx: a header declaring zero images is refused") {
  expect_corrupt_images(images_file(0, 2, 2), 0, {"0 images"});
}

TEST_CASE("data.idx: a huge declared size fails without allocating it") {
  scratch_dir dir;
  bytes lbl;
  put32(lbl, 0x801);
  put32(lbl, 0xffffffffu);
  write_bytes(dir.file("lbl"), lbl);
  // 2^32 images of 256x256 is 256 TiB; the second shape overflows 64 bits.
  for (std::uint32_t side : {256u, 0xffffffffu}) {
    bytes img;
    put32(img, 0x803);
    put32(img, 0xffffffffu);
    put32(img, side);
    put32(img, side);
    write_bytes(dir.file("img"), img);
    write_gzip(dir.file("img.gz"), img);
    for (const std::string name : {"img", "img.gz"}) {
      CAPTURE(name);
      CAPTURE(side);
      auto r = actors::read_idx(dir.file(name), dir.file("lbl"));
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().error_code() == status::code::corruption);
      CHECK(contains(r.error().message(), dir.file(name)));
    }
  }
}

TEST_CASE("data.idx: write_idx refuses what IDX cannot hold") {
  scratch_dir dir;
  dataset d = sample(2, 2, 2);
  d.channels = 3;
  d.pixels.resize(2 * 2 * 2 * 3);
  auto st = actors::write_idx(d, dir.file("img"), dir.file("lbl"));
  CHECK(st.error_code() == status::code::invalid_argument);
  CHECK(contains(st.message(), "channels"));

  dataset bad = sample(2, 2, 2);
  bad.labels.pop_back();
  CHECK(actors::write_idx(bad, dir.file("img"), dir.file("lbl")).error_code()
        == status::code::invalid_argument);

  CHECK(actors::write_idx(sample(1, 2, 2), dir.file("no/such/dir/img"),
                          dir.file("lbl"))
          .error_code()
        == status::code::io_error);
}
