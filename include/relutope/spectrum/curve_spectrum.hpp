#pragma once
// The network along Rahaman et al.'s flower curve gamma_L (Exp. 5, Fig. 8): the exact pieces on
// which f o gamma_L has one activation pattern, and the certified Fourier coefficients of
// f o gamma_L over z in [0, 1], from closed forms on the pieces instead of a DFT of samples.
#include "relutope/network/network.hpp"
#include "relutope/spectrum/spectrum.hpp"

#include <functional>
#include <vector>

namespace relutope {

/// A point gamma_L(z) of the curve in one of its rational charts. With z = half/2 + atan(t)/pi,
/// half in {0, 1, 2} and t in [-1, 1], cos 2 pi z, sin 2 pi z and sin 2 pi L z are rational in t
/// (half-angle substitution), so a rational t gives a rational point of the curve, and the curve
/// meets a line where a polynomial in t with rational coefficients (degree 2L + 2) vanishes.
/// The point's t is known exactly as the only root of that polynomial in [lo, hi] (lo == hi: t is
/// that rational).
struct CurvePoint {
  int half = 0;
  Rational lo, hi;
};

/// A maximal stretch of z in [0, 1] (the curve cut at z = 0) on which every hidden neuron's
/// pre-activation keeps its sign (pattern bit 1 where it is > 0), so f o gamma_L = w . gamma_L + b.
struct CurvePiece {
  CurvePoint start, end;
  ActivationPattern pattern;
  MatQ weight;  // #outputs x 2: the exact affine map of the network's outputs on the piece
  VecQ bias;    // #outputs
};

/// The exact pieces of the network `net` (2 raw inputs, identity encoding) along gamma_L,
/// L = petals >= 0, in the order of z. Crossings are isolated exactly (the polynomials' real roots
/// in rational intervals, by Descartes' rule of signs and bisection, told equal by the gcd of two
/// polynomials where intervals overlap); patterns are evaluated at rational points between them.
/// Throws InputError("net", ...) for another input dimension or encoding, ("petals", ...) for L
/// outside 0..1000.
std::vector<CurvePiece> curve_pieces(const Network& net, int petals);

/// The Fourier coefficients of f o gamma_L along the whole curve.
struct CurveSpectrum {
  std::vector<Coefficient> coefficients;  // frequency-major: k0 out0, k0 out1, ... (k has 1 entry)
  long pieces = 0;                        // the number of curve_pieces
};

/// c(k) = integral over z in [0, 1] of f(gamma_L(z)) exp(-2 pi i k z) dz for each integer k and
/// each output, as balls at `precision_bits` (32..4096) turned into certified decimals (see
/// Coefficient): on each piece, w . gamma_L(z) + b is a sum of exp(2 pi i m z),
/// m in {0, +-1, +-(L+1), +-(L-1)}, integrated in closed form between the pieces' ends, whose z
/// are enclosed from their t-intervals. `progress` is called as frequencies are done.
/// Throws as curve_pieces, and InputError("--precision", ...) for a precision out of range.
CurveSpectrum flower_spectrum(const Network& net, int petals, const std::vector<long>& frequencies,
                              long precision_bits = 128,
                              const std::function<void(long done, long total)>& progress = {});

}  // namespace relutope
