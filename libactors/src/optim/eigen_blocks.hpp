// The fixed-size Eigen arrays the update rules compute in, one block of
// optimizer::block_size floats (see optimizer::for_each_block), and views of
// one inside a buffer. Private to the library (only the rules' sources
// include it): the public headers stay free of Eigen.
#pragma once

// GCC 12's _mm512_undefined_ps trips -Wuninitialized once Eigen's AVX-512
// sqrt is inlined here (GCC bug 105593); the warning is spurious.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#pragma GCC diagnostic pop

#include "actors/optim/optimizer.hpp"

namespace actors {

using block = Eigen::Array<float, optimizer::block_size, 1>;
using block_map = Eigen::Map<block>;
using const_block_map = Eigen::Map<const block>;

} // namespace actors
