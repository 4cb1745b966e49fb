// thread_pool: a fixed set of compute threads for data-parallel loops.
//
// The calling thread takes part in every parallel_for, so a pool of size N
// starts N-1 threads and a pool of size 1 starts none. Workers spin briefly
// between loops (a training step runs dozens of short loops back to back)
// and then sleep, so an idle pool costs no CPU. One thread at a time may call
// parallel_for; each training worker owns its own pool, which is how several
// workers in one process avoid oversubscribing the cores.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace actors {

/// Runs index ranges of a loop on a fixed number of threads.
class thread_pool {
public:
  /// Starts `threads - 1` helper threads; `threads` >= 1.
  explicit thread_pool(std::size_t threads = 1);
  ~thread_pool();

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  /// Number of threads that run a loop, the caller included.
  std::size_t size() const { return workers_.size() + 1; }

  /// Calls fn(task) for task in [0, tasks), spread over the threads, and
  /// returns when all calls have returned.
  void run(std::size_t tasks, const std::function<void(std::size_t)>& fn);

  /// Splits [0, n) into size() contiguous chunks and calls
  /// fn(begin, end, thread_index) once per non-empty chunk.
  void parallel_for(std::size_t n,
                    const std::function<void(std::size_t, std::size_t,
                                             std::size_t)>& fn);

private:
  void worker_loop(std::size_t index);
  void work_on_current();

  std::vector<std::thread> workers_;
  std::mutex mtx_;
  std::condition_variable wake_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> next_task_{0};
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> tasks_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<const std::function<void(std::size_t)>*> fn_{nullptr};
  bool stop_ = false;
};

} // namespace actors
