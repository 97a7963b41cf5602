#include "relutope/spectrum.hpp"

#include "ball.hpp"
#include "relutope/error.hpp"

#include <arb.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace relutope {
namespace {

using internal::Ball;
using internal::set_rational;

// E[z_0, .., z_n] = divided difference of exp at the nodes (repeats allowed; Hermite-Genocchi:
// the integral of exp(sum s_i z_i) over the standard simplex).
void exp_divided_difference(acb_t out, const std::vector<acb_srcptr>& z, slong prec) {
  const size_t count = z.size();
  if (count == 1) return acb_exp(out, z[0], prec);

  // Nodes close together: the Taylor series about their mean, E = e^c sum_m h_m(w) / (n+m)!,
  // w = z - c, h_m the complete homogeneous polynomial; |h_m(w)| <= C(n+m, m) rho^m bounds the
  // tail by rho^{M+1} / ((M+1)! n!) / (1 - rho/(M+2)), which goes into the radius.
  Ball centre;
  for (acb_srcptr node : z) acb_add(centre.get(), centre.get(), node, prec);
  acb_div_ui(centre.get(), centre.get(), count, prec);
  std::vector<Ball> w(count);
  double rho = 0;
  for (size_t i = 0; i < count; ++i) {
    acb_sub(w[i].get(), z[i], centre.get(), prec);
    mag_t m;
    mag_init(m);
    acb_get_mag(m, w[i].get());
    rho = std::max(rho, mag_get_d(m));
    mag_clear(m);
  }
  if (rho <= 1.5) {
    const int n = static_cast<int>(count) - 1;
    // Terms until rho^{M+1}/(M+1)! < 2^-(prec+8), at least past the peak of rho^m/m!.
    int M = 2;
    double log_term = 0;  // log of rho^{M+1}/(M+1)!
    for (;; ++M) {
      log_term = (M + 1) * std::log(std::max(rho, 1e-300)) - std::lgamma(M + 2.0);
      if ((log_term < -(static_cast<double>(prec) + 8) * M_LN2 && M + 2 > 2 * rho) || rho == 0 || M > 4 * prec) break;
    }
    std::vector<Ball> h(count), next(count);
    for (size_t i = 0; i < count; ++i) acb_one(h[i].get());  // h_0 = 1 for every prefix of variables
    Ball sum, term;
    arb_t inverse_factorial;
    arb_init(inverse_factorial);
    arb_fac_ui(inverse_factorial, static_cast<ulong>(n), prec);
    arb_inv(inverse_factorial, inverse_factorial, prec);
    acb_mul_arb(sum.get(), h[count - 1].get(), inverse_factorial, prec);
    for (int m = 1; m <= M; ++m) {
      // h_m(w_0..w_i) = h_m(w_0..w_{i-1}) + w_i h_{m-1}(w_0..w_i)
      for (size_t i = 0; i < count; ++i) {
        acb_mul(next[i].get(), w[i].get(), h[i].get(), prec);
        if (i > 0) acb_add(next[i].get(), next[i].get(), next[i - 1].get(), prec);
      }
      std::swap(h, next);
      arb_div_ui(inverse_factorial, inverse_factorial, static_cast<ulong>(n + m), prec);
      acb_mul_arb(term.get(), h[count - 1].get(), inverse_factorial, prec);
      acb_add(sum.get(), sum.get(), term.get(), prec);
    }
    arb_clear(inverse_factorial);
    if (rho > 0) {
      const double tail = 2 * std::exp(log_term - std::lgamma(n + 1.0)) / (1 - rho / (M + 2));
      mag_t error;
      mag_init(error);
      mag_set_d(error, tail);
      acb_add_error_mag(sum.get(), error);
      mag_clear(error);
    }
    acb_exp(out, centre.get(), prec);
    acb_mul(out, out, sum.get(), prec);
    return;
  }

  // Nodes far apart: E[z] = (E[z without a] - E[z without b]) / (z_b - z_a) on the most distant
  // pair, where the division loses nothing.
  size_t a = 0, b = 1;
  double widest = -1;
  for (size_t i = 0; i < count; ++i)
    for (size_t j = i + 1; j < count; ++j) {
      Ball d;
      acb_sub(d.get(), z[i], z[j], prec);
      mag_t m;
      mag_init(m);
      acb_get_mag_lower(m, d.get());
      if (mag_get_d(m) > widest) {
        widest = mag_get_d(m);
        a = i;
        b = j;
      }
      mag_clear(m);
    }
  std::vector<acb_srcptr> without_a, without_b;
  for (size_t i = 0; i < count; ++i) {
    if (i != a) without_a.push_back(z[i]);
    if (i != b) without_b.push_back(z[i]);
  }
  Ball ea, eb, gap;
  exp_divided_difference(ea.get(), without_a, prec);
  exp_divided_difference(eb.get(), without_b, prec);
  acb_sub(gap.get(), z[b], z[a], prec);
  acb_sub(out, ea.get(), eb.get(), prec);
  acb_div(out, out, gap.get(), prec);
}

// The node -i 2 pi (k . v) of a vertex, exact phase k . v.
Ball node(const VecQ& k, const VecQ& v, slong prec) {
  Rational phase = 0;
  for (size_t i = 0; i < k.size(); ++i) phase += k[i] * v[i];
  Ball t;
  arb_t two_pi;
  arb_init(two_pi);
  arb_const_pi(two_pi, prec);
  arb_mul_2exp_si(two_pi, two_pi, 1);
  set_rational(acb_imagref(t.get()), -phase, prec);
  arb_mul(acb_imagref(t.get()), acb_imagref(t.get()), two_pi, prec);
  arb_clear(two_pi);
  return t;
}

Rational affine(const Region& region, int out, const VecQ& x) {
  Rational value = region.bias[static_cast<size_t>(out)];
  for (size_t i = 0; i < x.size(); ++i) value += region.weight(out, static_cast<Eigen::Index>(i)) * x[i];
  return value;
}

// acc += q * ball
void add_scaled(acb_t acc, const Rational& q, acb_srcptr ball, slong prec) {
  arb_t r;
  arb_init(r);
  set_rational(r, q, prec);
  Ball t;
  acb_mul_arb(t.get(), ball, r, prec);
  acb_add(acc, acc, t.get(), prec);
  arb_clear(r);
}

// The simplices of a region: a fan of triangles (2D) or the interval (1D), with twice (2D) or
// once (1D) their measure: integral over the simplex of g e^{-iq.x} = measure * sum_m g(v_m)
// E[t_0..t_n, t_m] and of e^{-iq.x} = measure * E[t_0..t_n].
template <class F>
void for_each_simplex(const Region& region, F&& f) {
  const auto& v = region.vertices;
  if (v.front().size() == 1) return f(std::vector<const VecQ*>{&v[0], &v[1]}, v[1][0] - v[0][0]);
  for (size_t j = 1; j + 1 < v.size(); ++j) {
    const Rational twice_area = (v[j][0] - v[0][0]) * (v[j + 1][1] - v[0][1]) - (v[j + 1][0] - v[0][0]) * (v[j][1] - v[0][1]);
    f(std::vector<const VecQ*>{&v[0], &v[j], &v[j + 1]}, twice_area);
  }
}

// Route A for all outputs: sum over regions of the integral of f_out e^{-iq.x}.
std::vector<Ball> integrals_by_region(const Partition& partition, const VecQ& k, int outputs, slong prec) {
  std::vector<Ball> total(static_cast<size_t>(outputs));
  for (const Region& region : partition.regions)
    for_each_simplex(region, [&](const std::vector<const VecQ*>& simplex, const Rational& scale) {
      std::vector<Ball> t;
      for (const VecQ* v : simplex) t.push_back(node(k, *v, prec));
      std::vector<acb_srcptr> nodes;
      for (const Ball& b : t) nodes.push_back(b.get());
      nodes.push_back(nullptr);
      for (size_t m = 0; m < simplex.size(); ++m) {
        nodes.back() = t[m].get();  // E[t_0..t_n, t_m]
        Ball e;
        exp_divided_difference(e.get(), nodes, prec);
        for (int o = 0; o < outputs; ++o) add_scaled(total[static_cast<size_t>(o)].get(), scale * affine(region, o, *simplex[m]), e.get(), prec);
      }
    });
  return total;
}

// Integral over the region of e^{-iq.x}.
Ball indicator_transform(const Region& region, const VecQ& k, slong prec) {
  Ball total;
  for_each_simplex(region, [&](const std::vector<const VecQ*>& simplex, const Rational& scale) {
    std::vector<Ball> t;
    std::vector<acb_srcptr> nodes;
    for (const VecQ* v : simplex) t.push_back(node(k, *v, prec));
    for (const Ball& b : t) nodes.push_back(b.get());
    Ball e;
    exp_divided_difference(e.get(), nodes, prec);
    add_scaled(total.get(), scale, e.get(), prec);
  });
  return total;
}

// The domain-boundary integral of f_out e^{-iq.x} (k.n) ds over every region's boundary pieces
// (in 1D: f e^{-iq.x} n at both ends).
Ball boundary_integral(const Partition& partition, const VecQ& k, int out, slong prec) {
  Ball total;
  const Box& box = partition.domain;
  for (const Region& region : partition.regions) {
    const auto& v = region.vertices;
    if (partition.dim == 1) {
      for (int end = 0; end < 2; ++end)
        if (v[static_cast<size_t>(end)][0] == (end ? box.hi[0] : box.lo[0])) {
          Ball e;
          acb_exp(e.get(), node(k, v[static_cast<size_t>(end)], prec).get(), prec);
          add_scaled(total.get(), (end ? k[0] : -k[0]) * affine(region, out, v[static_cast<size_t>(end)]), e.get(), prec);
        }
      continue;
    }
    for (size_t j = 0; j < v.size(); ++j) {
      const VecQ &a = v[j], &b = v[(j + 1) % v.size()];
      for (int axis = 0; axis < 2; ++axis)
        for (int side = 0; side < 2; ++side) {
          const Rational& bound = side ? box.hi[static_cast<size_t>(axis)] : box.lo[static_cast<size_t>(axis)];
          if (a[static_cast<size_t>(axis)] != bound || b[static_cast<size_t>(axis)] != bound) continue;
          const Rational length = abs(b[static_cast<size_t>(1 - axis)] - a[static_cast<size_t>(1 - axis)]);
          const Rational k_dot_n = side ? k[static_cast<size_t>(axis)] : -k[static_cast<size_t>(axis)];
          const Ball ta = node(k, a, prec), tb = node(k, b, prec);
          Ball ea, eb;
          exp_divided_difference(ea.get(), {ta.get(), ta.get(), tb.get()}, prec);
          exp_divided_difference(eb.get(), {ta.get(), tb.get(), tb.get()}, prec);
          add_scaled(total.get(), k_dot_n * length * affine(region, out, a), ea.get(), prec);
          add_scaled(total.get(), k_dot_n * length * affine(region, out, b), eb.get(), prec);
        }
    }
  }
  return total;
}

Rational squared_norm(const VecQ& k) {
  Rational s = 0;
  for (const Rational& c : k) s += c * c;
  return s;
}

// i / (2 pi |k|^2): Lemma 1's prefactor once q = 2 pi k is factored into k.n and W.k.
Ball lemma1_prefactor(const VecQ& k, slong prec) {
  Ball f;
  arb_const_pi(acb_imagref(f.get()), prec);
  arb_mul_2exp_si(acb_imagref(f.get()), acb_imagref(f.get()), 1);
  arb_t n2;
  arb_init(n2);
  set_rational(n2, squared_norm(k), prec);
  arb_mul(acb_imagref(f.get()), acb_imagref(f.get()), n2, prec);
  arb_inv(acb_imagref(f.get()), acb_imagref(f.get()), prec);
  arb_clear(n2);
  return f;
}

Rational weight_dot(const Region& region, int out, const VecQ& k) {
  Rational s = 0;
  for (size_t i = 0; i < k.size(); ++i) s += region.weight(out, static_cast<Eigen::Index>(i)) * k[i];
  return s;
}

Rational volume(const Box& box) {
  Rational v = 1;
  for (int i = 0; i < box.dim(); ++i) v *= box.hi[static_cast<size_t>(i)] - box.lo[static_cast<size_t>(i)];
  return v;
}

// The exact mean of f_out: sum over regions of measure * f(centroid).
Rational mean(const Partition& partition, int out) {
  Rational total = 0;
  for (const Region& region : partition.regions)
    for_each_simplex(region, [&](const std::vector<const VecQ*>& simplex, const Rational& scale) {
      Rational sum = 0;  // the simplex's mean of an affine g is the mean of g at its vertices
      for (const VecQ* v : simplex) sum += affine(region, out, *v);
      const Rational measure = partition.dim == 1 ? scale : scale / 2;
      total += measure * sum / static_cast<long>(simplex.size());
    });
  return total / volume(partition.domain);
}

Coefficient to_coefficient(const VecQ& k, int out, const acb_t value, slong prec) {
  Coefficient c;
  c.k = k;
  c.out = out;
  const slong bits = acb_rel_accuracy_bits(value);
  c.certified_digits = bits > 0 ? static_cast<int>(std::floor(static_cast<double>(bits) * std::log10(2.0))) : 0;
  const slong digits = std::max<slong>(c.certified_digits, 1);
  char* re = arb_get_str(acb_realref(value), digits, ARB_STR_NO_RADIUS);
  char* im = arb_get_str(acb_imagref(value), digits, ARB_STR_NO_RADIUS);
  c.re = re;
  c.im = im;
  flint_free(re);
  flint_free(im);
  c.re_double = arf_get_d(arb_midref(acb_realref(value)), ARF_RND_NEAR);
  c.im_double = arf_get_d(arb_midref(acb_imagref(value)), ARF_RND_NEAR);
  c.abs = std::hypot(c.re_double, c.im_double);
  (void)prec;
  return c;
}

void check_options(const Partition& partition, const std::vector<VecQ>& frequencies, long precision) {
  if (precision < 32 || precision > 4096) throw InputError("--precision", "must lie in 32..4096 bits");
  for (const VecQ& k : frequencies)
    if (static_cast<int>(k.size()) != partition.dim)
      throw InputError("--freq", "a frequency has " + std::to_string(k.size()) + " entries, the domain " +
                                     std::to_string(partition.dim) + " dimensions");
}

}  // namespace

