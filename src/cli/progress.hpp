#pragma once
// A progress line on stderr for long work: shown only on a terminal and unless --quiet,
// redrawn at most a few times a second.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace relutope::cli {

class Progress {
public:
  Progress(std::string label, long total, bool quiet)
      : label_(std::move(label)), total_(total), shown_(!quiet && ::isatty(STDERR_FILENO)),
        start_(std::chrono::steady_clock::now()), last_(start_) {}
  ~Progress() { finish(); }

  /// Reports `done` of `total` units; `detail` is appended (e.g. "loss 0.031").
  void update(long done, const std::string& detail = "") {
    if (!shown_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(250) && done < total_) return;
    last_ = now;
    const double elapsed = seconds();
    const double rate = elapsed > 0 ? done / elapsed : 0.0;
    const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
    std::fprintf(stderr, "\r%s %ld/%ld  %s  %.0f/s  ETA %.0fs   ", label_.c_str(), done, total_, detail.c_str(), rate, eta);
    std::fflush(stderr);
    drawn_ = true;
  }

  /// Clears the line, once.
  void finish() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

private:
  std::string label_;
  long total_;
  bool shown_, drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace relutope::cli
