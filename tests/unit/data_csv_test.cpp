// Tests for the CSV reader and writer: round trips, header detection,
// tolerated formatting, and one test per kind of broken file, each checking
// that the error names the file and the line (and column) at fault.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "actors/data/csv.hpp"

#include "data_test_support.hpp"
#include "scratch_dir.hpp"

using actors::dataset;
using actors::status;

namespace {

using namespace actors::test; // scratch_dir, why, contains, check_error

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f{path, std::ios::binary};
  f << text;
}

// Tests use 2x2 images: five columns per line.
constexpr std::size_t side = 2;

actors::result<dataset> read_small(const std::string& path) {
  return actors::read_csv(path, side, side, 1, 10);
}

/// Expects reading `text` to fail with `code` and every one of `parts` in
/// the message (the file name is always checked).
void expect_error(const std::string& text, status::code code,
                  const std::vector<std::string>& parts) {
  scratch_dir dir;
  const std::string path = dir.file("bad.csv");
  write_text(path, text);
  std::vector<std::string> named{path};
  named.insert(named.end(), parts.begin(), parts.end());
  actors::test::check_error(read_small(path), code, named);
}

const char* header = "label,pixel0,pixel1,pixel2,pixel3\n";

} // namespace

TEST_CASE("data.csv: write_csv then read_csv returns the same data") {
  scratch_dir dir;
  dataset d = shaped(40, 3, 5, 2, 7);
  for (std::size_t i = 0; i < d.rows * d.features(); ++i)
    d.pixels.push_back(static_cast<std::uint8_t>((i * 29) % 256));
  for (std::size_t r = 0; r < d.rows; ++r)
    d.labels.push_back(static_cast<std::uint8_t>(r % 7));
  REQUIRE(actors::write_csv(d, dir.file("d.csv")).is_ok());
  auto r = actors::read_csv(dir.file("d.csv"), 3, 5, 2, 7);
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(r->rows == d.rows);
  CHECK(r->features() == d.features());
  CHECK(r->classes == 7);
  CHECK(r->pixels == d.pixels);
  CHECK(r->labels == d.labels);

  std::ifstream f{dir.file("d.csv")};
  std::string first;
  std::getline(f, first);
  CHECK(first.rfind("label,pixel0,pixel1,", 0) == 0);
  CHECK(contains(first, ",pixel29"));
  CHECK_FALSE(contains(first, ",pixel30"));
}

TEST_CASE("data.csv: header and headerless files give equal data") {
  scratch_dir dir;
  const std::string rows = "3,0,255,17,4\n9,1,2,3,250\n0,0,0,0,0\n";
  write_text(dir.file("with.csv"), header + rows);
  write_text(dir.file("without.csv"), rows);
  auto a = read_small(dir.file("with.csv"));
  auto b = read_small(dir.file("without.csv"));
  REQUIRE_MESSAGE(a.has_value(), why(a));
  REQUIRE_MESSAGE(b.has_value(), why(b));
  CHECK(a->rows == 3);
  CHECK(b->rows == 3);
  CHECK(a->pixels == b->pixels);
  CHECK(a->labels == b->labels);
  CHECK(a->labels == std::vector<std::uint8_t>{3, 9, 0});
  CHECK(a->pixels
        == std::vector<std::uint8_t>{0, 255, 17, 4, 1, 2, 3, 250, 0, 0, 0, 0});
}

TEST_CASE("data.csv: decimals round; CRLF, blanks and spaces are accepted") {
  scratch_dir dir;
  // A quoted header, CRLF line ends, blank lines and padded fields.
  write_text(dir.file("f.csv"),
             std::string{"\"label\",\"p0\",\"p1\",\"p2\",\"p3\"\r\n"}
               + "\r\n"
               + "1, 0.4 ,0.5,254.5,2.5e1\r\n"
               + "   \n"
               + "2.0,1e2,+3,0.0,255\r\n"
               + "\n");
  auto r = read_small(dir.file("f.csv"));
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(r->rows == 2);
  CHECK(r->labels == std::vector<std::uint8_t>{1, 2});
  CHECK(r->pixels == std::vector<std::uint8_t>{0, 1, 255, 25, 100, 3, 0, 255});

  // No newline after the last row.
  write_text(dir.file("g.csv"), "5,1,2,3,4");
  auto g = read_small(dir.file("g.csv"));
  REQUIRE_MESSAGE(g.has_value(), why(g));
  CHECK(g->labels == std::vector<std::uint8_t>{5});
}

