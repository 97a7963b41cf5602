#pragma once
// The exact enumeration of a ReLU network's activation regions on a box, in any input dimension,
// streamed to a sink.
#include "relutope/domain.hpp"
#include "relutope/engine/region_record.hpp"
#include "relutope/error.hpp"
#include "relutope/network/network.hpp"

#include <atomic>
#include <functional>

namespace relutope {

/// Bounds on an enumeration, its threads, and a way to watch and stop it.
struct EngineOptions {
  long max_regions = 1'000'000;   // more regions than this: LimitError
  double time_limit = 0;          // seconds; 0: none. Exceeded: LimitError
  int threads = 0;                // 0 (or more than the cores): every core. The output does not depend on it.
  /// Called now and then from the consuming thread with (first-layer cells done, their number,
  /// regions so far).
  std::function<void(long done, long total, long regions)> progress;
  /// Checked now and then on every thread: when it returns true the enumeration stops with
  /// Interrupted (Ctrl-C in the bindings).
  std::function<bool()> should_stop;
};

/// How the predicates were decided in one enumeration.
struct PredicateCounts {
  long filtered = 0;  // decided in floating point, with a proof that the sign is right
  long exact = 0;     // decided in exact integer arithmetic (the filter could not tell)
};

/// Enumerates the activation regions of `net` on `domain`: refines the box layer by layer,
/// cutting each region by the zero sets of the next layer's neurons (DESIGN.md §3), every
/// decision certified (§3a). `net` must have identity encoding (compose a slice first) and as
/// many inputs as `domain` has dimensions (1 to 8). Each region reaches `sink` once, in an order
/// that does not depend on the thread count. Throws InputError on a mismatch, LimitError at a
/// limit, Interrupted when asked to stop.
PredicateCounts enumerate_regions(const NetworkQ& net, const Box& domain, RegionSink& sink,
                                  const EngineOptions& options = {});

/// Test switch: with true, every predicate is decided in exact arithmetic (the filter is off).
/// The regions and every exact value are the same either way (the approximate vertices of the
/// records may differ in their last bits); only the time differs.
void force_exact_predicates(bool on);

/// The largest input dimension the engine takes.
constexpr int max_engine_dim = 8;

}  // namespace relutope
