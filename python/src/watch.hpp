#pragma once
// Long work off the GIL: the work runs on a thread of its own while the Python thread waits with
// the GIL released, waking every 50 ms to draw progress and to look for Ctrl-C. A pending
// KeyboardInterrupt (or an error raised by the caller's progress function) asks the work to
// stop, and is raised once the work has ended.
#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace relutope::python {

namespace py = pybind11;

class Watch {
public:
  /// `progress`: True for a tqdm bar (when tqdm is installed; drawn only for work that lasts
  /// more than half a second), False or None for none, or a callable(done, total) called from
  /// the Python thread. `label` and `unit` describe the bar; `count_name` the running count
  /// (e.g. "regions") shown beside it, if the work reports one.
  Watch(py::object progress, std::string label, std::string unit, std::string count_name = "");
  /// Stops and joins work still running (an abandoned stream), the GIL released meanwhile.
  ~Watch();
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;

  // For the work, on any thread.
  void report(long done, long total, long count = -1);
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  /// Throws Interrupted when asked to stop: for work that checks between its own steps.
  void check() const;
  /// The lock and condition the Python thread waits on: a producer changes what wait()'s
  /// predicate reads under mutex() and then calls condition().notify_all().
  std::mutex& mutex() { return mutex_; }
  std::condition_variable& condition() { return condition_; }

  // For the Python thread, the GIL held.
  /// Starts `work` on its own thread.
  void start(std::function<void()> work);
  /// Waits until ready() (evaluated under mutex()) or the work has ended, then raises what
  /// ended the work: its exception, or KeyboardInterrupt. Returns whether ready() holds.
  bool wait(const std::function<bool()>& ready);
  /// start, then wait for the end.
  void run(std::function<void()> work);

private:
  void poll();  // takes the GIL: Ctrl-C and progress
  void show();  // draws the latest counts (GIL held)
  void request_stop();  // sets stopping() and wakes whoever waits on condition()
  void stop_and_join();
  void close_bar();

  py::object progress_, bar_;
  std::string label_, unit_, count_name_;
  std::atomic<long> done_{0}, total_{0}, count_{-1};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable condition_;
  bool finished_ = false;  // under mutex_
  std::exception_ptr failure_;
  std::optional<py::error_already_set> python_error_;
  std::thread worker_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace relutope::python
