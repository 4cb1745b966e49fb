// Tests for the saved-model format: a model saved and loaded back is the
// same bit for bit, its weights are little-endian float32 after the header
// (util/coding), and a flipped weight byte or a cut file is refused.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "actors/nn/model_io.hpp"
#include "actors/nn/model_spec.hpp"
#include "actors/util/coding.hpp"
#include "scratch_dir.hpp"

using namespace actors;

namespace {

const char* tiny_spec = "input height=4 width=4 channels=1\n"
                        "flatten\n"
                        "dense units=3 activation=softmax\n";

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

} // namespace

TEST_CASE("model_io: a saved model loads back bit for bit, its weights "
          "little-endian float32 after the header") {
  test::scratch_dir dir;
  auto m = parse_model_spec(tiny_spec, "tiny");
  REQUIRE(m);
  m->init(7);
  REQUIRE(m->param_count() == 16 * 3 + 3);
  const std::string path = dir.file("tiny.model");
  REQUIRE(save_model(*m, path));
  const std::string bytes = slurp(path);
  const std::size_t weights_at = bytes.size() - 4 * m->param_count();
  CHECK(bytes.compare(weights_at - 1, 1, "\n") == 0);
  for (std::size_t i = 0; i < m->param_count(); ++i)
    CHECK(decode_f32(bytes.data() + weights_at + 4 * i) == m->params()[i]);
  auto back = load_model(path);
  REQUIRE(back);
  REQUIRE(back->param_count() == m->param_count());
  CHECK(std::memcmp(back->params(), m->params(), 4 * m->param_count()) == 0);

  std::string flipped = bytes;
  flipped[weights_at + 5] ^= 0x10;
  std::ofstream{path, std::ios::binary | std::ios::trunc} << flipped;
  auto bad = load_model(path);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("checksum mismatch") != std::string::npos);
  std::ofstream{path, std::ios::binary | std::ios::trunc}
    << bytes.substr(0, bytes.size() - 3);
  auto cut = load_model(path);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().message().find("truncated") != std::string::npos);
}
