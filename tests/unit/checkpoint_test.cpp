// Tests for the checkpoint file format and store: exact round trips, every
// kind of damaged file refused with a message naming the file and the fault,
// fallback to an older checkpoint, keep-N pruning and stale temporary files.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "actors/train/checkpoint.hpp"
#include "actors/util/crc32.hpp"

#include "scratch_dir.hpp"

namespace fs = std::filesystem;
using actors::checkpoint;
using actors::checkpoint_store;
using actors::status;

namespace {

using actors::test::scratch_dir;

/// A checkpoint with every kind of field, including awkward values.
checkpoint sample(std::uint64_t sequence = 42) {
  checkpoint c;
  c.sequence = sequence;
  c.meta["trainer"] = "adag";
  c.meta["spec"] = "input height=28 width=28 channels=1\ndense units=10\n";
  c.meta[""] = "";
  c.meta[std::string("bin\0key", 7)] = std::string("\0\xff\x01", 3);
  c.tensors["center"] = {1.5f, -0.0f, std::numeric_limits<float>::infinity(),
                         std::numeric_limits<float>::denorm_min(), -3e38f,
                         static_cast<float>(sequence)};
  c.tensors["adam.m"] = {};
  c.counters["commits"] = {sequence * 7};
  c.counters["batches"] = {0, 1, std::numeric_limits<std::uint64_t>::max()};
  c.counters["empty"] = {};
  return c;
}

std::string slurp(const std::string& path) {
  std::ifstream f{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{f}, std::istreambuf_iterator<char>{}};
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream f{path, std::ios::binary | std::ios::trunc};
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void put_le(std::string& s, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

std::uint32_t get_le32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

/// Rewrites the total length and the CRC so that only the payload is wrong.
void reseal(std::string& s) {
  put_le(s, 12, s.size(), 8);
  put_le(s, s.size() - 4, actors::crc32_of(s.data(), s.size() - 4), 4);
}

/// A minimal file: header, sequence 7, then `body` (maps), then the CRC.
std::string handmade(const std::string& body) {
  std::string s{"ACTCKPT\0", 8};
  s += std::string(4 + 8 + 8, '\0');
  put_le(s, 8, 1, 4);
  put_le(s, 20, 7, 8);
  s += body;
  s += std::string(4, '\0');
  reseal(s);
  return s;
}

std::string le32(std::uint32_t v) {
  std::string s(4, '\0');
  put_le(s, 0, v, 4);
  return s;
}

std::string le64(std::uint64_t v) {
  std::string s(8, '\0');
  put_le(s, 0, v, 8);
  return s;
}

std::string decode_error(const std::string& bytes) {
  auto r = actors::decode_checkpoint(bytes.data(), bytes.size(), "f.bin");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().error_code() == status::code::corruption);
  CHECK(r.error().message().rfind("f.bin: ", 0) == 0);
  return r.error().message();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("checkpoint: round trip through a file is exact, bit for bit") {
  scratch_dir dir;
  const checkpoint c = sample();
  const std::string path = dir.file("c.bin");
  REQUIRE(actors::write_checkpoint(path, c).is_ok());
  auto back = actors::read_checkpoint(path);
  REQUIRE_MESSAGE(back.has_value(), back.error().message());
  CHECK(*back == c);
  // -0.0f == 0.0f, so compare the float bits too.
  const auto& a = c.tensors.at("center");
  const auto& b = back->tensors.at("center");
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
  CHECK(std::signbit(b[1]));
  CHECK_FALSE(fs::exists(path + ".tmp"));

  checkpoint nan;
  nan.tensors["x"] = {std::numeric_limits<float>::quiet_NaN()};
  REQUIRE(actors::write_checkpoint(path, nan).is_ok());
  back = actors::read_checkpoint(path);
  REQUIRE(back.has_value());
  CHECK(std::isnan(back->tensors.at("x")[0]));

  // An empty checkpoint has a fixed size: 20 header + 8 + 3 x 4 + 4 CRC.
  CHECK(actors::encode_checkpoint(checkpoint{}).size() == 44);
}

TEST_CASE("checkpoint: the layout is little-endian with the length in the header") {
  const std::string s = actors::encode_checkpoint(sample(0x0102030405060708ull));
  CHECK(s.compare(0, 8, std::string("ACTCKPT\0", 8)) == 0);
  CHECK(get_le32(s, 8) == 1);
  CHECK(get_le32(s, 12) == s.size());
  CHECK(get_le32(s, 16) == 0);
  CHECK(static_cast<unsigned char>(s[20]) == 0x08);
  CHECK(static_cast<unsigned char>(s[27]) == 0x01);
  CHECK(get_le32(s, s.size() - 4) == actors::crc32_of(s.data(), s.size() - 4));
}

TEST_CASE("checkpoint: a flipped byte anywhere is refused with the region's message") {
  const std::string good = actors::encode_checkpoint(sample());
  const std::size_t crc_at = good.size() - 4;
  for (std::size_t i = 0; i < good.size(); ++i) {
    CAPTURE(i);
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    const std::string msg = decode_error(bad);
    if (i < 8) {
      CHECK(contains(msg, "not a checkpoint file"));
    } else if (i < 12) {
      CHECK(contains(msg, "format version " + std::to_string(get_le32(bad, 8))));
    } else if (i < 20) {
      CHECK((contains(msg, "truncated at byte")
             || contains(msg, "unexpected bytes after the declared end")
             || contains(msg, "less than the smallest checkpoint")));
    } else {
      const std::uint32_t stored = get_le32(bad, crc_at);
      const std::uint32_t computed = actors::crc32_of(bad.data(), crc_at);
      char expected[80];
      std::snprintf(expected, sizeof expected,
                    "f.bin: checksum mismatch (stored 0x%08x, computed 0x%08x)",
                    static_cast<unsigned>(stored), static_cast<unsigned>(computed));
      CHECK(msg == expected);
    }
  }
}

TEST_CASE("checkpoint: a file truncated at any offset is refused") {
  const std::string good = actors::encode_checkpoint(sample());
  CHECK(decode_error("") == "f.bin: empty file, expected a checkpoint");
  for (std::size_t n = 1; n < good.size(); ++n) {
    CAPTURE(n);
    const std::string msg = decode_error(good.substr(0, n));
    if (n < 20)
      CHECK(msg == "f.bin: truncated at byte " + std::to_string(n)
                     + " of the 20-byte header");
    else
      CHECK(msg == "f.bin: truncated at byte " + std::to_string(n) + " of "
                     + std::to_string(good.size()));
  }
  CHECK(decode_error(good + "x")
        == "f.bin: 1 unexpected bytes after the declared end at byte "
             + std::to_string(good.size()));
}

TEST_CASE("checkpoint: wrong magic and unknown versions are refused") {
  std::string s = actors::encode_checkpoint(sample());
  std::string other = s;
  std::memcpy(&other[0], "actors-m", 8);
  CHECK(decode_error(other)
        == "f.bin: not a checkpoint file (starts with 6163746f72732d6d, "
           "expected the magic \"ACTCKPT\\0\")");
  CHECK(contains(decode_error("PK\x03\x04"), "starts with 504b0304"));
  put_le(s, 8, 2, 4);
  reseal(s);
  CHECK(decode_error(s) == "f.bin: format version 2, this build reads version 1");
}

TEST_CASE("checkpoint: length fields beyond the data are refused, not allocated") {
  // Each file has a valid CRC, so only the bounds checks stand in the way.
  const std::string empty_maps = le32(0) + le32(0) + le32(0);
  REQUIRE(actors::decode_checkpoint(handmade(empty_maps).data(),
                                    handmade(empty_maps).size(), "f.bin")
            .has_value());

  CHECK(decode_error(handmade(le32(0xffffffff) + le32(0) + le32(0)))
        == "f.bin: at byte 28: 4294967295 meta entries need at least 51539607540 "
           "bytes but only 8 remain before the checksum");
  const std::string huge_tensor =
    le32(0) + le32(1) + le32(1) + "c" + le64(std::uint64_t{1} << 61) + le32(0);
  CHECK(decode_error(handmade(huge_tensor))
        == "f.bin: at byte 41: tensor 'c' declares 2305843009213693952 elements "
           "of 4 bytes but only 4 bytes remain before the checksum");
  const std::string wrapping =
    le32(0) + le32(0) + le32(1) + le32(1) + "n" + le64(~std::uint64_t{0} / 4);
  CHECK(contains(decode_error(handmade(wrapping)), "counter 'n' declares"));
  const std::string long_key = le32(1) + le32(0xfffffff0) + le64(0) + le32(0) + le32(0);
  CHECK(decode_error(handmade(long_key))
        == "f.bin: at byte 32: a meta name declares 4294967280 bytes but only 16 "
           "remain before the checksum");
  CHECK(decode_error(handmade(le32(0) + le32(1) + le32(0) + le64(0)))
        == "f.bin: at byte 48: the counter count needs 4 bytes but only 0 remain "
           "before the checksum");
  CHECK(decode_error(handmade(empty_maps + "zz"))
        == "f.bin: 2 unparsed bytes at byte 40 before the checksum");
  CHECK(decode_error(std::string("ACTCKPT\0", 8) + le32(1) + le64(10))
        == "f.bin: the header declares 10 bytes, less than the smallest "
           "checkpoint (44)");
}

TEST_CASE("checkpoint: duplicate names are refused") {
  const std::string t = le32(1) + "a" + le64(1) + le32(0x3f800000);
  CHECK(decode_error(handmade(le32(0) + le32(2) + t + t + le32(0)))
        == "f.bin: at byte 53: duplicate tensor 'a'");
  const std::string m = le32(1) + "k" + le64(0);
  CHECK(contains(decode_error(handmade(le32(2) + m + m + le32(0) + le32(0))),
                 "duplicate meta key 'k'"));
}

TEST_CASE("checkpoint: missing and unwritable files") {
  scratch_dir dir;
  auto r = actors::read_checkpoint(dir.file("none.bin"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().error_code() == status::code::not_found);
  CHECK(contains(r.error().message(), "none.bin: no such file"));
  const status st = actors::write_checkpoint(dir.file("no/such/dir/c.bin"), sample());
  CHECK(st.error_code() == status::code::io_error);
  CHECK(contains(st.message(), "c.bin.tmp: cannot create"));
}

TEST_CASE("checkpoint_store: names, keep-N pruning and the newest checkpoint") {
  scratch_dir dir;
  CHECK(checkpoint_store::file_name(42) == "ckpt-0000000042.bin");
  checkpoint_store store{dir.file("ckpt"), {3}};
  for (std::uint64_t seq = 1; seq <= 5; ++seq)
    REQUIRE(store.save(sample(seq)).is_ok());
  auto files = store.list();
  REQUIRE(files.has_value());
  CHECK(*files == std::vector<std::string>{dir.file("ckpt/ckpt-0000000003.bin"),
                                           dir.file("ckpt/ckpt-0000000004.bin"),
                                           dir.file("ckpt/ckpt-0000000005.bin")});
  auto latest = store.load_latest();
  REQUIRE_MESSAGE(latest.has_value(), latest.error().message());
  CHECK(latest->value == sample(5));
  CHECK(latest->path == dir.file("ckpt/ckpt-0000000005.bin"));
  CHECK(latest->refused.empty());

  // Sequences beyond ten digits still sort by number, not by name.
  REQUIRE(store.save(sample(12345678901ull)).is_ok());
  latest = store.load_latest();
  REQUIRE(latest.has_value());
  CHECK(latest->value.sequence == 12345678901ull);
  CHECK(store.list()->size() == 3);
  CHECK(store.list()->front() == dir.file("ckpt/ckpt-0000000004.bin"));

  checkpoint_store one{dir.file("one"), {1}};
  for (std::uint64_t seq = 10; seq < 13; ++seq)
    REQUIRE(one.save(sample(seq)).is_ok());
  CHECK(*one.list() == std::vector<std::string>{dir.file("one/ckpt-0000000012.bin")});

  checkpoint_store none{dir.file("zero"), {0}};
  CHECK(none.save(sample()).error_code() == status::code::invalid_argument);
}

TEST_CASE("checkpoint_store: a corrupt newest checkpoint falls back to the previous") {
  scratch_dir dir;
  checkpoint_store store{dir.path.string()};
  for (std::uint64_t seq = 1; seq <= 3; ++seq)
    REQUIRE(store.save(sample(seq)).is_ok());
  const std::string p3 = dir.file("ckpt-0000000003.bin");
  const std::string p2 = dir.file("ckpt-0000000002.bin");

  std::string bytes = slurp(p3);
  bytes[bytes.size() / 2] ^= 1;
  spit(p3, bytes);
  auto latest = store.load_latest();
  REQUIRE(latest.has_value());
  CHECK(latest->value == sample(2));
  CHECK(latest->path == p2);
  REQUIRE(latest->refused.size() == 1);
  CHECK(latest->refused[0].path == p3);
  CHECK(contains(latest->refused[0].reason, p3 + ": checksum mismatch (stored 0x"));

  const std::string full2 = slurp(p2);
  spit(p2, full2.substr(0, 100));
  latest = store.load_latest();
  REQUIRE(latest.has_value());
  CHECK(latest->value == sample(1));
  REQUIRE(latest->refused.size() == 2);
  CHECK(latest->refused[1].reason
        == p2 + ": truncated at byte 100 of " + std::to_string(full2.size()));

  // A file renamed to another sequence is refused too.
  spit(dir.file("ckpt-0000000009.bin"), slurp(dir.file("ckpt-0000000001.bin")));
  latest = store.load_latest();
  REQUIRE(latest.has_value());
  CHECK(latest->value.sequence == 1);
  REQUIRE(latest->refused.size() == 3);
  CHECK(contains(latest->refused[0].reason, "holds sequence 1 but its name says 9"));

  spit(dir.file("ckpt-0000000001.bin"), "");
  auto none = store.load_latest();
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().error_code() == status::code::corruption);
  CHECK(contains(none.error().message(), "none of the 4 checkpoint files is valid"));
  CHECK(contains(none.error().message(), "ckpt-0000000001.bin: empty file"));
}

TEST_CASE("checkpoint_store: missing or empty directories are not_found") {
  scratch_dir dir;
  auto r = checkpoint_store{dir.file("absent")}.load_latest();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().error_code() == status::code::not_found);
  CHECK(r.error().message() == dir.file("absent") + ": no such checkpoint directory");
  spit(dir.file("notes.txt"), "hello");
  spit(dir.file("ckpt-abc.bin"), "x");
  r = checkpoint_store{dir.path.string()}.load_latest();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().error_code() == status::code::not_found);
  CHECK(contains(r.error().message(), "no checkpoint files"));
}

TEST_CASE("checkpoint_store: a temporary file left by a crash is ignored, then cleaned") {
  scratch_dir dir;
  checkpoint_store store{dir.path.string(), {2}};
  REQUIRE(store.save(sample(1)).is_ok());
  const std::string stale = dir.file("ckpt-0000000002.bin.tmp");
  spit(stale, actors::encode_checkpoint(sample(2)).substr(0, 30));
  auto latest = store.load_latest();
  REQUIRE(latest.has_value());
  CHECK(latest->value.sequence == 1);
  CHECK(latest->refused.empty());
  CHECK(store.list()->size() == 1);

  REQUIRE(store.save(sample(3)).is_ok());
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(dir.file("ckpt-0000000001.bin")));
  CHECK(fs::exists(dir.file("ckpt-0000000003.bin")));
}
