// int8: 8-bit codes with a power-of-two scale per 256 values (util/quantize):
// ~a quarter of the bytes. Bytes: the block scales (float32), then one code
// per value. The code is idempotent, so a sender that rounds first knows
// exactly what the receiver reads: commits use error feedback, centres go as
// deltas against the server's view of each worker's copy. Whether a coding
// reads as finite values is told by its block scales, a block's codes read
// only under a scale above FLT_MAX / 128 (util/quantize's int8_finite).
#include <cstring>
#include <vector>

#include "actors/util/coding.hpp"
#include "actors/util/quantize.hpp"
#include "actors/wire/codec.hpp"

namespace actors::wire {

namespace {

// The int8_blocks(n) block scales at the front of a coding of n values,
// decoded into per-thread scratch.
const float* scales_of(const char* in, std::size_t n) {
  thread_local std::vector<float> scales;
  scales.resize(int8_blocks(n));
  decode_floats(in, scales.size(), scales.data());
  return scales.data();
}

// The n codes after them.
const std::int8_t* codes_of(const char* in, std::size_t n) {
  return reinterpret_cast<const std::int8_t*>(in + 4 * int8_blocks(n));
}

class int8 final : public feedback_codec {
public:
  std::string_view name() const override { return "int8"; }
  std::uint8_t format() const override { return 2; }
  std::optional<std::size_t> fixed_bytes(std::size_t n) const override {
    return int8_bytes(n);
  }

  void write(const float* values, std::size_t n, char* out) const override {
    thread_local std::vector<float> scales;
    scales.resize(int8_blocks(n));
    // The codes go straight to their place after the scales.
    auto* codes = reinterpret_cast<std::int8_t*>(out + 4 * scales.size());
    encode_int8(values, n, scales.data(), codes);
    encode_floats(out, scales.data(), scales.size());
  }

  bool read(const char* in, std::size_t size, std::size_t n,
            float* values) const override {
    if (size != *fixed_bytes(n))
      return false;
    decode_int8(scales_of(in, n), codes_of(in, n), n, values);
    return true;
  }

  // The block scales (16 KB for 1M values); a block's codes only under a
  // scale above FLT_MAX / 128 (util/quantize's int8_finite).
  bool finite(const char* in, std::size_t size, std::size_t n) const override {
    return size == *fixed_bytes(n) && int8_finite(scales_of(in, n), codes_of(in, n), n);
  }

  void round(float* values, std::size_t n) const override {
    round_int8(values, n);
  }

  std::size_t block_values() const override { return int8_block; }

  void write_run(const float* run, std::size_t first, std::size_t count,
                 std::size_t n, char* out) const override {
    thread_local std::vector<float> scales;
    scales.resize(int8_blocks(count));
    auto* codes = reinterpret_cast<std::int8_t*>(out + 4 * int8_blocks(n) + first);
    encode_int8(run, count, scales.data(), codes);
    encode_floats(out + 4 * (first / int8_block), scales.data(), scales.size());
  }

  void read_run(const char* in, std::size_t n, std::size_t first, std::size_t count,
                float* run) const override {
    thread_local std::vector<float> scales;
    scales.resize(int8_blocks(count));
    decode_floats(in + 4 * (first / int8_block), scales.size(), scales.data());
    decode_int8(scales.data(),
                reinterpret_cast<const std::int8_t*>(in + 4 * int8_blocks(n) + first),
                count, run);
  }
};

} // namespace

const codec& int8_codec() {
  static const int8 instance;
  return instance;
}

} // namespace actors::wire
