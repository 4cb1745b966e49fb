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

// The widest vector the target has, and how many of them fit in registers:
// accumulator blocks are sized so they never spill (AVX-512: 32 x 16
// floats; AVX: 16 x 8; SSE: 16 x 4).
#if defined(__AVX512F__)
constexpr int lanes = 16;
constexpr int vector_registers = 32;
#elif defined(__AVX__)
constexpr int lanes = 8;
constexpr int vector_registers = 16;
#else
constexpr int lanes = 4;
constexpr int vector_registers = 16;
#endif

typedef float vec __attribute__((vector_size(lanes * sizeof(float))));

inline vec loadv(const float* p) {
  vec v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void storev(float* p, vec v) {
  std::memcpy(p, &v, sizeof(v));
}

/// Output pixels per register block for F = 16 * NB filters.
template <int NB>
constexpr int pixel_block() {
  constexpr int per_row = NB * 16 / lanes; // vectors per output pixel
  if constexpr (lanes == 16)
    return NB <= 2 ? 12 : 6;
  else
    return (vector_registers - per_row) / per_row > 1
             ? (vector_registers - per_row) / per_row
             : 1;
}

/// Input channels per register block (a power of two, at most 8).
template <int NB>
constexpr int channel_block() {
  constexpr int per_row = NB * 16 / lanes;
  constexpr int fit = (vector_registers - per_row) / per_row;
  return fit >= 8 ? 8 : fit >= 4 ? 4 : fit >= 2 ? 2 : 1;
}

/// Valid cross-correlation of one sample: out[p][f] = bias[f] +
/// sum_{kh,kw,c} x[(oh+kh)*x_width + ow+kw][c] * w[((kh*k + kw)*cin + c)*F + f]
/// for the oh_count x ow_count output pixels, F = 16 * NB. `bias` may be
/// null; `relu` clamps at zero.
template <int NB>
void conv_valid(const float* x, int x_width, int cin, int k, const float* w,
                int oh_count, int ow_count, const float* bias, bool relu,
                float* out) {
  constexpr int rows = pixel_block<NB>();
  constexpr int filters = NB * 16;
  constexpr int nv = filters / lanes; // vectors per output pixel
  const int pixels = oh_count * ow_count;
  vec b[nv];
  for (int j = 0; j < nv; ++j)
    b[j] = bias ? loadv(bias + j * lanes) : vec{};
  for (int p0 = 0; p0 < pixels; p0 += rows) {
    const float* base[rows];
    for (int r = 0; r < rows; ++r) {
      // Past the end, repeat the last pixel; its results are not stored.
      const int p = std::min(p0 + r, pixels - 1);
      base[r] = x + ((p / ow_count) * x_width + p % ow_count) * cin;
    }
    vec acc[rows][nv];
    for (int r = 0; r < rows; ++r)
      for (int j = 0; j < nv; ++j)
        acc[r][j] = b[j];
    for (int kh = 0; kh < k; ++kh)
      for (int kw = 0; kw < k; ++kw) {
        const int offset = (kh * x_width + kw) * cin;
        const float* wk = w + (kh * k + kw) * cin * filters;
        for (int c = 0; c < cin; ++c) {
          vec wv[nv];
          for (int j = 0; j < nv; ++j)
            wv[j] = loadv(wk + c * filters + j * lanes);
          for (int r = 0; r < rows; ++r) {
            const float a = base[r][offset + c];
            for (int j = 0; j < nv; ++j)
              acc[r][j] += a * wv[j];
          }
        }
      }
    const int valid = std::min(rows, pixels - p0);
    for (int r = 0; r < valid; ++r)
      for (int j = 0; j < nv; ++j) {
        vec v = acc[r][j];
        if (relu)
          v = v > 0.0f ? v : vec{};
        storev(out + (p0 + r) * filters + j * lanes, v);
      }
  }
}

/// Kernel gradient of one sample, accumulated: dw[((kh*k + kw)*cin + c)*F + f]
/// += sum_p x[(oh+kh)*x_width + ow+kw][c] * g[p][f], F = 16 * NB; cin must
/// be a multiple of 8 (channel blocks are 1, 2, 4 or 8).
template <int NB>
void conv_kernel_grad(const float* x, int x_width, int cin, int k,
                      const float* g, int oh_count, int ow_count, float* dw) {
  constexpr int chans = channel_block<NB>();
  constexpr int filters = NB * 16;
  constexpr int nv = filters / lanes;
  for (int kh = 0; kh < k; ++kh)
    for (int kw = 0; kw < k; ++kw)
      for (int c0 = 0; c0 < cin; c0 += chans) {
        vec acc[chans][nv];
        for (int r = 0; r < chans; ++r)
          for (int j = 0; j < nv; ++j)
            acc[r][j] = vec{};
        const float* gp = g;
        for (int oh = 0; oh < oh_count; ++oh) {
          const float* xp = x + ((oh + kh) * x_width + kw) * cin + c0;
          for (int ow = 0; ow < ow_count; ++ow, xp += cin, gp += filters) {
            vec gv[nv];
            for (int j = 0; j < nv; ++j)
              gv[j] = loadv(gp + j * lanes);
            for (int r = 0; r < chans; ++r) {
              const float a = xp[r];
              for (int j = 0; j < nv; ++j)
                acc[r][j] += a * gv[j];
            }
          }
        }
        float* d = dw + ((kh * k + kw) * cin + c0) * filters;
        for (int r = 0; r < chans; ++r)
          for (int j = 0; j < nv; ++j)
            storev(d + r * filters + j * lanes,
                   loadv(d + r * filters + j * lanes) + acc[r][j]);
      }
}

} // namespace actors::detail
