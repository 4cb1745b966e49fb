#include "actors/nn/dense.hpp"

#include <fmt/format.h>

#include "actors/util/thread_pool.hpp"
#include "eigen_maps.hpp"

namespace actors {

using namespace detail;

namespace {

// Below this many multiply-adds a parallel loop costs more than it saves.
constexpr std::size_t parallel_threshold = 1 << 16;

} // namespace

dense::dense(std::size_t units, activation act)
  : kernel_layer(fmt::format("dense units={}", units), act), units_(units) {
}

result<shape3> dense::output_for(shape3 input) {
  if (units_ == 0)
    return status::invalid_argument("dense: units must be > 0");
  if (input.h != 1 || input.w != 1)
    return status::invalid_argument(
      fmt::format("dense: expects flat input, got {}x{}x{} (add flatten)",
                  input.h, input.w, input.c));
  inputs_ = input.c;
  shape_parameters(inputs_ * units_, units_, inputs_, units_);
  return shape3{1, 1, units_};
}

void dense::forward(const float* x, float* y, std::size_t n,
                    step_context& ctx) {
  auto columns = [&](std::size_t c0, std::size_t c1, std::size_t) {
    const std::size_t cols = c1 - c0;
    const_matrix_map xm(x, n, inputs_);
    const_strided_map w(w_ + c0, inputs_, cols, Eigen::OuterStride<>(units_));
    strided_map out(y + c0, n, cols, Eigen::OuterStride<>(units_));
    out.noalias() = xm * w;
    out.rowwise() += const_row_vector_map(b_ + c0, cols);
    if (act_ == activation::relu)
      out = out.cwiseMax(0.0f);
  };
  if (n * inputs_ * units_ < parallel_threshold)
    columns(0, units_, 0);
  else
    ctx.pool->parallel_for(units_, columns);
}

void dense::backward(const float* x, const float* y, float* dy, float* dx,
                     std::size_t n, step_context& ctx) {
  if (act_ == activation::relu)
    for (std::size_t k = 0; k < n * units_; ++k)
      dy[k] = y[k] > 0.0f ? dy[k] : 0.0f;
  const_matrix_map g(dy, n, units_);
  row_vector_map(db_, units_) = g.colwise().sum();
  auto rows = [&](std::size_t r0, std::size_t r1, std::size_t) {
    const std::size_t count = r1 - r0;
    const_strided_map xs(x + r0, n, count, Eigen::OuterStride<>(inputs_));
    matrix_map dw(dw_ + r0 * units_, count, units_);
    dw.noalias() = xs.transpose() * g;
    if (dx) {
      const_matrix_map w(w_ + r0 * units_, count, units_);
      strided_map dxs(dx + r0, n, count, Eigen::OuterStride<>(inputs_));
      dxs.noalias() = g * w.transpose();
    }
  };
  if (n * inputs_ * units_ < parallel_threshold)
    rows(0, inputs_, 0);
  else
    ctx.pool->parallel_for(inputs_, rows);
}

} // namespace actors
