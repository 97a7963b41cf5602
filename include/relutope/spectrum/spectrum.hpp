#pragma once
// The closed-form Fourier transform of the network's piecewise-linear function on its domain,
// from the exact regions, with certified digits: in hardware doubles with rigorous radii
// (route C) or in Arb's ball arithmetic (routes A and B).
#include "relutope/engine/partition.hpp"

#include <functional>
#include <string>
#include <vector>

namespace relutope {

enum class SpectrumRoute {
  edges,    // (C) Green's identity: one term per region edge with a kink, in hardware doubles
            // with certified radii (53 bits, typically 8-12 digits); the fast route. Where
            // |k| diam D < 1 and it certifies fewer than 6 digits, route A recomputes the frequency.
  regions,  // (A) region by region: each region's integral as a sum over its edges of divided
            // differences of exp (DESIGN §5), in Arb
  lemma1    // (B) Rahaman et al. Lemma 1's region sum plus the domain's boundary integral, in Arb
};

/// One Fourier coefficient c(k) = (1/vol D) * integral over D of f_out(x) exp(-2 pi i k.x) dx.
///
/// What "d certified digits" means. `re` and `im` are decimal strings ("-1.25e-3") whose last
/// digits sit at one place 10^e, and each differs from the exact real or imaginary part of c(k)
/// by less than 10^e, one unit in that place: it is the exact part rounded down or up to that
/// place (a faithful rounding), the rounding of the printed string counted in. d is the number of
/// significant digits of the larger string, from its leading digit down to 10^e, so the digits
/// are relative to |c(k)|; the smaller part shows fewer ("0e-7": 0 to within 10^-7). With d = 0
/// both strings are "0eE": each part is below 10^E in magnitude. "0" alone is an exact zero (both
/// "0": c(k) = 0 exactly, claiming the precision's digits). d never exceeds floor(bits log10 2).
struct Coefficient {
  VecQ k;                    // cycles per unit length, exact
  int out = 0;               // which output of the network
  std::string re, im;        // decimal strings to the certified place (above)
  double re_double = 0, im_double = 0, abs = 0;  // the enclosure's midpoint, rounded: not certified
  int certified_digits = 0;  // d above
  int bits = 0;              // the precision it was evaluated at (53: route C, in doubles)
  SpectrumRoute route{};     // the route that evaluated it (route A where route C fell back)
  bool exact = false;        // k = 0: the mean, an exact rational
  std::string mean;          // with exact: the mean as "p/q" (re holds its decimal digits)
};

struct SpectrumOptions {
  long precision_bits = 128;   // Arb's working precision, 32..4096: routes A and B, route C's
                               // fallback, and the decimal digits of the exact mean
  SpectrumRoute route = SpectrumRoute::edges;
  std::function<void(long done, long total)> progress;  // called as frequencies are done
};

/// c(k) for every frequency and every output (frequency-major: k0 out0, k0 out1, ...).
/// Each k has partition.dim entries. Route C is fastest on integer grids listed row by row
/// (as frequency_grid does): neighbouring frequencies share their phases by multiplication.
/// Throws InputError for a dimension mismatch or a precision out of range.
std::vector<Coefficient> spectrum(const Partition& partition, const std::vector<VecQ>& frequencies,
                                  const SpectrumOptions& options = {});

/// Route B's parts, which users study: for each region e the term
/// -(i / |q|^2) (W_e . q) * integral over P_e of exp(-i q.x) dx / vol D (q = 2 pi k != 0), and
/// (as the last entry) the boundary term (i / |q|^2) * closed integral of f exp(-i q.x) (q.n) ds
/// / vol D. Their sum is c(k). Values as (re, im) doubles rounded from the balls.
std::vector<std::pair<double, double>> lemma1_terms(const Partition& partition, const VecQ& k, int out,
                                                    long precision_bits = 128);

/// |c(t k)| of output `out` along the ray t k, t in `ts`, and the exponent p of the least-squares
/// fit |c| ~ t^-p in log-log (Rahaman et al. Theorem 1: p = 2 where k is orthogonal to a region
/// edge, larger elsewhere).
struct RayDecay {
  std::vector<double> t, magnitude;
  double exponent = 0;
};
RayDecay ray_decay(const Partition& partition, const VecQ& k, const std::vector<double>& ts, int out = 0);

/// Throws InputError("--output", ...) unless 0 <= out < the network's number of outputs.
void check_output(const Partition& partition, int out);

/// Integer frequencies in [-K, K]^dim, row-major (the last coordinate fastest).
std::vector<VecQ> frequency_grid(int dim, int K);

/// Reads "k1,k2 k1,k2 ..." style lists: each frequency vector is comma-separated, vectors are
/// separated by spaces or semicolons; entries exact decimals or fractions.
std::vector<VecQ> parse_frequencies(const std::vector<std::string>& items, int dim, const std::string& source);

}  // namespace relutope
