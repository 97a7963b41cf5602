#pragma once
// Networks, frequencies and printing shared by the spectrum tests (test_spectrum.cpp,
// test_edge_form.cpp).
#include "spectrum_oracle.hpp"

#include "relutope/engine/partition.hpp"
#include "relutope/spectrum/spectrum.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace spectrum_cases {

using namespace relutope;
namespace so = spectrum_oracle;
using spectrum_oracle::Cx;
using spectrum_oracle::Mp;
using spectrum_oracle::Q;

/// An exact network from rational layers: each layer as rows of weights plus biases.
struct LayerSpec {
  std::vector<std::vector<Q>> W;
  std::vector<Q> b;
};

/// An exact network from rational layers.
inline NetworkQ netq(int input_dim, const std::vector<LayerSpec>& layers) {
  NetworkQ net;
  net.input_dim = input_dim;
  for (const LayerSpec& L : layers) {
    LayerQ lq;
    lq.weight = MatQ(static_cast<Eigen::Index>(L.W.size()), static_cast<Eigen::Index>(L.W.at(0).size()));
    for (size_t i = 0; i < L.W.size(); ++i)
      for (size_t j = 0; j < L.W[i].size(); ++j)
        lq.weight(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = L.W[i][j];
    lq.bias = L.b;
    net.layers.push_back(std::move(lq));
  }
  net.layers.back().activation = Activation::identity();
  return net;
}

/// A random double network, weights uniform in +-1/sqrt(fan_in), biases that times bias_scale.
inline Network random_net(int input_dim, const std::vector<int>& widths, int outputs, unsigned seed, double bias_scale = 1) {
  std::mt19937_64 rng(seed);
  Network net;
  net.input_dim = input_dim;
  int fan_in = input_dim;
  std::vector<int> sizes = widths;
  sizes.push_back(outputs);
  for (int width : sizes) {
    const double bound = 1 / std::sqrt(static_cast<double>(fan_in));
    std::uniform_real_distribution<double> U(-bound, bound);
    Layer L{MatD(width, fan_in), VecD(width), Activation::relu()};
    for (int i = 0; i < width; ++i) {
      for (int j = 0; j < fan_in; ++j) L.weight(i, j) = U(rng);
      L.bias[i] = bias_scale * U(rng);
    }
    net.layers.push_back(L);
    fan_in = width;
  }
  net.layers.back().activation = Activation::identity();
  return net;
}

/// The partition of the first random_net(dim, widths, outputs, seed + 1000 j, 2), j < 10^5, with
/// min_regions..max_regions regions on the domain (not trivially affine, not too costly), and
/// that network in *net_out if given.
inline Partition random_partition(int dim, const std::vector<int>& widths, int outputs, unsigned seed, const Box& domain,
                                  size_t min_regions, size_t max_regions = SIZE_MAX, Network* net_out = nullptr) {
  for (unsigned s = seed, tries = 0; tries < 100000; s += 1000, ++tries) {
    const Network net = random_net(dim, widths, outputs, s, 2);
    Partition P = regions(to_exact(net), domain);
    if (P.regions.size() >= min_regions && P.regions.size() <= max_regions) {
      if (net_out) *net_out = net;
      return P;
    }
  }
  FAIL("no random network with " << min_regions << ".." << max_regions << " regions");
  return {};
}

/// A random network to draw: its hidden widths, outputs, seed and domain (whose dimension is the
/// input's).
struct RandomCase {
  std::vector<int> widths;
  int outputs;
  unsigned seed;
  Box domain;

  int dim() const { return domain.dim(); }
  Partition partition(size_t min_regions, size_t max_regions = SIZE_MAX) const {
    return random_partition(dim(), widths, outputs, seed, domain, min_regions, max_regions);
  }
};

/// 10^e as an exact rational.
inline Q ten_to(long e) {
  mpz_class p;
  mpz_ui_pow_ui(p.get_mpz_t(), 10, static_cast<unsigned long>(std::labs(e)));
  Q r = e >= 0 ? Q(p) : Q(mpz_class(1), p);
  r.canonicalize();
  return r;
}

/// 10^-e as an exact rational.
inline Q ten_to_minus(int e) { return ten_to(-e); }

/// Sets the oracle's working precision (so::bits()) while it lives.
struct OracleBits {
  mpfr_prec_t old = so::bits();
  explicit OracleBits(mpfr_prec_t bits) { so::bits() = bits; }
  ~OracleBits() { so::bits() = old; }
  OracleBits(const OracleBits&) = delete;
  OracleBits& operator=(const OracleBits&) = delete;
};

inline bool verbose() { return std::getenv("RELUTOPE_SPECTRUM_VERBOSE") != nullptr; }

inline std::string describe(const VecQ& k) {
  std::ostringstream s;
  s << "k = (";
  for (size_t i = 0; i < k.size(); ++i) {
    const std::string exact = k[i].get_str();
    s << (i ? ", " : "");
    if (exact.size() <= 24) {
      s << exact;
    } else {  // a long rational: its value, and how long it is
      s.precision(17);
      s << "~" << k[i].get_d() << " [" << exact.size() << " chars]";
    }
  }
  s << ")";
  return s.str();
}

inline Cx cx(const Coefficient& c) {
  const so::Read r = so::read(c.re, c.im);
  REQUIRE(r.ok);
  return r.value;
}

/// k with its first entry times (1 + 10^-e).
inline VecQ nearly(const VecQ& k, int e = 12) {
  VecQ r = k;
  r[0] *= 1 + ten_to_minus(e);
  r[0].canonicalize();
  return r;
}

inline Box box(std::vector<Q> lo, std::vector<Q> hi) { return Box{std::move(lo), std::move(hi)}; }

inline Box unit(int dim) { return dim == 1 ? box({0}, {1}) : box({0, 0}, {1, 1}); }

inline Cx real(const Mp& x) { return Cx{x, Mp()}; }

/// The exact value of an MPFR number.
inline Q exact(const Mp& x) {
  Q q;
  mpfr_get_q(q.get_mpq_t(), x.v);
  return q;
}

/// A decimal string of the library read exactly (without relutope's parser).
struct Printed {
  Q value;
  long place = 0;           // 10^place: the unit of its last digit
  int digits = 0;           // significant digits (0 for a zero)
  bool exact_zero = false;  // the string "0": exactly 0
};
inline Printed printed(const std::string& text) {
  static const std::regex form(R"((-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?)");
  std::smatch m;
  INFO("'" << text << "'");
  REQUIRE(std::regex_match(text, m, form));
  Printed p;
  p.exact_zero = text == "0";
  const std::string mantissa = m[2].str() + m[3].str();
  p.place = (m[4].matched ? std::stol(m[4].str()) : 0) - static_cast<long>(m[3].length());
  const size_t first = mantissa.find_first_not_of('0');
  p.digits = first == std::string::npos ? 0 : static_cast<int>(mantissa.size() - first);
  p.value = Q(mpz_class(mantissa, 10)) * ten_to(p.place);
  if (m[1].length() > 0) p.value = -p.value;
  return p;
}

/// Checks spectrum.hpp's claim for the printed strings of c, against the exact value known here
/// as ref_re + i ref_im within ref_error (absolute): re and im end at one place 10^e, the larger
/// has exactly certified_digits significant digits, and |printed - ref| + ref_error <= 10^e for
/// each part, so that |printed - exact| < 10^e, one unit in the last place. "0" claims exactly 0.
inline void check_printed(const Coefficient& c, const Q& ref_re, const Q& ref_im, const Q& ref_error) {
  INFO(describe(c.k) << ", out " << c.out << ": re = " << c.re << ", im = " << c.im << ", certified_digits = "
                     << c.certified_digits << "; reference re = " << ref_re.get_d() << ", im = " << ref_im.get_d()
                     << " within " << ref_error.get_d());
  const Printed re = printed(c.re), im = printed(c.im);
  const Printed& larger = re.exact_zero ? im : im.exact_zero || abs(re.value) >= abs(im.value) ? re : im;
  if (!re.exact_zero && !im.exact_zero) CHECK(re.place == im.place);
  if (!larger.exact_zero) CHECK(larger.digits == c.certified_digits);
  auto check_part = [&](const Printed& part, const Q& ref) {
    if (part.exact_zero)
      CHECK(abs(ref) <= ref_error);
    else
      CHECK(abs(part.value - ref) + ref_error <= ten_to(part.place));
  };
  check_part(re, ref_re);
  check_part(im, ref_im);
}

/// The same against an MPFR reference whose parts are right to 10^-(its decimal digits - 12) of
/// |re| + |im| (the oracle's quadrature promises 10^-(digits - 3); a reference printed by the
/// library and read back at that precision, more).
inline void check_printed(const Coefficient& c, const Cx& ref) {
  const long digits = static_cast<long>(static_cast<double>(mpfr_get_prec(ref.re.v)) * std::log10(2.0));
  const Q re = exact(ref.re), im = exact(ref.im);
  check_printed(c, re, im, (abs(re) + abs(im)) * ten_to(12 - digits));
}

}  // namespace spectrum_cases
