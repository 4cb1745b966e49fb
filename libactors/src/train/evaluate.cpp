#include "actors/train/evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "actors/nn/loss.hpp"
#include "actors/util/thread_pool.hpp"

namespace actors {

namespace {

// Runs the model over d in batches and hands each batch's output to fn.
template <class Fn>
void for_each_batch(model& m, const dataset& d, const scaling& scale,
                    thread_pool& pool, std::size_t batch, Fn fn) {
  std::vector<std::uint32_t> idx(batch);
  std::vector<float> x(batch * d.features());
  std::vector<float> y(batch * d.classes);
  step_context ctx{&pool, false, nullptr};
  for (std::size_t start = 0; start < d.rows; start += batch) {
    const std::size_t n = std::min(batch, d.rows - start);
    std::iota(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n),
              static_cast<std::uint32_t>(start));
    gather_batch(d, idx.data(), n, scale, x.data(), y.data());
    fn(start, n, m.predict(x.data(), n, ctx), y.data());
  }
}

} // namespace

evaluation evaluate(model& m, const dataset& d, const scaling& scale,
                    thread_pool& pool, std::size_t batch) {
  evaluation ev;
  const std::size_t k = d.classes;
  double loss = 0;
  std::size_t correct = 0;
  for_each_batch(m, d, scale, pool, batch,
                 [&](std::size_t, std::size_t n, const float* p, const float* t) {
                   for (std::size_t i = 0; i < n; ++i) {
                     const std::size_t label = argmax(t + i * k, k);
                     // Keras clips probabilities before the log likewise.
                     loss -= std::log(std::max(p[i * k + label], 1e-7f));
                     correct += argmax(p + i * k, k) == label;
                   }
                 });
  ev.samples = d.rows;
  if (d.rows > 0) {
    ev.loss = loss / static_cast<double>(d.rows);
    ev.accuracy = static_cast<double>(correct) / static_cast<double>(d.rows);
  }
  return ev;
}

std::vector<std::size_t> predict_classes(model& m, const dataset& d,
                                         const scaling& scale, thread_pool& pool,
                                         std::size_t batch) {
  std::vector<std::size_t> out(d.rows);
  const std::size_t k = m.output_shape().size();
  for_each_batch(m, d, scale, pool, batch,
                 [&](std::size_t start, std::size_t n, const float* p,
                     const float*) {
                   for (std::size_t i = 0; i < n; ++i)
                     out[start + i] = argmax(p + i * k, k);
                 });
  return out;
}

evaluation evaluate_members(const std::vector<std::vector<float>>& members,
                            model& m, const dataset& d, const scaling& scale,
                            thread_pool& pool, std::size_t batch) {
  const std::size_t k = d.classes;
  std::vector<double> sum(d.rows * k, 0.0);
  for (const auto& w : members) {
    std::copy(w.begin(), w.end(), m.params());
    for_each_batch(m, d, scale, pool, batch,
                   [&](std::size_t start, std::size_t n, const float* p,
                       const float*) {
                     for (std::size_t i = 0; i < n * k; ++i)
                       sum[start * k + i] += p[i];
                   });
  }
  evaluation ev;
  ev.samples = d.rows;
  if (d.rows == 0 || members.empty())
    return ev;
  const auto size = static_cast<double>(members.size());
  double loss = 0;
  std::size_t correct = 0;
  for (std::size_t r = 0; r < d.rows; ++r) {
    const double* row = sum.data() + r * k;
    // The first class of the highest summed probability, as argmax.
    const auto best = static_cast<std::size_t>(std::max_element(row, row + k) - row);
    correct += best == d.labels[r];
    loss -= std::log(std::max(row[d.labels[r]] / size, 1e-7));
  }
  ev.accuracy = static_cast<double>(correct) / static_cast<double>(d.rows);
  ev.loss = loss / static_cast<double>(d.rows);
  return ev;
}

} // namespace actors
