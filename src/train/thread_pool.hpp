#pragma once
// The trainer's data-parallel loops on a fixed number of threads (internal), over TBB.
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <functional>
#include <thread>

namespace relutope::internal {

/// The number of threads `requested` stands for: itself when positive, else the number of
/// hardware threads the machine reports (at least 1).
inline int thread_count(int requested) {
  return requested > 0 ? requested : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

/// Loops of independent tasks on `threads` threads (a TBB arena of that size, at most the
/// cores: beyond them TBB only warns).
class ThreadPool {
public:
  explicit ThreadPool(int threads) : arena_(std::min(threads, thread_count(0))), threads_(threads) {}

  int threads() const { return threads_; }

  /// Runs task(i) for every i in [0, count) and returns when all have run. Which thread runs a
  /// task, and in what order tasks finish, vary from run to run: a task's result must not depend
  /// on either. An exception a task throws is rethrown here.
  void run(int count, const std::function<void(int)>& task) {
    arena_.execute([&] { tbb::parallel_for(0, count, [&](int i) { task(i); }); });
  }

private:
  tbb::task_arena arena_;
  int threads_;
};

}  // namespace relutope::internal
