#pragma once
// Number types of the exact path, chosen in one place. Exactness shows in the type names:
// *Q are GMP rationals, *D are doubles; crossing between them is always a named function.
#include <Eigen/Core>
#include <gmpxx.h>

#include <string>
#include <vector>

namespace relutope {

using Rational = mpq_class;
using VecD = Eigen::VectorXd;
using MatD = Eigen::MatrixXd;

/// Dense vector of rationals.
using VecQ = std::vector<Rational>;

/// Dense row-major matrix of rationals (#rows x #cols).
struct MatQ {
  Eigen::Index rows = 0, cols = 0;
  std::vector<Rational> data;

  MatQ() = default;
  MatQ(Eigen::Index r, Eigen::Index c) : rows(r), cols(c), data(static_cast<size_t>(r * c)) {}
  Rational& operator()(Eigen::Index i, Eigen::Index j) { return data[static_cast<size_t>(i * cols + j)]; }
  const Rational& operator()(Eigen::Index i, Eigen::Index j) const {
    return data[static_cast<size_t>(i * cols + j)];
  }
};

/// num / den in lowest terms: the one way to build a rational from two integers, since GMP's
/// operations assume canonical operands. Throws std::logic_error if den == 0 (a bug: callers
/// check their input first).
Rational ratio(const mpz_class& num, const mpz_class& den);

/// 10^e, exactly.
Rational power_of_ten(long e);

/// floor(log10 |q|): the place of q's leading decimal digit. \pre q != 0
long decimal_exponent(const Rational& q);

/// The exact value of a finite double (every double is a binary rational). \pre std::isfinite(x)
Rational to_exact(double x);
VecQ to_exact(const VecD& v);
MatQ to_exact(const MatD& m);

/// The double nearest to q (rounded to nearest, ties to even). Below the normal range (|q| <
/// 2^-1022) the result may be off by one subnormal unit: MPFR rounds to 53 bits first.
double to_double(const Rational& q);
VecD to_double(const VecQ& v);  // entry by entry, as to_double(q)
MatD to_double(const MatQ& m);

/// Parses a decimal ("0.1", "-2.5e-3"), an integer or a fraction ("1/3") exactly. Exponents
/// have at most 4 digits, so that a few bytes cannot ask for millions of digits.
/// Throws InputError(source, ...) if `text` is none of these.
Rational parse_rational(const std::string& text, const std::string& source);

/// Parses a comma-separated list of such numbers ("0,1/3,2.5"). Every comma separates two
/// values, so an empty field ("0,1,") is an error, not ignored.
VecQ parse_rationals(const std::string& text, const std::string& source);

/// The shortest decimal that reads back as exactly the double x (std::to_chars).
std::string shortest_decimal(double x);

}  // namespace relutope
