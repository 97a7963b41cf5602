#pragma once
// Ctrl-C while files stream: the work stops between regions and unwinds, so that no half-written
// file stays behind, instead of the process dying where it stands.
#include <atomic>
#include <csignal>

namespace relutope::cli {

/// While alive, SIGINT sets a flag that stop_requested() reports (pass it as
/// EngineOptions::should_stop); the previous handler comes back after.
class InterruptScope {
public:
  InterruptScope() : previous_(std::signal(SIGINT, [](int) { flag().store(true); })) {}
  ~InterruptScope() { std::signal(SIGINT, previous_); }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  static bool stop_requested() { return flag().load(); }

private:
  static std::atomic<bool>& flag() {
    static std::atomic<bool> value{false};
    return value;
  }
  void (*previous_)(int);
};

}  // namespace relutope::cli
