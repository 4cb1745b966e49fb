// Direct convolution kernels for filter counts that are multiples of 16.
//
// Private to the library. im2col + Eigen GEMM spends a third of its time
// packing panels for shapes like the seed's second layer (a 288-long patch,
// 32 filters); these kernels read the input in place and keep a block of
// output pixels x 16-filter vectors in registers (12 x 2 zmm for 32 filters),
// which runs ~1.6-2.3x faster on this model. Vectors use GCC's vector
// extension, so without AVX-512 they lower to narrower SIMD and stay correct.
#pragma once

#include <algorithm>
#include <cstring>

namespace actors::detail {

typedef float vec16 __attribute__((vector_size(64)));

inline vec16 load16(const float* p) {
  vec16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void store16(float* p, vec16 v) {
  std::memcpy(p, &v, sizeof(v));
}

/// Valid cross-correlation of one sample: out[p][f] = bias[f] +
/// sum_{kh,kw,c} x[(oh+kh)*x_width + ow+kw][c] * w[((kh*k + kw)*cin + c)*F + f]
/// for the oh_count x ow_count output pixels, F = 16 * NB. `bias` may be
/// null; `relu` clamps at zero.
template <int NB>
void conv_valid(const float* x, int x_width, int cin, int k, const float* w,
                int oh_count, int ow_count, const float* bias, bool relu,
                float* out) {
  constexpr int rows = NB <= 2 ? 12 : 6; // output pixels per register block
  constexpr int filters = NB * 16;
  const int pixels = oh_count * ow_count;
  vec16 b[NB];
  for (int j = 0; j < NB; ++j)
    b[j] = bias ? load16(bias + j * 16) : vec16{};
  for (int p0 = 0; p0 < pixels; p0 += rows) {
    const float* base[rows];
    for (int r = 0; r < rows; ++r) {
      // Past the end, repeat the last pixel; its results are not stored.
      const int p = std::min(p0 + r, pixels - 1);
      base[r] = x + ((p / ow_count) * x_width + p % ow_count) * cin;
    }
    vec16 acc[rows][NB];
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j < NB; ++j)
        acc[r][j] = b[j];
    for (int kh = 0; kh < k; ++kh)
      for (int kw = 0; kw < k; ++kw) {
        const int offset = (kh * x_width + kw) * cin;
        const float* wk = w + (kh * k + kw) * cin * filters;
        for (int c = 0; c < cin; ++c) {
          vec16 wv[NB];
          for (int j = 0; j < NB; ++j)
            wv[j] = load16(wk + c * filters + j * 16);
          for (int r = 0; r < rows; ++r) {
            const float a = base[r][offset + c];
            for (int j = 0; j < NB; ++j)
              acc[r][j] += a * wv[j];
          }
        }
      }
    const int valid = std::min(rows, pixels - p0);
    for (int r = 0; r < valid; ++r)
      for (int j = 0; j < NB; ++j) {
        vec16 v = acc[r][j];
        if (relu)
          v = v > 0.0f ? v : vec16{};
        store16(out + (p0 + r) * filters + j * 16, v);
      }
  }
}

/// Kernel gradient of one sample, accumulated: dw[((kh*k + kw)*cin + c)*F + f]
/// += sum_p x[(oh+kh)*x_width + ow+kw][c] * g[p][f], F = 16 * NB; cin must
/// be a multiple of 8.
template <int NB>
void conv_kernel_grad(const float* x, int x_width, int cin, int k,
                      const float* g, int oh_count, int ow_count, float* dw) {
  constexpr int chans = 8; // input channels per register block
  constexpr int filters = NB * 16;
  for (int kh = 0; kh < k; ++kh)
    for (int kw = 0; kw < k; ++kw)
      for (int c0 = 0; c0 < cin; c0 += chans) {
        vec16 acc[chans][NB];
        for (int r = 0; r < chans; ++r)
          for (int j = 0; j < NB; ++j)
            acc[r][j] = vec16{};
        const float* gp = g;
        for (int oh = 0; oh < oh_count; ++oh) {
          const float* xp = x + ((oh + kh) * x_width + kw) * cin + c0;
          for (int ow = 0; ow < ow_count; ++ow, xp += cin, gp += filters) {
            vec16 gv[NB];
            for (int j = 0; j < NB; ++j)
              gv[j] = load16(gp + j * 16);
            for (int r = 0; r < chans; ++r) {
              const float a = xp[r];
              for (int j = 0; j < NB; ++j)
                acc[r][j] += a * gv[j];
            }
          }
        }
        float* d = dw + ((kh * k + kw) * cin + c0) * filters;
        for (int r = 0; r < chans; ++r)
          for (int j = 0; j < NB; ++j)
            store16(d + r * filters + j * 16,
                    load16(d + r * filters + j * 16) + acc[r][j]);
      }
}

} // namespace actors::detail
