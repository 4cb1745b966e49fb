#include "actors/util/float_pool.hpp"

#include <mutex>
#include <utility>

namespace actors {

namespace {

struct pool {
  std::mutex mutex;
  std::vector<std::vector<float>> kept;
};

pool& the_pool() {
  // Never destroyed: messages may die on threads that outlive main's
  // statics (CAF's middleman at exit).
  static pool* p = [] {
    auto* fresh = new pool;
    // give_floats never allocates (float_buffer's move-assignment is noexcept).
    fresh->kept.reserve(pooled_floats_max);
    return fresh;
  }();
  return *p;
}

} // namespace

std::vector<float> take_floats(std::size_t n) {
  std::vector<float> out;
  if (n >= pooled_floats_min) {
    pool& p = the_pool();
    const std::lock_guard<std::mutex> lock{p.mutex};
    std::size_t best = p.kept.size();
    for (std::size_t i = 0; i < p.kept.size(); ++i)
      if (p.kept[i].capacity() >= n
          && (best == p.kept.size() || p.kept[i].capacity() < p.kept[best].capacity()))
        best = i;
    if (best < p.kept.size()) {
      out = std::move(p.kept[best]);
      p.kept[best] = std::move(p.kept.back());
      p.kept.pop_back();
    }
  }
  out.resize(n); // same size: nothing to do; grown within capacity: zeroes the rest
  return out;
}

void give_floats(std::vector<float>&& v) {
  std::vector<float> drop = std::move(v);
  v.clear();
  if (drop.capacity() < pooled_floats_min)
    return;
  pool& p = the_pool();
  const std::lock_guard<std::mutex> lock{p.mutex};
  if (p.kept.size() < pooled_floats_max)
    p.kept.push_back(std::move(drop));
}

std::size_t pooled_floats() {
  pool& p = the_pool();
  const std::lock_guard<std::mutex> lock{p.mutex};
  return p.kept.size();
}

} // namespace actors
