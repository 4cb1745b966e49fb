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

} // namespace actors::detail
