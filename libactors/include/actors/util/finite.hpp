// finite: whether a model-sized vector holds only finite values, the check a
// parameter server makes on every commit before applying it.
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

} // namespace actors
