// Replays the fuzzers' inputs in the regular build: every seed of
// tests/fuzz/corpus/<target>/ must be accepted (they are valid files), and
// every input under tests/fuzz/regressions/<target>/ (each once crashed a
// fuzzer) must now be refused (an error, not a crash, leak or sanitizer
// report), and there must be such inputs to replay.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_targets.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator{dir})
      if (e.is_regular_file() && e.path().filename().string().front() != '.')
        out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> slurp(const fs::path& path) {
  std::ifstream f{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{f}, std::istreambuf_iterator<char>{}};
}

const fs::path fuzz_dir = fs::path{ACTORS_SOURCE_DIR} / "tests" / "fuzz";

} // namespace

TEST_CASE("fuzz corpora: every seed is a valid input of its target") {
  for (const auto& t : actors::fuzz::targets()) {
    const auto seeds = files_in(fuzz_dir / "corpus" / t.name);
    CAPTURE(t.name);
    CHECK(seeds.size() >= 2);
    for (const auto& seed : seeds) {
      CAPTURE(seed.string());
      const auto bytes = slurp(seed);
      CHECK(t.run(bytes.data(), bytes.size()));
    }
  }
}

TEST_CASE("fuzz regressions: inputs that once crashed are refused") {
  // Each stored input once crashed its fuzzer by being malformed (a shape or
  // parameter count that overflows, ...): the fixed parser must now return
  // an error for it, not merely return. Replaying nothing tests nothing.
  std::size_t replayed = 0;
  for (const auto& t : actors::fuzz::targets()) {
    CAPTURE(t.name);
    for (const auto& input : files_in(fuzz_dir / "regressions" / t.name)) {
      CAPTURE(input.string());
      const auto bytes = slurp(input);
      CHECK_FALSE(t.run(bytes.data(), bytes.size()));
      ++replayed;
    }
  }
  MESSAGE("replayed " << replayed << " regression inputs");
  CHECK(replayed > 0);
}
