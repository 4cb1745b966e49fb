// Categorical cross-entropy fused with softmax.
//
// Computing log-softmax directly (x - max - log sum exp) never takes the log
// of a rounded-to-zero probability, and the gradient of the pair collapses
// to (p - y) / n: cheaper and stabler than chaining the two layers.
#pragma once

#include <cstddef>

namespace actors {

/// Loss and hits over one batch.
struct loss_result {
  /// Mean cross-entropy over the batch.
  double loss = 0;
  /// Samples whose arg-max prediction equals the arg-max target.
  std::size_t correct = 0;
};

/// From logits (n x k) and targets (n x k, rows summing to 1) writes the
/// probabilities into probs and, unless null, dLoss/dlogits = (p - y) / n
/// into dlogits. Returns the mean loss and the number of correct rows.
loss_result softmax_cross_entropy(const float* logits, const float* targets,
                                  std::size_t n, std::size_t k, float* probs,
                                  float* dlogits);

/// Index of the largest of k values (the first one on ties).
std::size_t argmax(const float* values, std::size_t k);

} // namespace actors
