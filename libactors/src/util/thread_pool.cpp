#include "actors/util/thread_pool.hpp"

#include <immintrin.h>

namespace actors {

namespace {

// About half a millisecond of polling: long enough to bridge the gaps between
// the loops of one training step, short enough not to burn a core when idle.
constexpr int spin_iterations = 8192;

} // namespace

thread_pool::thread_pool(std::size_t threads) {
  if (threads < 1)
    threads = 1;
  workers_.reserve(threads - 1);
  for (std::size_t i = 1; i < threads; ++i)
    workers_.emplace_back([this, i] { worker_loop(i); });
}

thread_pool::~thread_pool() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& t : workers_)
    t.join();
}

void thread_pool::run(std::size_t tasks,
                      const std::function<void(std::size_t)>& fn) {
  if (tasks == 0)
    return;
  if (workers_.empty() || tasks == 1) {
    for (std::size_t t = 0; t < tasks; ++t)
      fn(t);
    return;
  }
  fn_.store(&fn, std::memory_order_relaxed);
  tasks_.store(tasks, std::memory_order_relaxed);
  pending_.store(tasks, std::memory_order_relaxed);
  next_task_.store(0, std::memory_order_release);
  {
    // The lock orders the generation bump against a worker that is about to
    // sleep, so no wake-up is lost.
    std::lock_guard<std::mutex> guard{mtx_};
    generation_.fetch_add(1, std::memory_order_release);
  }
  if (sleepers_.load(std::memory_order_acquire) > 0)
    wake_.notify_all();
  work_on_current();
  for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
    if (spins < spin_iterations)
      _mm_pause();
    else
      std::this_thread::yield();
  }
}

void thread_pool::parallel_for(
  std::size_t n,
  const std::function<void(std::size_t, std::size_t, std::size_t)>& fn) {
  if (n == 0)
    return;
  const std::size_t chunks = n < size() ? n : size();
  run(chunks, [&](std::size_t t) {
    const std::size_t begin = n * t / chunks;
    const std::size_t end = n * (t + 1) / chunks;
    if (begin < end)
      fn(begin, end, t);
  });
}

void thread_pool::work_on_current() {
  for (;;) {
    const std::size_t t = next_task_.fetch_add(1, std::memory_order_acq_rel);
    if (t >= tasks_.load(std::memory_order_relaxed))
      return;
    (*fn_.load(std::memory_order_relaxed))(t);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void thread_pool::worker_loop(std::size_t) {
  std::uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen
           && spins < spin_iterations) {
      _mm_pause();
      ++spins;
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> guard{mtx_};
      sleepers_.fetch_add(1, std::memory_order_acq_rel);
      wake_.wait(guard, [&] {
        return generation_.load(std::memory_order_acquire) != seen;
      });
      sleepers_.fetch_sub(1, std::memory_order_acq_rel);
    }
    seen = generation_.load(std::memory_order_acquire);
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (stop_)
        return;
    }
    work_on_current();
  }
}

} // namespace actors
