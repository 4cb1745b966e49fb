#include "actors/nn/loss.hpp"

#include <algorithm>
#include <cmath>

namespace actors {

std::size_t argmax(const float* values, std::size_t k) {
  return static_cast<std::size_t>(std::max_element(values, values + k) - values);
}

loss_result softmax_cross_entropy(const float* logits, const float* targets,
                                  std::size_t n, std::size_t k, float* probs,
                                  float* dlogits) {
  loss_result res;
  const float inv_n = 1.0f / static_cast<float>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float* x = logits + i * k;
    const float* t = targets + i * k;
    float* p = probs + i * k;
    const float top = *std::max_element(x, x + k);
    double sum = 0;
    for (std::size_t j = 0; j < k; ++j)
      sum += std::exp(static_cast<double>(x[j] - top));
    const double log_sum = std::log(sum);
    double loss = 0;
    for (std::size_t j = 0; j < k; ++j) {
      const double log_p = static_cast<double>(x[j] - top) - log_sum;
      p[j] = static_cast<float>(std::exp(log_p));
      loss -= static_cast<double>(t[j]) * log_p;
    }
    res.loss += loss;
    if (argmax(p, k) == argmax(t, k))
      ++res.correct;
    if (dlogits)
      for (std::size_t j = 0; j < k; ++j)
        dlogits[i * k + j] = (p[j] - t[j]) * inv_n;
  }
  res.loss /= static_cast<double>(n);
  return res;
}

} // namespace actors
