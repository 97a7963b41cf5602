#pragma once
// Rahaman et al. Experiment 2 (their Fig. 3): how robust each Fourier component of a trained
// 1-input network is to random perturbations of its parameters, from the exact regions and the
// certified spectrum of every perturbed network.
#include "relutope/domain.hpp"
#include "relutope/exact.hpp"
#include "relutope/network/network.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace relutope {

/// Every weight and bias of the network in one vector theta (parameter_count entries), in
/// PyTorch's order (torch.nn.utils.parameters_to_vector): layer by layer, the weight row by row
/// (W is #out x #in), then the bias.
VecD parameters(const Network& net);

/// The network at the parameters theta + delta * direction (direction in the order of
/// parameters()), each sum rounded to double as a float64 network holds it. delta = 0 gives the
/// network itself. Throws InputError("directions", ...) when the length is not parameter_count.
Network perturbed(const Network& net, const VecD& direction, double delta);

/// `samples` random isotropic unit directions in the parameter space of `net`, as rows
/// (#samples x parameter_count): standard normal entries divided by the row's norm (a Gaussian
/// vector's direction is uniform on the sphere), drawn from `seed`'s perturbation stream: the
/// same seed gives the same directions.
MatD random_directions(const Network& net, int samples, std::uint64_t seed);

/// Rahaman et al. Exp. 2: for every delta_j and frequency k_i, the mean over the directions
/// theta_hat of |c_theta(k_i)| / |c_theta*(k_i)|, where theta = theta* + delta_j theta_hat and c
/// is output 0's Fourier coefficient on the domain (spectrum.hpp's c(k)). The same directions
/// serve every delta, so that the rows differ only by delta. 1 at delta = 0; nan where
/// c_theta*(k_i) = 0.
struct PerturbationRobustness {
  std::vector<double> deltas, frequencies;
  MatD robustness;                // #deltas x #frequencies: the mean ratio
  MatD spread;                    // #deltas x #frequencies: its standard deviation (divided by #samples)
  std::vector<double> reference;  // |c_theta*(k_i)|, #frequencies
  int certified_digits = 0;       // the fewest certified digits of any |c| the ratios were taken from
};

/// net: a trained 1-input network without an encoding (theta*); domain: an interval.
/// deltas: the perturbation magnitudes (finite, >= 0); frequencies: the k_i (finite, cycles per
/// unit length). directions: #samples x parameter_count, each row theta_hat (scaled here to
/// unit norm). progress(done, total) is called after each network (the unperturbed one, then
/// direction by direction, delta by delta); it may throw to stop. Throws InputError naming the
/// argument at fault: empty lists, a negative delta, a zero row, a network with more than one
/// input or an encoding.
PerturbationRobustness perturbation_robustness(const Network& net, const Box& domain, const std::vector<double>& deltas,
                                               const std::vector<double>& frequencies, const MatD& directions,
                                               const std::function<void(long done, long total)>& progress = {});

/// The same over `samples` random directions drawn one at a time: those of
/// random_directions(net, samples, seed), without holding them all.
PerturbationRobustness perturbation_robustness(const Network& net, const Box& domain, const std::vector<double>& deltas,
                                               const std::vector<double>& frequencies, int samples, std::uint64_t seed,
                                               const std::function<void(long done, long total)>& progress = {});

}  // namespace relutope