std::vector<Coefficient> spectrum(const Partition& partition, const std::vector<VecQ>& frequencies,
                                  const SpectrumOptions& options) {
  check_options(partition, frequencies, options.precision_bits);
  const slong prec = options.precision_bits;
  const int outputs = partition.regions.empty() ? 0 : static_cast<int>(partition.regions.front().weight.rows);
  const Rational vol = volume(partition.domain);
  std::vector<Coefficient> result;
  for (const VecQ& k : frequencies) {
    if (squared_norm(k) == 0) {
      for (int o = 0; o < outputs; ++o) {
        const Rational m = mean(partition, o);
        Coefficient c;
        c.k = k;
        c.out = o;
        c.exact = true;
        c.re = m.get_str();
        c.im = "0";
        c.re_double = to_double(m);
        c.abs = std::fabs(c.re_double);
        c.certified_digits = 15;
        result.push_back(c);
      }
      continue;
    }
    std::vector<Ball> values(static_cast<size_t>(outputs));
    if (options.route == SpectrumRoute::regions) {
      values = integrals_by_region(partition, k, outputs, prec);
    } else {
      std::vector<Ball> indicators;
      for (const Region& region : partition.regions) indicators.push_back(indicator_transform(region, k, prec));
      const Ball prefactor = lemma1_prefactor(k, prec);
      for (int o = 0; o < outputs; ++o) {
        Ball sum = boundary_integral(partition, k, o, prec);
        for (size_t e = 0; e < partition.regions.size(); ++e)
          add_scaled(sum.get(), -weight_dot(partition.regions[e], o, k), indicators[e].get(), prec);
        acb_mul(values[static_cast<size_t>(o)].get(), sum.get(), prefactor.get(), prec);
      }
    }
    for (int o = 0; o < outputs; ++o) {
      Ball c;
      add_scaled(c.get(), 1 / vol, values[static_cast<size_t>(o)].get(), prec);
      result.push_back(to_coefficient(k, o, c.get(), prec));
    }
  }
  return result;
}

