#include "watch.hpp"

#include "relutope/error.hpp"

namespace relutope::python {

using namespace std::chrono_literals;

Watch::Watch(py::object progress, std::string label, std::string unit, std::string count_name)
    : progress_(std::move(progress)), label_(std::move(label)), unit_(std::move(unit)), count_name_(std::move(count_name)) {}

Watch::~Watch() {
  if (worker_.joinable()) {
    py::gil_scoped_release release;
    stop_and_join();
  }
  try {
    close_bar();
  } catch (const py::error_already_set&) {  // a destructor does not throw: the bar is gone anyway
  }
}

void Watch::report(long done, long total, long count) {
  done_.store(done, std::memory_order_relaxed);
  total_.store(total, std::memory_order_relaxed);
  if (count >= 0) count_.store(count, std::memory_order_relaxed);
}

void Watch::check() const {
  if (stopping()) throw Interrupted();
}

void Watch::start(std::function<void()> work) {
  start_ = std::chrono::steady_clock::now();
  worker_ = std::thread([this, work = std::move(work)] {
    std::exception_ptr failure;
    try {
      work();
    } catch (...) {
      failure = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      failure_ = failure;
      finished_ = true;
    }
    condition_.notify_all();
  });
}

void Watch::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  condition_.notify_all();  // a producer waiting for room wakes and sees stopping()
}

void Watch::stop_and_join() {
  request_stop();
  worker_.join();
}

bool Watch::wait(const std::function<bool()>& ready) {
  bool is_ready = false;
  {
    py::gil_scoped_release release;
    std::unique_lock<std::mutex> lock(mutex_);
    // Once stopping for Ctrl-C nothing more is handed out: the work's end is awaited.
    auto done = [&] { return (is_ready = !python_error_ && ready()) || finished_; };
    while (!done()) {
      condition_.wait_for(lock, 50ms);
      if (done()) break;
      lock.unlock();
      poll();
      lock.lock();
    }
  }
  if (!is_ready) {  // the work has ended
    if (worker_.joinable()) worker_.join();
    close_bar();
    if (python_error_) {
      py::error_already_set error = std::move(*python_error_);
      python_error_.reset();
      throw error;
    }
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }
  return is_ready;
}

void Watch::poll() {
  py::gil_scoped_acquire acquire;
  if (python_error_) return;
  try {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    show();
  } catch (py::error_already_set& e) {  // Ctrl-C, or the caller's progress function raised
    python_error_.emplace(std::move(e));
    request_stop();
  }
}

void Watch::run(std::function<void()> work) {
  start(std::move(work));
  wait([] { return false; });
}

void Watch::show() {
  const long done = done_.load(std::memory_order_relaxed), total = total_.load(std::memory_order_relaxed);
  if (progress_.is_none() || (py::isinstance<py::bool_>(progress_) && !progress_.cast<bool>())) return;
  if (!py::isinstance<py::bool_>(progress_)) {
    progress_(done, total);
    return;
  }
  if (bar_.is_none() || !bar_) {
    if (std::chrono::steady_clock::now() - start_ < 500ms) return;
    // A bar on a terminal or in a notebook; in a log file its redraws would be noise.
    const py::module_ sys = py::module_::import("sys");
    const py::object stderr_ = sys.attr("stderr");
    const bool terminal = !stderr_.is_none() && py::hasattr(stderr_, "isatty") && stderr_.attr("isatty")().cast<bool>();
    if (!terminal && !sys.attr("modules").contains("ipykernel")) {
      progress_ = py::bool_(false);
      return;
    }
    py::object tqdm;
    try {
      tqdm = py::module_::import("tqdm.auto").attr("tqdm");
    } catch (const py::error_already_set&) {
      progress_ = py::bool_(false);  // no tqdm: no bar
      return;
    }
    bar_ = tqdm(py::arg("total") = total, py::arg("desc") = label_, py::arg("unit") = unit_, py::arg("leave") = false);
    // Rates count from the work's start, not the bar's.
    bar_.attr("start_t") = bar_.attr("start_t").cast<double>() - std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  bar_.attr("total") = total;
  bar_.attr("n") = done;
  const long count = count_.load(std::memory_order_relaxed);
  if (count >= 0 && !count_name_.empty()) bar_.attr("set_postfix_str")(std::to_string(count) + " " + count_name_, false);
  bar_.attr("refresh")();
}

void Watch::close_bar() {
  if (bar_ && !bar_.is_none()) {
    py::object bar = std::move(bar_);
    bar_ = py::object();
    bar.attr("close")();
  }
}

}  // namespace relutope::python
