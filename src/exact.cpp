#include "relutope/exact.hpp"

#include "relutope/error.hpp"

#include <mpfr.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace relutope {

Rational ratio(const mpz_class& num, const mpz_class& den) {
  if (den == 0) throw std::logic_error("a rational with denominator 0");
  Rational q(num, den);
  q.canonicalize();
  return q;
}

Rational power_of_ten(long e) {
  mpz_class p;
  mpz_ui_pow_ui(p.get_mpz_t(), 10, static_cast<unsigned long>(std::labs(e)));
  return e >= 0 ? Rational(p) : ratio(1, p);
}

long decimal_exponent(const Rational& q) {
  if (q == 0) throw std::logic_error("decimal_exponent(0)");
  const Rational a = abs(q);
  // the sizes in base 10 are exact or one too large: a first guess within 1
  long e = static_cast<long>(mpz_sizeinbase(a.get_num_mpz_t(), 10)) - static_cast<long>(mpz_sizeinbase(a.get_den_mpz_t(), 10));
  while (power_of_ten(e) > a) --e;
  while (power_of_ten(e + 1) <= a) ++e;
  return e;
}

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
  // Scanned by hand: std::regex recurses once per character and overflows the stack on a long
  // number. Grammar: space* sign? (digits space* '/' space* digits | decimal) space*, where a
  // decimal is digits? ('.' digits?)? ([eE] sign? digits)? with at least one digit, and at most
  // 4 digits of exponent (a 10-byte "1e9999999" took seconds to print).
  size_t i = 0;
  const auto is_digit = [&] { return i < text.size() && text[i] >= '0' && text[i] <= '9'; };
  const auto digits = [&] {
    const size_t begin = i;
    while (is_digit()) ++i;
    return text.substr(begin, i - begin);
  };
  const auto space = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  const auto sign = [&] {  // true for '-'; GMP reads no sign of its own here
    const bool minus = i < text.size() && text[i] == '-';
    if (minus || (i < text.size() && text[i] == '+')) ++i;
    return minus;
  };
  const auto at = [&](char c) { return i < text.size() && text[i] == c; };
  const auto not_a_number = [&] { return InputError(source, "not a number: '" + text + "'"); };

  space();
  const bool negative = sign();
  const std::string whole = digits();
  const size_t after_whole = i;
  space();
  Rational q;
  if (!whole.empty() && at('/')) {
    ++i;
    space();
    const std::string denominator = digits();
    space();
    if (denominator.empty() || i != text.size()) throw not_a_number();
    const mpz_class den(denominator, 10);  // base 10: "010" is ten
    if (den == 0) throw InputError(source, "zero denominator in '" + text + "'");
    q = ratio(mpz_class(whole, 10), den);
  } else {
    i = after_whole;
    std::string fraction;
    if (at('.')) {
      ++i;
      fraction = digits();
    }
    if (whole.empty() && fraction.empty()) throw not_a_number();
    long exponent = -static_cast<long>(fraction.size());
    if (at('e') || at('E')) {
      ++i;
      const bool minus = sign();
      const std::string power = digits();
      if (power.empty()) throw not_a_number();
      if (power.size() > 4) throw InputError(source, "exponent out of range in '" + text + "'");
      exponent += minus ? -std::stol(power) : std::stol(power);
    }
    space();
    if (i != text.size()) throw not_a_number();
    q = Rational(mpz_class(whole + fraction, 10)) * power_of_ten(exponent);
  }
  return negative ? Rational(-q) : q;
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
