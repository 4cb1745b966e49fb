#include "actors/nn/dense.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "actors/util/rng.hpp"
#include "actors/util/thread_pool.hpp"
#include "eigen_maps.hpp"

namespace actors {

using namespace detail;

namespace {

// Below this many multiply-adds a parallel loop costs more than it saves.
constexpr std::size_t parallel_threshold = 1 << 16;

} // namespace

dense::dense(std::size_t units, activation act) : units_(units), act_(act) {
}

std::string dense::spec() const {
  return fmt::format("dense units={} activation={}", units_,
                     act_ == activation::relu ? "relu" : "linear");
}

result<shape3> dense::configure(shape3 input) {
  if (units_ == 0)
    return status::invalid_argument("dense: units must be > 0");
  if (input.h != 1 || input.w != 1)
    return status::invalid_argument(
      fmt::format("dense: expects flat input, got {}x{}x{} (add flatten)",
                  input.h, input.w, input.c));
  in_ = input;
  inputs_ = input.c;
  out_ = shape3{1, 1, units_};
  return out_;
}

std::size_t dense::param_count() const {
  return inputs_ * units_ + units_;
}

void dense::bind(float* params, float* grads) {
  w_ = params;
  b_ = params + inputs_ * units_;
  dw_ = grads;
  db_ = grads + inputs_ * units_;
}

void dense::init(rng& random) {
  const float limit = glorot_limit(inputs_, units_);
  for (std::size_t i = 0; i < inputs_ * units_; ++i)
    w_[i] = random.uniform(-limit, limit);
  std::fill(b_, b_ + units_, 0.0f);
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

double dense::forward_flops() const {
  return 2.0 * static_cast<double>(inputs_ * units_);
}

double dense::backward_flops(bool input_grad) const {
  return forward_flops() * (input_grad ? 2.0 : 1.0);
}

} // namespace actors
