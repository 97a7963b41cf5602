#pragma once
// The FFT estimate of the Fourier coefficients that users compute from samples (floating path).
#include "relutope/slice.hpp"

#include <complex>
#include <optional>
#include <vector>

namespace relutope {

/// The rectangle rule on the N^d grid x_j = lo + (hi - lo) j / N, j = 0..N-1, through FFTW:
/// c_N(k) = (1/N^d) sum_j f(x_j) exp(-2 pi i k.x_j), as `np.fft.fft(y) / N` gives it (Rahaman et
/// al.'s notebook). One entry per (frequency, output), frequency-major; empty where k (hi - lo)
/// is not an integer vector with |m| < N/2 in each entry (off the FFT's grid).
std::vector<std::optional<std::complex<double>>> fft_estimate(const Network& net, const Slice* slice, const Box& domain,
                                                              int n, const std::vector<VecQ>& frequencies);

}  // namespace relutope
