// fp16: IEEE binary16 (util/half, round to nearest even, F16C where the CPU
// has it): half the bytes, ~3 significant digits. Whole commits and whole
// centres, rounded by the wire; no state on either side.
#include <vector>

#include "actors/util/coding.hpp"
#include "actors/util/finite.hpp"
#include "actors/util/half.hpp"
#include "actors/wire/codec.hpp"

namespace actors::wire {

namespace {

// Per-thread scratch: the middleman's thread serializes every outgoing
// message, so this allocates once per thread.
std::vector<std::uint16_t>& scratch(std::size_t n) {
  thread_local std::vector<std::uint16_t> halves;
  halves.resize(n);
  return halves;
}

class fp16 final : public codec {
public:
  std::string_view name() const override { return "fp16"; }
  std::uint8_t format() const override { return 1; }
  std::optional<std::size_t> fixed_bytes(std::size_t n) const override {
    return 2 * n;
  }

  void write(const float* values, std::size_t n, char* out) const override {
    auto& halves = scratch(n);
    floats_to_half(values, n, halves.data());
    encode_u16s(out, halves.data(), n);
  }

  bool read(const char* in, std::size_t size, std::size_t n,
            float* values) const override {
    if (size != *fixed_bytes(n))
      return false;
    auto& halves = scratch(n);
    decode_u16s(in, n, halves.data());
    half_to_floats(halves.data(), n, values);
    return true;
  }

  void round(float* values, std::size_t n) const override {
    auto& halves = scratch(n);
    floats_to_half(values, n, halves.data());
    half_to_floats(halves.data(), n, values);
  }

  // A half widens to an infinity or a NaN iff its exponent bits are all ones.
  bool finite(const char* in, std::size_t size, std::size_t n) const override {
    return size == *fixed_bytes(n) && all_finite_f16_bytes(in, n);
  }
};

} // namespace

const codec& fp16_codec() {
  static const fp16 instance;
  return instance;
}

} // namespace actors::wire
