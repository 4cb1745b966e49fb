// half: IEEE 754 binary16 conversion for model-sized buffers on the wire
// (the fp16 codec, src/wire/fp16.cpp), which halves the bytes of every
// exchange between nodes. Rounding is to nearest, ties to even, as the F16C
// instructions do; the scalar path gives the same bits on CPUs without them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace actors {

/// Largest finite binary16 value.
constexpr float half_max = 65504.0f;

/// Converts n floats to binary16. Finite values beyond +-65504 saturate to
/// +-65504 rather than becoming infinite; infinities and NaNs are kept, so a
/// diverged payload is still refused by the server's finiteness check.
void floats_to_half(const float* in, std::size_t n, std::uint16_t* out);

/// Converts n binary16 values to floats (exact).
void half_to_floats(const std::uint16_t* in, std::size_t n, float* out);

/// One value through the portable path (tests compare it with F16C).
std::uint16_t float_to_half_scalar(float f);
float half_to_float_scalar(std::uint16_t h);

} // namespace actors
