#pragma once
// Networks, frequencies and printing shared by the spectrum tests (test_spectrum.cpp,
// test_edge_form.cpp).
#include "spectrum_oracle.hpp"

#include "relutope/regions.hpp"
#include "relutope/spectrum.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
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

/// 10^-e as an exact rational.
inline Q ten_to_minus(int e) {
  mpz_class p;
  mpz_ui_pow_ui(p.get_mpz_t(), 10, static_cast<unsigned long>(e));
  return Q(mpz_class(1), p);
}

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

}  // namespace spectrum_cases
