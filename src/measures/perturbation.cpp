#include "relutope/measures/perturbation.hpp"

#include "relutope/engine/partition.hpp"
#include "relutope/error.hpp"
#include "relutope/spectrum/spectrum.hpp"
#include "train/random.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace relutope {

VecD parameters(const Network& net) {
  VecD theta(net.parameter_count());
  Eigen::Index at = 0;
  for (const Layer& layer : net.layers) {
    for (Eigen::Index i = 0; i < layer.weight.rows(); ++i)
      for (Eigen::Index j = 0; j < layer.weight.cols(); ++j) theta(at++) = layer.weight(i, j);
    for (Eigen::Index i = 0; i < layer.bias.size(); ++i) theta(at++) = layer.bias(i);
  }
  return theta;
}

Network perturbed(const Network& net, const VecD& direction, double delta) {
  if (direction.size() != net.parameter_count())
    throw InputError("directions", "expected " + std::to_string(net.parameter_count()) + " entries (the network's weights and biases), got " +
                                       std::to_string(direction.size()));
  Network out = net;
  Eigen::Index at = 0;
  for (Layer& layer : out.layers) {
    for (Eigen::Index i = 0; i < layer.weight.rows(); ++i)
      for (Eigen::Index j = 0; j < layer.weight.cols(); ++j) layer.weight(i, j) += delta * direction(at++);
    for (Eigen::Index i = 0; i < layer.bias.size(); ++i) layer.bias(i) += delta * direction(at++);
  }
  return out;
}

namespace {

// The next direction of the perturbation stream: a Gaussian vector of n entries, normalised.
VecD random_direction(internal::Random& random, Eigen::Index n) {
  VecD direction(n);
  for (Eigen::Index p = 0; p < n; ++p) direction(p) = random.normal();
  return direction / direction.norm();
}

// |c(k_i)| of output 0 for each frequency, and the fewest certified digits among them.
std::vector<double> magnitudes(const Network& net, const Box& domain, const std::vector<VecQ>& ks, int& digits) {
  const std::vector<Coefficient> values = spectrum(regions(to_exact(net), domain), ks);
  const size_t outputs = values.size() / ks.size();
  std::vector<double> abs;
  for (size_t i = 0; i < ks.size(); ++i) {
    abs.push_back(values[i * outputs].abs);
    digits = std::min(digits, values[i * outputs].certified_digits);
  }
  return abs;
}

// The robustness over `samples` directions, the s-th given by direction(s) with unit norm, one
// at a time (a 6 x 256 network has 264,000 parameters: 100 directions would take 200 MB).
PerturbationRobustness robustness_of(const Network& net, const Box& domain, const std::vector<double>& deltas,
                                     const std::vector<double>& frequencies, Eigen::Index samples,
                                     const std::function<VecD(Eigen::Index)>& direction,
                                     const std::function<void(long, long)>& progress) {
  if (net.input_dim != 1 || net.encoding.type != Encoding::Type::identity)
    throw InputError("net", "perturbation robustness needs a 1-input network without an encoding");
  if (domain.dim() != 1) throw InputError("--domain", "give an interval a,b for a 1-input network");
  if (deltas.empty()) throw InputError("deltas", "give at least one perturbation magnitude");
  for (double delta : deltas)
    if (!std::isfinite(delta) || delta < 0) throw InputError("deltas", "magnitudes must be finite and >= 0");
  if (frequencies.empty()) throw InputError("frequencies", "give at least one frequency");
  for (double k : frequencies)
    if (!std::isfinite(k)) throw InputError("frequencies", "frequencies must be finite");
  std::vector<VecQ> ks;
  for (double k : frequencies) ks.push_back({to_exact(k)});
  const auto D = static_cast<Eigen::Index>(deltas.size()), F = static_cast<Eigen::Index>(frequencies.size());
  PerturbationRobustness r;
  r.deltas = deltas;
  r.frequencies = frequencies;
  r.certified_digits = std::numeric_limits<int>::max();
  const auto moved = static_cast<long>(std::count_if(deltas.begin(), deltas.end(), [](double d) { return d > 0; }));
  const long total = 1 + samples * moved;
  long done = 0;
  r.reference = magnitudes(net, domain, ks, r.certified_digits);
  if (progress) progress(++done, total);
  // The ratios' running mean and sum of squared deviations (Welford: no cancellation where
  // the spread is tiny next to the mean), #deltas x #frequencies.
  r.robustness = MatD::Zero(D, F);
  MatD deviations = MatD::Zero(D, F);
  for (Eigen::Index s = 0; s < samples; ++s) {
    const VecD theta_hat = direction(s);
    for (Eigen::Index j = 0; j < D; ++j) {
      const double delta = deltas[static_cast<size_t>(j)];
      // theta* + 0 theta_hat is theta* itself: its row is the reference's.
      const std::vector<double> abs = delta == 0 ? r.reference : magnitudes(perturbed(net, theta_hat, delta), domain, ks, r.certified_digits);
      for (Eigen::Index i = 0; i < F; ++i) {
        const double reference = r.reference[static_cast<size_t>(i)];
        const double ratio = reference > 0 ? abs[static_cast<size_t>(i)] / reference : std::numeric_limits<double>::quiet_NaN();
        const double step = ratio - r.robustness(j, i);
        r.robustness(j, i) += step / static_cast<double>(s + 1);
        deviations(j, i) += step * (ratio - r.robustness(j, i));
      }
      if (delta > 0 && progress) progress(++done, total);
    }
  }
  r.spread = (deviations / static_cast<double>(samples)).cwiseSqrt();
  return r;
}

}  // namespace

MatD random_directions(const Network& net, int samples, std::uint64_t seed) {
  if (samples < 1) throw InputError("samples", "must be at least 1");
  internal::Random random(seed, internal::Stream::perturbation);
  MatD directions(samples, net.parameter_count());
  for (Eigen::Index s = 0; s < directions.rows(); ++s) directions.row(s) = random_direction(random, directions.cols());
  return directions;
}

PerturbationRobustness perturbation_robustness(const Network& net, const Box& domain, const std::vector<double>& deltas,
                                               const std::vector<double>& frequencies, const MatD& directions,
                                               const std::function<void(long, long)>& progress) {
  if (directions.rows() == 0) throw InputError("directions", "give at least one direction");
  if (directions.cols() != net.parameter_count())
    throw InputError("directions", "each direction needs " + std::to_string(net.parameter_count()) +
                                       " entries (the network's weights and biases), got " + std::to_string(directions.cols()));
  for (Eigen::Index s = 0; s < directions.rows(); ++s) {
    const double norm = directions.row(s).norm();
    if (!std::isfinite(norm) || norm == 0) throw InputError("directions", "direction " + std::to_string(s) + " is zero or not finite");
  }
  return robustness_of(net, domain, deltas, frequencies, directions.rows(),
                       [&](Eigen::Index s) -> VecD { return directions.row(s).transpose() / directions.row(s).norm(); }, progress);
}

PerturbationRobustness perturbation_robustness(const Network& net, const Box& domain, const std::vector<double>& deltas,
                                               const std::vector<double>& frequencies, int samples, std::uint64_t seed,
                                               const std::function<void(long, long)>& progress) {
  if (samples < 1) throw InputError("samples", "must be at least 1");
  internal::Random random(seed, internal::Stream::perturbation);
  return robustness_of(net, domain, deltas, frequencies, samples,
                       [&](Eigen::Index) { return random_direction(random, net.parameter_count()); }, progress);
}

}  // namespace relutope
