// sign: one bit per value and one scale per block of 256 values, the
// scaled sign of signSGD with error feedback (Karimireddy, Rebjock, Stich,
// Jaggi 2019, "Error Feedback Fixes SignSGD and other Gradient Compression
// Schemes", ICML: EF-signSGD sends (||x||_1 / d) sign(x)), taken per block
// as 1-bit SGD quantizes per column (Seide, Fu, Droppo, Li, Yu 2014, "1-Bit
// Stochastic Gradient Descent and its Application to Data-Parallel
// Distributed Training of Speech DNNs", Interspeech).
//
// Rounding, block b of m values x_i (256; the last block n mod 256 if
// that is shorter):
//   s_b = (1/m) sum_i |x_i|                 mean magnitude, summed in double
//   x_i -> -s_b if x_i < 0 and s_b > 0, else +s_b
// Idempotent: a rounded block has |x_i| = s_b everywhere, and its mean is
// s_b again exactly (m s_b is exact in double), so a sender that rounds
// knows what the receiver reads. A block holding a NaN or an infinity gets a
// NaN or infinite scale, refused by the receiver's finiteness check, which
// reads the scales only (codec::finite): every value is +-s of its block.
//
// Bytes for n values, B = ceil(n / 256) blocks, little-endian:
//   [0, 4B)                  s_0 .. s_{B-1}, float32
//   [4B, 4B + ceil(n / 8))   the signs: bit (i mod 8) of byte 4B + i / 8 is 1
//                            when value i reads as -s; the last byte's unused
//                            high bits are 0
// mnist_cnn (n = 1,048,853): 16,392 + 131,107 = 147,499 bytes, 0.1406 bytes
// per value (fp32: 4, int8: 1.016). A negative scale or a set padding bit
// is refused.
//
// Commits use error feedback (error_feedback_commits), centres go as deltas
// against the server's view of each worker's copy (delta_centres), as
// int8's do.
#include <algorithm>
#include <cmath>
#include <limits>

#include "actors/util/coding.hpp"
#include "actors/wire/codec.hpp"

namespace actors::wire {

namespace {

constexpr std::size_t block = 256;

constexpr std::size_t blocks(std::size_t n) {
  return (n + block - 1) / block;
}

// The bytes of n values: the scales, then the signs.
constexpr std::size_t coded_size(std::size_t n) {
  return 4 * blocks(n) + (n + 7) / 8;
}

// s_b of the m values at p.
float block_scale(const float* p, std::size_t m) {
  double sum = 0;
  for (std::size_t i = 0; i < m; ++i)
    sum += std::fabs(static_cast<double>(p[i]));
  return static_cast<float>(sum / static_cast<double>(m));
}

// Whether `size` bytes can be a coding of n values: their number, and the
// last byte's unused high bits 0 (the scales are checked as they are read).
bool framed(const char* in, std::size_t size, std::size_t n) {
  if (size != coded_size(n))
    return false;
  const auto* bits = reinterpret_cast<const unsigned char*>(in + 4 * blocks(n));
  return n % 8 == 0 || (bits[n / 8] >> (n % 8)) == 0;
}

// Whether x goes as -scale; without branches (the signs are random).
unsigned negative(float x, float scale) {
  return static_cast<unsigned>(x < 0) & static_cast<unsigned>(scale > 0);
}

class sign final : public feedback_codec {
public:
  std::string_view name() const override { return "sign"; }
  std::uint8_t format() const override { return 3; }
  std::optional<std::size_t> fixed_bytes(std::size_t n) const override {
    return coded_size(n);
  }

  void write(const float* values, std::size_t n, char* out) const override {
    auto* bits = reinterpret_cast<unsigned char*>(out + 4 * blocks(n));
    for (std::size_t b = 0; b * block < n; ++b) {
      const std::size_t begin = b * block, end = std::min(n, begin + block);
      const float s = block_scale(values + begin, end - begin);
      encode_f32(out + 4 * b, s);
      // A block starts on a byte (256 = 32 * 8): a byte of bits at a time.
      for (std::size_t i = begin; i < end; i += 8) {
        unsigned byte = 0;
        for (std::size_t j = 0; j < 8 && i + j < end; ++j)
          byte |= negative(values[i + j], s) << j;
        bits[i / 8] = static_cast<unsigned char>(byte);
      }
    }
  }

  bool read(const char* in, std::size_t size, std::size_t n,
            float* values) const override {
    if (!framed(in, size, n))
      return false;
    const auto* bits = reinterpret_cast<const unsigned char*>(in + 4 * blocks(n));
    for (std::size_t b = 0; b * block < n; ++b) {
      const float s = decode_f32(in + 4 * b);
      if (s < 0)
        return false;
      const float plus_minus[2] = {s, -s};
      const std::size_t begin = b * block, end = std::min(n, begin + block);
      for (std::size_t i = begin; i < end; i += 8) {
        const unsigned byte = bits[i / 8];
        for (std::size_t j = 0; j < 8 && i + j < end; ++j)
          values[i + j] = plus_minus[(byte >> j) & 1u];
      }
    }
    return true;
  }

  // read() accepts a scale that is not negative (-0 and NaN included) and
  // reads +-s: finite iff every s is in [0, FLT_MAX] (-0 == 0 among them).
  bool finite(const char* in, std::size_t size, std::size_t n) const override {
    if (!framed(in, size, n))
      return false;
    for (std::size_t b = 0; b < blocks(n); ++b) {
      const float s = decode_f32(in + 4 * b);
      if (!(s >= 0 && s <= std::numeric_limits<float>::max()))
        return false;
    }
    return true;
  }

  void round(float* values, std::size_t n) const override {
    for (std::size_t begin = 0; begin < n; begin += block) {
      const std::size_t end = std::min(n, begin + block);
      const float s = block_scale(values + begin, end - begin);
      for (std::size_t i = begin; i < end; ++i)
        values[i] = negative(values[i], s) != 0 ? -s : s;
    }
  }
};

} // namespace

const codec& sign_codec() {
  static const sign instance;
  return instance;
}

} // namespace actors::wire