TEST_CASE("data.csv: a row with too few columns names line and counts") {
  expect_error(std::string{header} + "1,2,3,4,5\n1,2,3,4\n",
               status::code::corruption,
               {"line 3", "found 4 columns", "expected 5"});
}

TEST_CASE("data.csv: a row with too many columns names line and counts") {
  expect_error("1,2,3,4,5\n\n1,2,3,4,5,6,7\n", status::code::corruption,
               {"line 3", "found 7 columns", "expected 5"});
  expect_error("label,a,b\n1,2,3,4,5\n", status::code::corruption,
               {"line 1", "found 3 columns", "header", "expected 5"});
}

TEST_CASE("data.csv: a field that is not a number names line and column") {
  expect_error(std::string{header} + "1,2,3,4,5\n1,2,x7,4,5\n",
               status::code::corruption,
               {"line 3", "column 3", "'x7'", "not a number"});
  expect_error("1,2,3,,5\n", status::code::corruption,
               {"line 1", "column 4", "not a number"});
  expect_error("1,2,3,nan,5\n", status::code::corruption,
               {"line 1", "column 4", "not a number"});
  expect_error("1,2,3,4,5\n7e,2,3,4,5\n", status::code::corruption,
               {"line 2", "column 1", "not a number", "label"});
}

TEST_CASE("data.csv: a label out of range names line, record and value") {
  expect_error(std::string{header} + "1,2,3,4,5\n2,0,0,0,0\n12,0,0,0,0\n",
               status::code::corruption,
               {"line 4", "record 2", "label '12'", "0..9"});
  expect_error("-1,0,0,0,0\n", status::code::corruption,
               {"line 1", "record 0", "label '-1'"});
  expect_error("1.5,0,0,0,0\n", status::code::corruption,
               {"line 1", "label '1.5'", "integer"});
}

TEST_CASE("data.csv: a pixel out of range names line and column") {
  expect_error("1,2,3,4,5\n1,0,256,0,0\n", status::code::corruption,
               {"line 2", "column 3", "'256'", "0..255"});
  expect_error("1,0,0,-0.6,0\n", status::code::corruption,
               {"line 1", "column 4", "'-0.6'"});
}

TEST_CASE("data.csv: an empty file is corruption at line 1") {
  expect_error("", status::code::corruption, {"line 1", "empty"});
  expect_error("\n\n", status::code::corruption, {"line 1", "empty"});
  expect_error(header, status::code::corruption, {"line 2", "no data rows"});
}

TEST_CASE("data.csv: a missing file is not_found and named") {
  scratch_dir dir;
  auto r = read_small(dir.file("absent.csv"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().error_code() == status::code::not_found);
  CHECK(contains(r.error().message(), dir.file("absent.csv")));

  auto d = read_small(dir.path.string());
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().error_code() == status::code::io_error);
}

TEST_CASE("data.csv: a line longer than the read buffer is parsed whole") {
  // 600x600 pixels of "255," is 1.4 MB on one line, more than one read.
  scratch_dir dir;
  std::string line = "4";
  for (int i = 0; i < 600 * 600; ++i)
    line += ",255";
  write_text(dir.file("wide.csv"), line + "\n" + line + "\n");
  auto r = actors::read_csv(dir.file("wide.csv"), 600, 600, 1, 10);
  REQUIRE_MESSAGE(r.has_value(), why(r));
  CHECK(r->rows == 2);
  CHECK(r->pixels.size() == 2 * 600 * 600);
  CHECK(r->pixels.back() == 255);
}
