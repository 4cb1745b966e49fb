// quantize: 8-bit block quantization for exchanges between nodes
// (the int8 codec, src/wire/int8.cpp): a quarter of the bytes of fp32.
//
// Values go in blocks of 256, each with one scale, a power of two chosen so
// that the block's largest magnitude fits in [-127, 127] steps. Powers of two
// make the code exact and idempotent: a decoded block encodes to the same
// bytes again, so a sender can round its values first (round_int8), keep the
// rounding error for its next message (error feedback), and know that the
// receiver decodes exactly the values it kept.
#pragma once

#include <cstddef>
#include <cstdint>

namespace actors {

/// Values per scale.
constexpr std::size_t int8_block = 256;

/// Number of blocks (and scales) for n values.
constexpr std::size_t int8_blocks(std::size_t n) {
  return (n + int8_block - 1) / int8_block;
}

/// Bytes of n values encoded: a float scale per block and a byte per value.
constexpr std::size_t int8_bytes(std::size_t n) {
  return int8_blocks(n) * sizeof(float) + n;
}

/// Encodes n values into int8_blocks(n) scales and n codes. Each value
/// becomes the nearest multiple of its block's scale (ties to even).
/// A block holding a NaN or an infinity gets a NaN scale and decodes to NaN,
/// so a diverged payload is still refused by the receiver's finiteness check.
void encode_int8(const float* in, std::size_t n, float* scales, std::int8_t* codes);

/// Decodes what encode_int8 wrote: value = scale * code, exact.
void decode_int8(const float* scales, const std::int8_t* codes, std::size_t n,
                 float* out);

/// Replaces each value by what it decodes to after encoding: the values a
/// receiver of encode_int8's output sees.
void round_int8(float* values, std::size_t n);

/// Whether decode_int8 writes only finite values for these int8_blocks(n)
/// scales and n codes, found from the scales alone wherever they tell.
/// Exact: decode_int8 writes s * c (one float multiplication) for a block's
/// scale s and each of its codes c, so the block decodes finite iff s is
/// finite and |s| * m is (rounded as float), m the largest |c| in it. A
/// code is a byte, m <= 128 (encode_int8 writes |c| <= 127, a received
/// -128 decodes too), so a block with |s| <= FLT_MAX / 128 = (2 - 2^-23)
/// 2^120 ~ 2.66e36 passes on its scale (128 |s| is exact, <= FLT_MAX);
/// only a block with a larger finite scale has its codes read. (|s| * 127
/// finite would not do: s = 2^121 gives 127 s ~ 3.38e38, yet the code -128
/// decodes to -2^128 = -inf.) encode_int8's scales above the bound: 2^121
/// (codes up to 127 decode finite) and 2^122, for a block whose largest
/// magnitude exceeds 127 * 2^121 ~ 3.38e38, whose code then rounds to 64
/// and decodes to 2^128 = inf: such a block fails, as its decoded values
/// would.
bool int8_finite(const float* scales, const std::int8_t* codes, std::size_t n);

} // namespace actors
