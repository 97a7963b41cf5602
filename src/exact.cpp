#include "relutope/exact.hpp"

#include "relutope/error.hpp"

#include <mpfr.h>

#include <charconv>
#include <cmath>
#include <regex>

namespace relutope {

Rational to_exact(double x) {
  Rational q;
  mpq_set_d(q.get_mpq_t(), x);  // exact: a double is a binary rational
  return q;
}

VecQ to_exact(const VecD& v) {
  VecQ out;
  out.reserve(static_cast<size_t>(v.size()));
  for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(to_exact(v[i]));
  return out;
}

MatQ to_exact(const MatD& m) {
  MatQ out(m.rows(), m.cols());
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) out(i, j) = to_exact(m(i, j));
  return out;
}

double to_double(const Rational& q) {
  // mpq_get_d truncates; MPFR rounds to nearest.
  mpfr_t r;
  mpfr_init2(r, 53);
  mpfr_set_q(r, q.get_mpq_t(), MPFR_RNDN);
  const double d = mpfr_get_d(r, MPFR_RNDN);
  mpfr_clear(r);
  return d;
}

VecD to_double(const VecQ& v) {
  VecD out(static_cast<Eigen::Index>(v.size()));
  for (size_t i = 0; i < v.size(); ++i) out[static_cast<Eigen::Index>(i)] = to_double(v[i]);
  return out;
}

MatD to_double(const MatQ& m) {
  MatD out(m.rows, m.cols);
  for (Eigen::Index i = 0; i < m.rows; ++i)
    for (Eigen::Index j = 0; j < m.cols; ++j) out(i, j) = to_double(m(i, j));
  return out;
}

Rational parse_rational(const std::string& text, const std::string& source) {
  static const std::regex fraction(R"(\s*([+-]?\d+)\s*/\s*(\d+)\s*)");
  static const std::regex decimal(R"(\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*)");
  std::smatch m;
  if (std::regex_match(text, m, fraction)) {
    Rational q(mpz_class(m[1].str(), 10), mpz_class(m[2].str(), 10));  // base 10: "010" is ten
    if (q.get_den() == 0) throw InputError(source, "zero denominator in '" + text + "'");
    q.canonicalize();
    return q;
  }
  if (std::regex_match(text, m, decimal) && (m[2].length() > 0 || m[3].length() > 0)) {
    const std::string digits = m[2].str() + m[3].str();
    long exponent = -static_cast<long>(m[3].length());
    if (m[4].matched) {
      if (m[4].length() > 7) throw InputError(source, "exponent out of range in '" + text + "'");
      exponent += std::stol(m[4].str());
    }
    mpz_class num(digits, 10), scale;  // base 10, not GMP's base 0 (which reads "037" as octal)
    mpz_ui_pow_ui(scale.get_mpz_t(), 10, static_cast<unsigned long>(std::labs(exponent)));
    Rational q = exponent >= 0 ? Rational(num * scale) : Rational(num, scale);
    q.canonicalize();
    return m[1].str() == "-" ? Rational(-q) : q;
  }
  throw InputError(source, "not a number: '" + text + "'");
}

VecQ parse_rationals(const std::string& text, const std::string& source) {
  VecQ values;
  for (size_t start = 0;;) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (item.find_first_not_of(" \t\r") == std::string::npos)
      throw InputError(source, "empty value in '" + text + "' (a stray comma?)");
    values.push_back(parse_rational(item, source));
    if (comma == std::string::npos) return values;
    start = comma + 1;
  }
}

std::string shortest_decimal(double x) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, x);
  return std::string(buffer, result.ptr);
}

}  // namespace relutope