std::vector<std::pair<double, double>> lemma1_terms(const Partition& partition, const VecQ& k, int out,
                                                    long precision_bits) {
  check_options(partition, {k}, precision_bits);
  if (squared_norm(k) == 0) throw InputError("--freq", "Lemma 1 needs k != 0");
  const slong prec = precision_bits;
  const Ball prefactor = lemma1_prefactor(k, prec);
  const Rational inverse_volume = 1 / volume(partition.domain);
  std::vector<std::pair<double, double>> terms;
  auto push = [&](acb_srcptr sum) {
    Ball t;
    acb_mul(t.get(), sum, prefactor.get(), prec);
    Ball scaled;
    add_scaled(scaled.get(), inverse_volume, t.get(), prec);
    terms.emplace_back(arf_get_d(arb_midref(acb_realref(scaled.get())), ARF_RND_NEAR),
                       arf_get_d(arb_midref(acb_imagref(scaled.get())), ARF_RND_NEAR));
  };
  for (const Region& region : partition.regions) {
    Ball sum;
    add_scaled(sum.get(), -weight_dot(region, out, k), indicator_transform(region, k, prec).get(), prec);
    push(sum.get());
  }
  push(boundary_integral(partition, k, out, prec).get());
  return terms;
}

std::vector<VecQ> frequency_grid(int dim, int K) {
  std::vector<VecQ> grid;
  if (dim == 1)
    for (int a = -K; a <= K; ++a) grid.push_back({Rational(a)});
  else
    for (int a = -K; a <= K; ++a)
      for (int b = -K; b <= K; ++b) grid.push_back({Rational(a), Rational(b)});
  return grid;
}

std::vector<VecQ> parse_frequencies(const std::vector<std::string>& items, int dim, const std::string& source) {
  std::vector<VecQ> frequencies;
  for (const std::string& item : items) {
    std::string text = item;
    std::replace(text.begin(), text.end(), ';', ' ');
    std::stringstream vectors(text);
    for (std::string vector; vectors >> vector;) {
      VecQ k;
      std::stringstream entries(vector);
      for (std::string entry; std::getline(entries, entry, ',');) k.push_back(parse_rational(entry, source));
      if (static_cast<int>(k.size()) != dim)
        throw InputError(source, "frequency '" + vector + "' has " + std::to_string(k.size()) + " entries, the domain " +
                                     std::to_string(dim) + " dimensions");
      frequencies.push_back(std::move(k));
    }
  }
  if (frequencies.empty()) throw InputError(source, "no frequencies given");
  return frequencies;
}

}  // namespace relutope
