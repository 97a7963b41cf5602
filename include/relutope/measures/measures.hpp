#pragma once
// What users measure on a partition: how sampling compares with the exact regions, dead neurons,
// distances to region boundaries, and the Lipschitz constant.
#include "relutope/engine/exact_maps.hpp"
#include "relutope/engine/piece_join.hpp"
#include "relutope/engine/partition.hpp"
#include "relutope/network/slice.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace relutope {

/// Activation patterns at the centres of the R^d grid of cells of `domain` (R points in 1D),
/// evaluated in double precision on the network itself (on a slice, on the network of (s, t) as
/// evaluate_in builds it): the sampled count papers report. Points in row-major order (the last
/// coordinate fastest). `progress` is called after each chunk of 2^16 points (it may throw to stop).
std::vector<ActivationPattern> sampled_patterns(const Network& net, const Slice* slice, const Box& domain, int resolution,
                                                const std::function<void(long done, long total)>& progress = {});

/// How a set of sampled patterns compares with the exact regions.
struct SamplingReport {
  long distinct_patterns = 0;   // distinct sampled patterns
  long regions_found = 0;       // exact regions whose pattern was sampled
  std::vector<int> missed;      // exact regions no sample fell in, by index
  long foreign_patterns = 0;    // sampled patterns of no exact region (samples on a boundary)
  std::optional<Rational> smallest_missed, median_missed;  // area (length in 1D) of the missed
};

/// The distinct patterns of sampled_patterns, evaluated in chunks (R^d points need not fit in
/// memory at once). Throws InputError("--sample", ...) beyond 2^40 points.
std::set<ActivationPattern> distinct_sampled_patterns(const Network& net, const Slice* slice, const Box& domain, int resolution,
                                                      const std::function<void(long done, long total)>& progress = {});

/// Neurons (layer, index), both from 0, whose bit is 0 in every pattern given; layers are
/// numbered among those with pattern bits (hidden layers, as HyperplaneLabel numbers them).
/// `widths` are the layers' pattern widths (hidden_widths).
std::vector<std::pair<int, int>> dead_neurons(const std::vector<ActivationPattern>& patterns, const std::vector<int>& widths);

/// Each layer's number of pattern bits: its width if its activation has a kink, else 0 (an
/// identity layer has no pattern bits; the output layer usually is one). Indexed by layer.
std::vector<int> hidden_widths(const NetworkQ& net);

/// A value known to lie in [lower, upper] (outward rounded from an exact quantity).
struct Enclosure {
  double lower = 0, upper = 0;
  double mid() const { return lower + (upper - lower) / 2; }
  /// The significant digits of mid() that hold, 0..15: the largest d such that every value of
  /// [lower, upper] lies less than half a unit in mid()'s d-th significant digit away from
  /// mid(), so that mid() rounded to d significant digits (a tie either way) differs from the
  /// true value by less than one unit in its last place. 15 for an exact value (lower == upper).
  int certified_digits() const;
};

/// The distances from a point to where its activation pattern changes.
struct BoundaryDistance {
  int region = -1;                       // the region containing the point (lowest index on a tie)
  std::optional<Rational> squared;       // exact squared distance to the region's boundary inside
                                         // the domain; none if the region has no such boundary
  std::optional<Enclosure> distance;     // its square root, certified
  double neuron_estimate = 0;            // min over hidden neurons of |z(x)| / ||grad z(x)||, in
                                         // double (Hanin & Rolnick; Lazzari & Liu Fig. 9)
};
/// The region of the point x (exact, analysis coordinates), the exact distance to where its
/// pattern changes inside the domain, and the neuron-boundary estimate. `net` is the analysis
/// network the partition was enumerated from.
/// \pre x lies in the domain (else region = -1 and nothing else is set).
BoundaryDistance boundary_distance(const Partition& partition, const NetworkQ& net, const VecQ& x);

