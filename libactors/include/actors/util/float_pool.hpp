// float_pool: model-sized float vectors kept for reuse, one pool per
// process, so that a stream of messages does not allocate, zero and fault in
// a fresh multi-megabyte vector for each message.
//
// Messages between nodes are made on one thread (CAF's middleman
// deserializes them) and dropped on another (the actor that handled them):
// a float_buffer gives its values back here when it dies
// (runtime/protocol), and the deserializer takes the next one's from here,
// already the right size when the model is the same, so nothing is zeroed
// either. Only vectors of at least pooled_floats_min values are kept, at
// most pooled_floats_max of them (a mnist_cnn process keeps 4 x 4 MB at
// most); others are freed as before.
//
// Thread-safe (one mutex, taken twice per message).
#pragma once

#include <cstddef>
#include <vector>

namespace actors {

/// Smallest capacity, in values, the pool keeps.
constexpr std::size_t pooled_floats_min = std::size_t{1} << 16;

/// Most vectors the pool keeps at once.
constexpr std::size_t pooled_floats_max = 4;

/// A vector of n values, contents unspecified: a kept one whose capacity
/// holds n (the smallest such) if there is one, else a new one.
std::vector<float> take_floats(std::size_t n);

/// Keeps `v` for a later take_floats if its capacity is at least
/// pooled_floats_min and the pool holds fewer than pooled_floats_max;
/// otherwise frees it. `v` is left empty either way.
void give_floats(std::vector<float>&& v);

/// Vectors kept now (for tests).
std::size_t pooled_floats();

} // namespace actors
