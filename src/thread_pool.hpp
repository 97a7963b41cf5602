#pragma once
// A fixed team of threads for the trainer's data-parallel loops (internal).
#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace relutope::internal {

/// The number of threads `requested` stands for: itself when positive, else the number of
/// hardware threads the machine reports (at least 1).
int thread_count(int requested);

/// `threads` threads, the caller and threads - 1 workers, that run loops of independent tasks.
/// The trainer runs two loops a step, a few milliseconds apart: after a loop the workers spin for
/// a few tens of microseconds before they sleep, so that the next loop does not wait for the
/// operating system to wake them.
class ThreadPool {
public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  /// Runs task(i) for every i in [0, count) and returns when all have run. Tasks are taken in
  /// increasing i by whichever thread is free, so which thread runs a task, and in what order
  /// tasks finish, vary from run to run: a task's result must not depend on either. The first
  /// exception a task throws is rethrown here, after every task has finished. Not reentrant.
  void run(int count, const std::function<void(int)>& task);

private:
  void work();
  void drain(const std::function<void(int)>& task, int count);  // takes tasks until none are left
  bool idle() const;

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  // Written under mutex_; generation_ and busy_ are also read without it while spinning.
  const std::function<void(int)>* task_ = nullptr;
  int count_ = 0;
  std::atomic<unsigned> generation_{0};  // one more every loop
  std::atomic<int> busy_{0};             // workers that took this loop's task and count
  std::atomic<int> next_{0};             // the next task to take
  bool stop_ = false;
  std::exception_ptr error_;
};

}  // namespace relutope::internal
