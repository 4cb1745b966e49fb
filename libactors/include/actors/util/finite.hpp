// finite: whether a model-sized vector holds only finite values, the check a
// parameter server makes on every commit before applying it: on its values,
// or on IEEE values still in their little-endian bytes (the wire codecs'
// fp32 and fp16, wire/codec.hpp's codec::finite), with nothing decoded.
//
// A branch-free reduction over the IEEE bits (an exponent of all ones is an
// infinity or a NaN), which the compiler vectorises, instead of a loop that
// stops at the first non-finite value and runs one value at a time: the
// answer is the same, a commit that passes is read in full either way.
// Pure; safe from any thread.
#pragma once

#include <cstddef>

namespace actors {

/// True if none of the n values at `v` is an infinity or a NaN.
bool all_finite(const float* v, std::size_t n);

/// True if none of the n binary32 values stored little-endian in the 4n
/// bytes at `bytes` (any alignment) is an infinity or a NaN: all_finite of
/// what decode_floats (util/coding) would read from them.
bool all_finite_f32_bytes(const char* bytes, std::size_t n);

/// True if none of the n binary16 values stored little-endian in the 2n
/// bytes at `bytes` is an infinity or a NaN (exponent bits 10-14 all
/// ones): all_finite of what util/half would widen them to.
bool all_finite_f16_bytes(const char* bytes, std::size_t n);

} // namespace actors
