// evaluate: loss and accuracy of a model on a whole data set.
//
// Runs inference in large batches (no gradients kept) split over the pool.
// Accuracy is dist-keras's AccuracyEvaluator: the share of rows whose
// arg-max prediction equals the label.
#pragma once

#include <cstddef>
#include <vector>

#include "actors/data/dataset.hpp"
#include "actors/nn/model.hpp"

namespace actors {

class thread_pool;

/// Test-set figures.
struct evaluation {
  double loss = 0;
  double accuracy = 0;
  std::size_t samples = 0;
};

/// Evaluates `m` on every row of `d`.
evaluation evaluate(model& m, const dataset& d, const scaling& scale,
                    thread_pool& pool, std::size_t batch = 128);

/// Evaluates an ensemble on every row of `d`: each row's prediction is the
/// arg-max of the members' mean probabilities, its loss the cross-entropy of
/// that mean. Each of `members` (flat parameter vectors of `m`'s shape) is
/// loaded into `m` in turn, so `m` ends holding the last one.
evaluation evaluate_members(const std::vector<std::vector<float>>& members,
                            model& m, const dataset& d, const scaling& scale,
                            thread_pool& pool, std::size_t batch = 128);

/// Arg-max class of every row of `d`, in row order.
std::vector<std::size_t> predict_classes(model& m, const dataset& d,
                                         const scaling& scale, thread_pool& pool,
                                         std::size_t batch = 128);

} // namespace actors