/// The same at many points (1D, 2D: fast; the region of each point's pattern in double is
/// tried first, and taken only when the point lies in it and in no other region, exactly).
std::vector<BoundaryDistance> boundary_distances(const Partition& partition, const NetworkQ& net, const std::vector<VecQ>& points);

/// Hanin & Rolnick's estimate of the distance to the nearest region boundary at each point:
/// min over the neurons with a kink of |z(x)| / ||grad z(x)||, z a neuron's pre-activation as a
/// function of the network's input features (the encoding's outputs; the coordinates for an
/// identity encoding), in double. Inside a region z is affine and the region, in the whole
/// feature space, is the intersection of its neurons' half-spaces z >= 0 or z <= 0, so the
/// estimate is the exact distance to the region's boundary in feature space; boundary_distance
/// is larger only where the domain clips the region. X: raw inputs, #points x input_dim.
/// Infinity at a point where no neuron's pre-activation varies.
VecD neuron_distances(const Network& net, const MatD& X);

/// The Lipschitz constant on the domain (2-norms): the largest spectral norm of any region's
/// affine map, certified (d <= 2 or at most 2 outputs: to the digits shown; otherwise enclosed
/// between the largest row norm and the Frobenius norm), against the product of the layers' spectral norms
/// (Rahaman Eq. 7; an upper bound in exact arithmetic, evaluated in double, not certified).
struct Lipschitz {
  Enclosure exact;
  int region = -1;       // where the maximum is attained
  double product_of_norms = 0;
};

/// The measures `regions` reports, taken from the region stream without holding the partition:
/// the count, dead neurons, adjacency and linear pieces (PieceJoin), the sampled comparison and
/// the Lipschitz constant. Memory per region: PieceJoin's (its packed pattern and approximate
/// map) and, for a region sampling missed, its record without coordinates (for its area).
class RegionSummary : public RegionSink {
public:
  /// `net` and `domain` as enumerated; `sampled`: distinct sampled patterns to compare with.
  RegionSummary(const NetworkQ& net, const Box& domain, std::optional<std::set<ActivationPattern>> sampled = {});

  /// Also sums every region's exact measure (length, area or volume: exact vertices for every
  /// region, the slow path), to check that the regions tile the domain.
  void sum_measures() { sum_measures_ = true; }
  Demand demand(const RegionRecord& record) const override;
  void add(RegionRecord&& record) override;

  struct Result {
    long regions = 0;
    PieceJoin::Result pieces;
    std::vector<std::pair<int, int>> dead_neurons;  // (hidden layer, index) of ReLU neurons 0 on every region
    std::optional<SamplingReport> sampling;         // with sampled patterns; the missed areas'
                                                    // smallest and median chosen in doubles (1D,
                                                    // 2D), their values exact
    Lipschitz lipschitz;
    std::optional<Rational> measure_sum;            // with sum_measures()
  };
  /// After the stream has ended.
  Result finish();

private:
  const NetworkQ& net_;
  ExactMaps exact_;
  PieceJoin join_;
  std::optional<std::set<std::vector<std::uint64_t>>> sampled_;
  long count_ = 0;
  std::vector<std::uint64_t> alive_;
  struct Missed {
    int region;
    double area;
    RegionRecord record;  // labels and pattern only
  };
  std::vector<Missed> missed_;
  long sampled_found_ = 0;
  struct Candidate {
    int region;
    double lower, upper;
    std::vector<std::uint64_t> pattern;
  };
  std::vector<Candidate> candidates_;  // regions whose norm may be the largest
  double largest_lower_ = 0;
  bool sum_measures_ = false;
  Rational measure_sum_;
};

/// The summary of `net` on `domain`: enumerate_regions into a RegionSummary.
RegionSummary::Result summarize(const NetworkQ& net, const Box& domain, std::optional<std::set<ActivationPattern>> sampled = {},
                                const RegionOptions& options = {});

}  // namespace relutope
