// conv2d: 2-D convolution, stride 1, `valid` or `same` padding, NHWC.
//
// Computed as im2col + GEMM one sample at a time, so the unrolled patch
// matrix (576 x 288 floats for the seed's second layer) stays in the core's
// L2 cache instead of costing megabytes per batch; backward recomputes it
// rather than keeping it. Kernel layout is Keras's (kh, kw, in, out).
#pragma once

#include <vector>

#include "actors/nn/kernel_layer.hpp"

namespace actors {

/// Convolution with `filters` output channels and a square kernel.
class conv2d : public kernel_layer {
public:
  conv2d(std::size_t filters, std::size_t kernel, bool same_padding,
         activation act);

  void forward(const float* x, float* y, std::size_t n,
               step_context& ctx) override;
  void backward(const float* x, const float* y, float* dy, float* dx,
                std::size_t n, step_context& ctx) override;

private:
  // Patches at most this long skip GEMM for direct loops.
  static constexpr std::size_t small_patch = 16;
  bool use_small_patch() const;
  // Direct kernels (conv_kernels.hpp) for filter/channel counts of 16..64.
  bool use_direct() const;
  bool use_direct_kernel_grad() const;
  bool use_direct_input_grad() const;
  template <class Fn>
  void for_each_tap_row(Fn&& fn) const;
  void small_patch_forward(const float* x, float* out) const;
  void small_patch_kernel_grad(const float* x, const float* g, float* dw) const;
  void im2col(const float* x, float* col) const;
  void col2im(const float* col, float* x) const;
  // Per-thread scratch: patch matrix, its gradient, kernel/bias gradients.
  struct scratch {
    std::vector<float> col;
    std::vector<float> dcol;
    std::vector<float> dw;
    std::vector<float> db;
    std::vector<float> xpad;  // input with its `same` padding
    std::vector<float> dypad; // output gradient padded for the input gradient
  };
  void reserve_scratch(std::size_t threads);
  // One sample's input as the direct kernels read it: x itself, or x with
  // its `same` padding in s.xpad; `width` is set to its row length.
  const float* padded_input(const float* x, scratch& s, int& width) const;
  // backward's steps: the kernel flipped for the direct input gradient; per
  // sample the relu mask on dy with the bias gradient, the kernel gradient
  // and the input gradient; the threads' kernel and bias gradients summed.
  void flip_kernel();
  void activation_grad(const float* y, float* dy, scratch& s) const;
  void kernel_grad(const float* x, const float* dy, scratch& s) const;
  void input_grad(const float* dy, float* dx, scratch& s) const;
  void sum_scratch_grads(std::size_t threads);
  // Checks the input, sets the padding and patch_ below, sizes the kernel.
  result<shape3> output_for(shape3 input) override;

  std::size_t filters_;
  std::size_t kernel_;
  bool same_;
  std::size_t pad_top_ = 0;
  std::size_t pad_left_ = 0;
  std::size_t patch_ = 0; // kernel * kernel * input channels
  std::vector<scratch> scratch_;
  std::vector<float> flipped_; // kernel flipped for the input gradient
};

} // namespace actors
