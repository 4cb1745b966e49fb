// libFuzzer entry point of one target; CMake compiles this file once per
// target with ACTORS_FUZZ_TARGET naming its function in fuzz_targets.hpp.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  actors::fuzz::ACTORS_FUZZ_TARGET(data, size);
  return 0;
}
