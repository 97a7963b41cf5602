#pragma once
// Seeded random streams (internal). std::mt19937_64's output is fixed by the standard, and the
// conversions below are ours, so a seed gives the same numbers with any standard library
// (std::uniform_real_distribution is implementation-defined).
#include <cmath>
#include <cstdint>
#include <random>

namespace relutope::internal {

/// Independent purposes draw from independent streams of one seed. A stream starts from
/// seed * 4 + its number, so the first four never meet another seed's; perturbation's 2^63 + 1
/// keeps it apart from them for every seed below 2^61.
enum class Stream : std::uint64_t { init = 1, data = 2, shuffle = 3, pairs = 4, perturbation = (1ULL << 63) + 1 };

class Random {
public:
  Random(std::uint64_t seed, Stream stream) : engine_(mix(seed * 4 + static_cast<std::uint64_t>(stream))) {}

  /// Uniform on [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Standard normal, by Marsaglia's polar method (no trigonometry; the pair's second value is
  /// dropped, so that each call stands alone).
  double normal() {
    double u, v, s;
    do {
      u = uniform(-1, 1);
      v = uniform(-1, 1);
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    return u * std::sqrt(-2 * std::log(s) / s);
  }
  /// Uniform integer in [0, n), without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x;
    do x = engine_(); while (x >= limit);
    return x % n;
  }

private:
  static std::uint64_t mix(std::uint64_t z) {  // splitmix64: nearby seeds give unrelated states
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::mt19937_64 engine_;
};

}  // namespace relutope::internal
