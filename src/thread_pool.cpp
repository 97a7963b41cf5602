#include "thread_pool.hpp"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace relutope::internal {
namespace {

void pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Spins until done() or for `limit`; whether done() held.
template <class Done>
bool spin(Done done, std::chrono::microseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  for (int i = 1;; ++i) {
    if (done()) return true;
    pause();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > end) return done();
  }
}

constexpr std::chrono::microseconds spin_limit{50};

}  // namespace

int thread_count(int requested) {
  if (requested > 0) return requested;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? static_cast<int>(hardware) : 1;
}

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

bool ThreadPool::idle() const { return busy_.load(std::memory_order_acquire) == 0; }

void ThreadPool::drain(const std::function<void(int)>& task, int count) {
  for (int i; (i = next_.fetch_add(1)) < count;) {
    try {
      task(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::run(int count, const std::function<void(int)>& task) {
  if (workers_.empty() || count <= 1) {
    std::exception_ptr error;
    for (int i = 0; i < count; ++i) {
      try {
        task(i);
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // A worker may still hold the last loop's count (it took it, but too late to find a task):
    // let it leave before next_ starts again, or it would take one of this loop's tasks and run
    // the last loop's function on it.
    done_.wait(lock, [this] { return idle(); });
    task_ = &task;
    count_ = count;
    error_ = nullptr;
    next_.store(0);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  drain(task, count);
  // Every task is taken; wait for the workers running the last ones.
  if (!spin([this] { return idle(); }, spin_limit)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return idle(); });
  }
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    error = error_;
    error_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

void ThreadPool::work() {
  unsigned seen = 0;
  for (;;) {
    spin([&] { return generation_.load(std::memory_order_acquire) != seen; }, spin_limit);
    const std::function<void(int)>* task;
    int count;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
      if (stop_) return;
      seen = generation_.load();
      task = task_;
      count = count_;
      busy_.fetch_add(1);
    }
    drain(*task, count);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      busy_.fetch_sub(1, std::memory_order_release);
    }
    done_.notify_all();
  }
}

}  // namespace relutope::internal
