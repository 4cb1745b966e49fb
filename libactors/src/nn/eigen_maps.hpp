// Row-major Eigen views over raw float buffers, shared by the layers. Private
// to the library: the public headers stay free of Eigen.
#pragma once

#include <Eigen/Core>

namespace actors::detail {

using row_matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using matrix_map = Eigen::Map<row_matrix>;
using const_matrix_map = Eigen::Map<const row_matrix>;
using strided_map = Eigen::Map<row_matrix, 0, Eigen::OuterStride<>>;
using const_strided_map = Eigen::Map<const row_matrix, 0, Eigen::OuterStride<>>;
using vector_map = Eigen::Map<Eigen::VectorXf>;
using row_vector_map = Eigen::Map<Eigen::RowVectorXf>;
using const_row_vector_map = Eigen::Map<const Eigen::RowVectorXf>;

/// Glorot-uniform limit for a kernel with these fans (Keras's default).
inline float glorot_limit(std::size_t fan_in, std::size_t fan_out) {
  return std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
}

} // namespace actors::detail
