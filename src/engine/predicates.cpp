#include "engine/predicates.hpp"

#include "relutope/engine/enumerate.hpp"

#include <atomic>
#include <cmath>
#include <stdexcept>

namespace relutope::engine {
namespace {

std::atomic<bool> force_exact{false};

constexpr double eta = smallest_subnormal;

// det and permanent of |.| of the m x m matrix with rows `rows` (each a pointer to row entries)
// and the columns `cols`, by Laplace expansion along the first row.
void laplace(const double* const* rows, const int* cols, int m, double& det, double& per) {
  if (m == 1) {
    det = rows[0][cols[0]];
    per = std::fabs(det);
    return;
  }
  int sub[max_engine_dim + 1];
  det = 0;
  per = 0;
  for (int j = 0; j < m; ++j) {
    for (int c = 0, s = 0; c < m; ++c)
      if (c != j) sub[s++] = cols[c];
    double d, p;
    laplace(rows + 1, sub, m - 1, d, p);
    const double a = rows[0][cols[j]];
    det += (j % 2 ? -a : a) * d;
    per += std::fabs(a) * p;
  }
}

// Permanent of an m x m matrix of non-negative numbers (row-major).
double permanent(const double* matrix, int m) {
  const double* rows[max_engine_dim];
  int cols[max_engine_dim];
  for (int i = 0; i < m; ++i) {
    rows[i] = matrix + i * m;
    cols[i] = i;
  }
  double det, per;
  laplace(rows, cols, m, det, per);
  return per;
}

Int exact_det(const Int* const* rows, const int* cols, int m) {
  if (m == 1) return rows[0][cols[0]];
  int sub[max_engine_dim + 1];
  Int det = 0;
  for (int j = 0; j < m; ++j) {
    if (sgn(rows[0][cols[j]]) == 0) continue;
    for (int c = 0, s = 0; c < m; ++c)
      if (c != j) sub[s++] = cols[c];
    const Int minor = exact_det(rows + 1, sub, m - 1);
    if (j % 2) det -= rows[0][cols[j]] * minor;
    else det += rows[0][cols[j]] * minor;
  }
  return det;
}

// det of the m x m matrix of `rows` restricted to the columns `cols`, and a bound on its error:
// with A~ the doubles, rho_i the radius of row i and B = |A~| + rho (row-wise),
//   |det A - det A~| <= sum_i rho_i per(B with row i replaced by ones)   (multilinearity)
//   |fl(det A~) - det A~| <= gamma_{m^2+m} per(|A~|) + m! m eta           (Laplace expansion:
//                            each product meets m - 1 products and m levels of m - 1 sums)
double bounded_det(const std::vector<ApproxVector>& rows, const int* cols, int m, double& bound) {
  const double* pointers[max_engine_dim + 1];
  for (int i = 0; i < m; ++i) pointers[i] = rows[static_cast<size_t>(i)].value;
  double det, per;
  laplace(pointers, cols, m, det, per);
  double b[(max_engine_dim + 1) * (max_engine_dim + 1)];
  double perturbation = 0;
  for (int i = 0; i < m; ++i) {
    const double rho = rows[static_cast<size_t>(i)].radius;
    if (rho == 0) continue;
    for (int r = 0; r < m; ++r)
      for (int c = 0; c < m; ++c)
        b[r * m + c] = r == i ? 1.0 : std::fabs(pointers[r][cols[c]]) + rows[static_cast<size_t>(r)].radius;
    perturbation += rho * permanent(b, m);
  }
  double factorial = 1;
  for (int i = 2; i <= m; ++i) factorial *= i;
  bound = inflate(perturbation + gamma(m * m + m) * per + factorial * m * eta, 4 * static_cast<int>(factorial) * m + 4 * m + 8);
  return det;
}

}  // namespace

bool exact_only() { return force_exact.load(std::memory_order_relaxed); }

DecisionCounts& thread_counts() {
  thread_local DecisionCounts counts;
  return counts;
}

// s = sum r_k v_k over n terms. With r~, v~ the doubles and |r - r~| <= rho, |v - v~| <= nu:
//   |sum r v - sum r~ v~| <= rho sum|v~| + nu sum|r~| + n rho nu
//   |fl(sum r~ v~) - sum r~ v~| <= gamma_n sum|r~ v~| + n eta   (recursive summation, underflow)
// The sign of fl(sum) is the exact sign when |fl(sum)| exceeds the sum of both, as computed.
std::optional<int> filtered_dot_sign(ApproxVector r, ApproxVector v, int n) {
  if (exact_only()) return std::nullopt;
  double s = 0, a = 0, sr = 0, sv = 0;
  for (int k = 0; k < n; ++k) {
    const double p = r.value[k] * v.value[k];
    s += p;
    a += std::fabs(p);
    sr += std::fabs(r.value[k]);
    sv += std::fabs(v.value[k]);
  }
  const double bound = dot_error_bound(r.radius, v.radius, sr, sv, a, n);
  if (!(std::fabs(s) > bound) || !std::isfinite(bound) || !std::isfinite(s)) return std::nullopt;
  return s > 0 ? 1 : -1;
}

int exact_dot_sign(const Int* r, const Int* v, int n) {
  Int s = 0;
  for (int k = 0; k < n; ++k) mpz_addmul(s.get_mpz_t(), r[k].get_mpz_t(), v[k].get_mpz_t());
  return sgn(s);
}

int approximate_cofactors(const std::vector<ApproxVector>& rows, int d, double* out, double& radius) {
  int cols[max_engine_dim];
  radius = 0;
  for (int k = 0; k <= d; ++k) {
    for (int c = 0, s = 0; c <= d; ++c)
      if (c != k) cols[s++] = c;
    double bound;
    const double det = bounded_det(rows, cols, d, bound);
    out[k] = k % 2 ? -det : det;
    radius = std::max(radius, bound);
  }
  if (exact_only() || !std::isfinite(radius)) return 0;
  for (int k = 0; k <= d; ++k)
    if (!std::isfinite(out[k])) return 0;
  if (!(std::fabs(out[d]) > radius)) return 0;
  if (out[d] < 0)
    for (int k = 0; k <= d; ++k) out[k] = -out[k];
  return 1;
}

std::optional<int> filtered_det_sign(const std::vector<ApproxVector>& rows, int m) {
  if (exact_only()) return std::nullopt;
  int cols[max_engine_dim + 1];
  for (int c = 0; c < m; ++c) cols[c] = c;
  double bound;
  const double det = bounded_det(rows, cols, m, bound);
  if (!(std::fabs(det) > bound) || !std::isfinite(bound) || !std::isfinite(det)) return std::nullopt;
  return det > 0 ? 1 : -1;
}

int exact_det_sign(const std::vector<const Int*>& rows, int m) {
  int cols[max_engine_dim + 1];
  for (int c = 0; c < m; ++c) cols[c] = c;
  return sgn(exact_det(rows.data(), cols, m));
}

std::vector<Int> exact_cofactors(const std::vector<const Int*>& rows, int d) {
  int cols[max_engine_dim];
  std::vector<Int> v(static_cast<size_t>(d) + 1);
  for (int k = 0; k <= d; ++k) {
    for (int c = 0, s = 0; c <= d; ++c)
      if (c != k) cols[s++] = c;
    v[static_cast<size_t>(k)] = exact_det(rows.data(), cols, d);
    if (k % 2) v[static_cast<size_t>(k)] = -v[static_cast<size_t>(k)];
  }
  if (sgn(v.back()) == 0) throw std::logic_error("exact_cofactors: dependent hyperplanes");
  if (sgn(v.back()) < 0)
    for (Int& c : v) c = -c;
  return v;
}

int exact_rank(const std::vector<const Int*>& rows, int n) {
  std::vector<std::vector<Int>> a;
  for (const Int* r : rows) a.emplace_back(r, r + n);
  int rank = 0;
  for (int col = 0; col < n && rank < static_cast<int>(a.size()); ++col) {
    size_t pivot = static_cast<size_t>(rank);
    while (pivot < a.size() && sgn(a[pivot][static_cast<size_t>(col)]) == 0) ++pivot;
    if (pivot == a.size()) continue;
    std::swap(a[pivot], a[static_cast<size_t>(rank)]);
    const std::vector<Int>& p = a[static_cast<size_t>(rank)];
    for (size_t i = static_cast<size_t>(rank) + 1; i < a.size(); ++i) {
      const Int f = a[i][static_cast<size_t>(col)];
      if (sgn(f) == 0) continue;
      for (int k = 0; k < n; ++k) a[i][static_cast<size_t>(k)] = a[i][static_cast<size_t>(k)] * p[static_cast<size_t>(col)] - p[static_cast<size_t>(k)] * f;
    }
    ++rank;
  }
  return rank;
}

}  // namespace relutope::engine

namespace relutope {
void force_exact_predicates(bool on) { engine::force_exact.store(on); }
}  // namespace relutope
