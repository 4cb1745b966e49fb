#include "actors/nn/max_pool2d.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "actors/util/thread_pool.hpp"

namespace actors {

max_pool2d::max_pool2d(std::size_t pool)
  : layer(fmt::format("maxpool2d pool={}", pool)), pool_(pool) {
}

result<shape3> max_pool2d::output_for(shape3 input) {
  if (pool_ == 0)
    return status::invalid_argument("maxpool2d: pool must be > 0");
  if (input.h < pool_ || input.w < pool_)
    return status::invalid_argument(
      fmt::format("maxpool2d: input {}x{} is smaller than the pool {}",
                  input.h, input.w, pool_));
  return shape3{input.h / pool_, input.w / pool_, input.c};
}

void max_pool2d::forward(const float* x, float* y, std::size_t n,
                         step_context& ctx) {
  argmax_.resize(n * out_.size());
  const std::size_t c = in_.c;
  ctx.pool->parallel_for(n, [&](std::size_t begin, std::size_t end,
                                std::size_t) {
    for (std::size_t i = begin; i < end; ++i) {
      const float* xi = x + i * in_.size();
      float* yi = y + i * out_.size();
      std::uint32_t* ai = argmax_.data() + i * out_.size();
      for (std::size_t oh = 0; oh < out_.h; ++oh) {
        for (std::size_t ow = 0; ow < out_.w; ++ow) {
          float* yo = yi + (oh * out_.w + ow) * c;
          std::uint32_t* ao = ai + (oh * out_.w + ow) * c;
          if (pool_ == 2) {
            // The common 2x2 window, unrolled: four candidates per channel.
            const std::size_t a = ((oh * 2) * in_.w + ow * 2) * c;
            const std::size_t b = a + c;
            const std::size_t d = a + in_.w * c;
            const std::size_t e = d + c;
            for (std::size_t k = 0; k < c; ++k) {
              std::size_t best = a + k;
              if (xi[b + k] > xi[best]) best = b + k;
              if (xi[d + k] > xi[best]) best = d + k;
              if (xi[e + k] > xi[best]) best = e + k;
              yo[k] = xi[best];
              ao[k] = static_cast<std::uint32_t>(best);
            }
            continue;
          }
          // First window element seeds the maximum, the rest compete.
          const std::size_t first = ((oh * pool_) * in_.w + ow * pool_) * c;
          for (std::size_t k = 0; k < c; ++k) {
            yo[k] = xi[first + k];
            ao[k] = static_cast<std::uint32_t>(first + k);
          }
          for (std::size_t ph = 0; ph < pool_; ++ph) {
            for (std::size_t pw = 0; pw < pool_; ++pw) {
              const std::size_t base
                = ((oh * pool_ + ph) * in_.w + ow * pool_ + pw) * c;
              for (std::size_t k = 0; k < c; ++k) {
                if (xi[base + k] > yo[k]) {
                  yo[k] = xi[base + k];
                  ao[k] = static_cast<std::uint32_t>(base + k);
                }
              }
            }
          }
        }
      }
    }
  });
}

void max_pool2d::backward(const float*, const float*, float* dy, float* dx,
                          std::size_t n, step_context& ctx) {
  if (!dx)
    return;
  ctx.pool->parallel_for(n, [&](std::size_t begin, std::size_t end,
                                std::size_t) {
    for (std::size_t i = begin; i < end; ++i) {
      float* dxi = dx + i * in_.size();
      const float* dyi = dy + i * out_.size();
      const std::uint32_t* ai = argmax_.data() + i * out_.size();
      std::fill(dxi, dxi + in_.size(), 0.0f);
      for (std::size_t k = 0; k < out_.size(); ++k)
        dxi[ai[k]] += dyi[k];
    }
  });
}

double max_pool2d::forward_flops() const {
  return static_cast<double>(out_.size() * pool_ * pool_);
}

} // namespace actors
