#include "actors/nn/conv2d.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "actors/util/thread_pool.hpp"
#include "conv_kernels.hpp"
#include "eigen_maps.hpp"

namespace actors {

using namespace detail;

conv2d::conv2d(std::size_t filters, std::size_t kernel, bool same_padding,
               activation act)
  : kernel_layer(fmt::format("conv2d filters={} kernel={} padding={}", filters,
                             kernel, same_padding ? "same" : "valid"),
                 act),
    filters_(filters),
    kernel_(kernel),
    same_(same_padding) {
}

result<shape3> conv2d::output_for(shape3 input) {
  if (filters_ == 0 || kernel_ == 0)
    return status::invalid_argument("conv2d: filters and kernel must be > 0");
  shape3 out;
  if (same_) {
    // TensorFlow's rule: the odd pixel of padding goes after, not before.
    pad_top_ = (kernel_ - 1) / 2;
    pad_left_ = (kernel_ - 1) / 2;
    out = shape3{input.h, input.w, filters_};
  } else {
    if (input.h < kernel_ || input.w < kernel_)
      return status::invalid_argument(
        fmt::format("conv2d: input {}x{} is smaller than the {}x{} kernel",
                    input.h, input.w, kernel_, kernel_));
    pad_top_ = pad_left_ = 0;
    out = shape3{input.h - kernel_ + 1, input.w - kernel_ + 1, filters_};
  }
  // Overflow-safe: kernel and channels come from spec files. 2^32 bounds
  // patch_ * filters_ (filters are at most 2^24) as well.
  std::size_t patch = 0;
  if (__builtin_mul_overflow(kernel_, kernel_, &patch)
      || __builtin_mul_overflow(patch, input.c, &patch)
      || patch > (std::size_t{1} << 32))
    return status::invalid_argument(fmt::format(
      "conv2d: a {}x{} kernel over {} channels is too large", kernel_, kernel_,
      input.c));
  patch_ = patch;
  shape_parameters(patch_ * filters_, filters_, patch_,
                   kernel_ * kernel_ * filters_);
  return out;
}

void conv2d::reserve_scratch(std::size_t threads) {
  if (scratch_.size() < threads)
    scratch_.resize(threads);
}

void conv2d::im2col(const float* x, float* col) const {
  const std::size_t c = in_.c;
  const auto h = static_cast<std::ptrdiff_t>(in_.h);
  const auto w = static_cast<std::ptrdiff_t>(in_.w);
  for (std::size_t oh = 0; oh < out_.h; ++oh) {
    for (std::size_t ow = 0; ow < out_.w; ++ow) {
      float* row = col + (oh * out_.w + ow) * patch_;
      for (std::size_t kh = 0; kh < kernel_; ++kh) {
        const auto ih = static_cast<std::ptrdiff_t>(oh + kh)
                        - static_cast<std::ptrdiff_t>(pad_top_);
        float* dst = row + kh * kernel_ * c;
        if (ih < 0 || ih >= h) {
          std::fill(dst, dst + kernel_ * c, 0.0f);
          continue;
        }
        const auto iw0 = static_cast<std::ptrdiff_t>(ow)
                         - static_cast<std::ptrdiff_t>(pad_left_);
        if (iw0 >= 0 && iw0 + static_cast<std::ptrdiff_t>(kernel_) <= w) {
          // Interior: the kernel's row is contiguous in NHWC.
          std::memcpy(dst, x + (ih * w + iw0) * c, kernel_ * c * sizeof(float));
          continue;
        }
        for (std::size_t kw = 0; kw < kernel_; ++kw) {
          const auto iw = iw0 + static_cast<std::ptrdiff_t>(kw);
          if (iw < 0 || iw >= w)
            std::fill(dst + kw * c, dst + (kw + 1) * c, 0.0f);
          else
            std::memcpy(dst + kw * c, x + (ih * w + iw) * c, c * sizeof(float));
        }
      }
    }
  }
}

void conv2d::col2im(const float* col, float* x) const {
  const std::size_t c = in_.c;
  const auto h = static_cast<std::ptrdiff_t>(in_.h);
  const auto w = static_cast<std::ptrdiff_t>(in_.w);
  std::fill(x, x + in_.size(), 0.0f);
  for (std::size_t oh = 0; oh < out_.h; ++oh) {
    for (std::size_t ow = 0; ow < out_.w; ++ow) {
      const float* row = col + (oh * out_.w + ow) * patch_;
      for (std::size_t kh = 0; kh < kernel_; ++kh) {
        const auto ih = static_cast<std::ptrdiff_t>(oh + kh)
                        - static_cast<std::ptrdiff_t>(pad_top_);
        if (ih < 0 || ih >= h)
          continue;
        for (std::size_t kw = 0; kw < kernel_; ++kw) {
          const auto iw = static_cast<std::ptrdiff_t>(ow + kw)
                          - static_cast<std::ptrdiff_t>(pad_left_);
          if (iw < 0 || iw >= w)
            continue;
          const float* src = row + (kh * kernel_ + kw) * c;
          float* dst = x + (ih * w + iw) * c;
          for (std::size_t k = 0; k < c; ++k)
            dst[k] += src[k];
        }
      }
    }
  }
}

namespace {

// Calls fn(std::integral_constant<int, NB>) for NB = blocks in 1..4.
template <class Fn>
void with_blocks(std::size_t blocks, Fn&& fn) {
  switch (blocks) {
    case 1: fn(std::integral_constant<int, 1>{}); break;
    case 2: fn(std::integral_constant<int, 2>{}); break;
    case 3: fn(std::integral_constant<int, 3>{}); break;
    default: fn(std::integral_constant<int, 4>{}); break;
  }
}

bool fits_direct(std::size_t channels) {
  return channels % 16 == 0 && channels >= 16 && channels <= 64;
}

// Copies an h x w x c image into the interior of a zero-bordered buffer of
// (h + extra) x (w + extra) x c at (top, left). The border is zeroed only
// when the buffer is (re)allocated, as the interior is always overwritten.
void pad_into(std::vector<float>& buf, const float* src, std::size_t h,
              std::size_t w, std::size_t c, std::size_t extra, std::size_t top,
              std::size_t left) {
  const std::size_t pw = w + extra;
  const std::size_t size = (h + extra) * pw * c;
  if (buf.size() != size)
    buf.assign(size, 0.0f);
  for (std::size_t i = 0; i < h; ++i)
    std::memcpy(buf.data() + ((i + top) * pw + left) * c, src + i * w * c,
                w * c * sizeof(float));
}

} // namespace

bool conv2d::use_direct() const {
  return patch_ > small_patch && fits_direct(filters_);
}

bool conv2d::use_direct_kernel_grad() const {
  return use_direct() && in_.c % 8 == 0;
}

bool conv2d::use_direct_input_grad() const {
  return use_direct() && fits_direct(in_.c);
}

// With a patch this short (the seed's first layer: 3x3x1 = 9) GEMM spends
// its time packing and im2col its time in tiny copies. Instead, each kernel
// tap sweeps a whole output row: one input value times a block of 16
// filter weights, which stay in a vector register.
namespace {

constexpr std::size_t filter_block = 16;
// Fixed-size Eigen arrays compile to whole-register SIMD operations.
using block = Eigen::Array<float, filter_block, 1>;
using block_map = Eigen::Map<block, Eigen::Unaligned>;
using const_block_map = Eigen::Map<const block, Eigen::Unaligned>;

} // namespace

bool conv2d::use_small_patch() const {
  return patch_ <= small_patch && filters_ % filter_block == 0;
}

template <class Fn>
void conv2d::for_each_tap_row(Fn&& fn) const {
  const auto h = static_cast<std::ptrdiff_t>(in_.h);
  const auto w = static_cast<std::ptrdiff_t>(in_.w);
  const auto pt = static_cast<std::ptrdiff_t>(pad_top_);
  const auto pl = static_cast<std::ptrdiff_t>(pad_left_);
  const auto ow_count = static_cast<std::ptrdiff_t>(out_.w);
  for (std::size_t oh = 0; oh < out_.h; ++oh)
    for (std::size_t kh = 0; kh < kernel_; ++kh) {
      const auto ih = static_cast<std::ptrdiff_t>(oh + kh) - pt;
      if (ih < 0 || ih >= h)
        continue;
      for (std::size_t kw = 0; kw < kernel_; ++kw) {
        const auto shift = static_cast<std::ptrdiff_t>(kw) - pl;
        // Output columns whose input column ow + shift lies in the image.
        const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(0, -shift);
        const std::ptrdiff_t hi = std::min<std::ptrdiff_t>(ow_count, w - shift);
        if (lo >= hi)
          continue;
        for (std::size_t ch = 0; ch < in_.c; ++ch)
          fn(oh, (kh * kernel_ + kw) * in_.c + ch,
             static_cast<std::size_t>((ih * w + lo + shift)) * in_.c + ch,
             static_cast<std::size_t>(lo), static_cast<std::size_t>(hi));
      }
    }
}

void conv2d::small_patch_forward(const float* x, float* out) const {
  const std::size_t f_count = filters_;
  const std::size_t c = in_.c;
  const bool relu = act_ == activation::relu;
  if (pad_top_ == 0 && pad_left_ == 0) {
    // `valid`: every tap of every pixel is inside, so each pixel's filter
    // block accumulates in a register and is stored once, bias and relu
    // included.
    const std::size_t row = in_.w * c;
    for (std::size_t oh = 0; oh < out_.h; ++oh)
      for (std::size_t ow = 0; ow < out_.w; ++ow) {
        const float* px = x + oh * row + ow * c;
        float* o = out + (oh * out_.w + ow) * f_count;
        for (std::size_t fb = 0; fb < f_count; fb += filter_block) {
          block acc = const_block_map(b_ + fb);
          const float* wk = w_ + fb;
          for (std::size_t kh = 0; kh < kernel_; ++kh)
            for (std::size_t t = 0; t < kernel_ * c; ++t, wk += f_count)
              acc += px[kh * row + t] * const_block_map(wk);
          block_map(o + fb) = relu ? acc.max(0.0f) : acc;
        }
      }
    return;
  }
  for (std::size_t p = 0; p < out_.h * out_.w; ++p)
    std::copy(b_, b_ + f_count, out + p * f_count);
  for_each_tap_row([&](std::size_t oh, std::size_t k, std::size_t src_at,
                       std::size_t lo, std::size_t hi) {
    const float* src = x + src_at;
    float* orow = out + oh * out_.w * f_count;
    for (std::size_t fb = 0; fb < f_count; fb += filter_block) {
      const block wk = const_block_map(w_ + k * f_count + fb);
      for (std::size_t ow = lo; ow < hi; ++ow)
        block_map(orow + ow * f_count + fb) += src[(ow - lo) * c] * wk;
    }
  });
  if (relu)
    for (std::size_t k = 0; k < out_.size(); ++k)
      out[k] = std::max(out[k], 0.0f);
}

void conv2d::small_patch_kernel_grad(const float* x, const float* g,
                                     float* dw) const {
  const std::size_t f_count = filters_;
  const std::size_t c = in_.c;
  for_each_tap_row([&](std::size_t oh, std::size_t k, std::size_t src_at,
                       std::size_t lo, std::size_t hi) {
    const float* src = x + src_at;
    const float* grow = g + oh * out_.w * f_count;
    for (std::size_t fb = 0; fb < f_count; fb += filter_block) {
      block acc = block::Zero();
      for (std::size_t ow = lo; ow < hi; ++ow)
        acc += src[(ow - lo) * c] * const_block_map(grow + ow * f_count + fb);
      block_map(dw + k * f_count + fb) += acc;
    }
  });
}

void conv2d::forward(const float* x, float* y, std::size_t n,
                     step_context& ctx) {
  reserve_scratch(ctx.pool->size());
  const std::size_t pixels = out_.h * out_.w;
  const_matrix_map w(w_, patch_, filters_);
  const_row_vector_map b(b_, filters_);
  ctx.pool->parallel_for(n, [&](std::size_t begin, std::size_t end,
                                std::size_t t) {
    auto& s = scratch_[t];
    s.col.resize(pixels * patch_);
    matrix_map col(s.col.data(), pixels, patch_);
    for (std::size_t i = begin; i < end; ++i) {
      matrix_map out(y + i * out_.size(), pixels, filters_);
      if (use_small_patch()) {
        small_patch_forward(x + i * in_.size(), out.data());
        continue;
      }
      if (use_direct()) {
        int x_width = 0;
        const float* src = padded_input(x + i * in_.size(), s, x_width);
        with_blocks(filters_ / 16, [&](auto nb) {
          detail::conv_valid<decltype(nb)::value>(
            src, x_width, static_cast<int>(in_.c), static_cast<int>(kernel_),
            w_, static_cast<int>(out_.h), static_cast<int>(out_.w), b_,
            act_ == activation::relu, out.data());
        });
        continue;
      }
      im2col(x + i * in_.size(), s.col.data());
      out.noalias() = col * w;
      out.rowwise() += b;
      if (act_ == activation::relu)
        out = out.cwiseMax(0.0f);
    }
  });
}

const float* conv2d::padded_input(const float* x, scratch& s, int& width) const {
  width = static_cast<int>(in_.w);
  if (!same_)
    return x;
  pad_into(s.xpad, x, in_.h, in_.w, in_.c, kernel_ - 1, pad_top_, pad_left_);
  width += static_cast<int>(kernel_ - 1);
  return s.xpad.data();
}

void conv2d::flip_kernel() {
  // flipped_[kh][kw][f][c] = w[k-1-kh][k-1-kw][c][f]
  const std::size_t k = kernel_, c_count = in_.c, f_count = filters_;
  flipped_.resize(patch_ * filters_);
  for (std::size_t kh = 0; kh < k; ++kh)
    for (std::size_t kw = 0; kw < k; ++kw)
      for (std::size_t c = 0; c < c_count; ++c)
        for (std::size_t f = 0; f < f_count; ++f)
          flipped_[((kh * k + kw) * f_count + f) * c_count + c]
            = w_[(((k - 1 - kh) * k + (k - 1 - kw)) * c_count + c) * f_count + f];
}

void conv2d::activation_grad(const float* y, float* dy, scratch& s) const {
  const std::size_t pixels = out_.h * out_.w;
  if (act_ != activation::relu) {
    row_vector_map(s.db.data(), filters_) += matrix_map(dy, pixels, filters_).colwise().sum();
    return;
  }
  // One pass: mask by the relu and sum the bias gradient.
  float* dbt = s.db.data();
  for (std::size_t p = 0; p < pixels; ++p) {
    float* __restrict row = dy + p * filters_;
    const float* __restrict yrow = y + p * filters_;
    for (std::size_t f = 0; f < filters_; ++f) {
      const float v = yrow[f] > 0.0f ? row[f] : 0.0f;
      row[f] = v;
      dbt[f] += v;
    }
  }
}

void conv2d::kernel_grad(const float* x, const float* dy, scratch& s) const {
  if (use_small_patch()) {
    small_patch_kernel_grad(x, dy, s.dw.data());
  } else if (use_direct_kernel_grad()) {
    int x_width = 0;
    const float* src = padded_input(x, s, x_width);
    with_blocks(filters_ / 16, [&](auto nb) {
      detail::conv_kernel_grad<decltype(nb)::value>(
        src, x_width, static_cast<int>(in_.c), static_cast<int>(kernel_), dy,
        static_cast<int>(out_.h), static_cast<int>(out_.w), s.dw.data());
    });
  } else {
    const std::size_t pixels = out_.h * out_.w;
    im2col(x, s.col.data());
    matrix_map(s.dw.data(), patch_, filters_).noalias()
      += const_matrix_map(s.col.data(), pixels, patch_).transpose()
         * const_matrix_map(dy, pixels, filters_);
  }
}

void conv2d::input_grad(const float* dy, float* dx, scratch& s) const {
  if (use_direct_input_grad()) {
    // dx is the full correlation of dy with the flipped kernel: a valid
    // convolution over dy padded by k-1 (less the forward padding).
    const std::size_t extra = in_.h + kernel_ - 1 - out_.h;
    pad_into(s.dypad, dy, out_.h, out_.w, filters_, extra,
             kernel_ - 1 - pad_top_, kernel_ - 1 - pad_left_);
    with_blocks(in_.c / 16, [&](auto nb) {
      detail::conv_valid<decltype(nb)::value>(
        s.dypad.data(), static_cast<int>(out_.w + extra),
        static_cast<int>(filters_), static_cast<int>(kernel_), flipped_.data(),
        static_cast<int>(in_.h), static_cast<int>(in_.w), nullptr, false, dx);
    });
    return;
  }
  const std::size_t pixels = out_.h * out_.w;
  matrix_map dcol(s.dcol.data(), pixels, patch_);
  dcol.noalias() = const_matrix_map(dy, pixels, filters_)
                   * const_matrix_map(w_, patch_, filters_).transpose();
  col2im(s.dcol.data(), dx);
}

void conv2d::sum_scratch_grads(std::size_t threads) {
  matrix_map dw(dw_, patch_, filters_);
  row_vector_map db(db_, filters_);
  dw = matrix_map(scratch_[0].dw.data(), patch_, filters_);
  db = row_vector_map(scratch_[0].db.data(), filters_);
  for (std::size_t t = 1; t < threads; ++t) {
    dw += matrix_map(scratch_[t].dw.data(), patch_, filters_);
    db += row_vector_map(scratch_[t].db.data(), filters_);
  }
}

void conv2d::backward(const float* x, const float* y, float* dy, float* dx,
                      std::size_t n, step_context& ctx) {
  reserve_scratch(ctx.pool->size());
  if (dx && use_direct_input_grad())
    flip_kernel();
  const std::size_t pixels = out_.h * out_.w;
  ctx.pool->parallel_for(n, [&](std::size_t begin, std::size_t end,
                                std::size_t t) {
    auto& s = scratch_[t];
    s.col.resize(pixels * patch_);
    s.dw.assign(patch_ * filters_, 0.0f);
    s.db.assign(filters_, 0.0f);
    if (dx && !use_direct_input_grad())
      s.dcol.resize(pixels * patch_);
    for (std::size_t i = begin; i < end; ++i) {
      float* dyi = dy + i * out_.size();
      activation_grad(y + i * out_.size(), dyi, s);
      kernel_grad(x + i * in_.size(), dyi, s);
      if (dx)
        input_grad(dyi, dx + i * in_.size(), s);
    }
  });
  sum_scratch_grads(std::min(n, ctx.pool->size()));
}

} // namespace actors
