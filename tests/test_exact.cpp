// Exact number conversions, checked against values derived by hand.
#include "relutope/domain.hpp"
#include "relutope/error.hpp"
#include "relutope/exact.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

using namespace relutope;

TEST_CASE("a double's exact value is its binary rational", "[exact]") {
  CHECK(to_exact(0.5) == Rational(1, 2));
  CHECK(to_exact(-3.0) == Rational(-3));
  // 0.1 as a double is 3602879701896397 / 2^55.
  CHECK(to_exact(0.1) == Rational(mpz_class("3602879701896397"), mpz_class("36028797018963968")));
  CHECK(to_exact(std::numeric_limits<double>::denorm_min()) ==
        Rational(mpz_class(1), mpz_class(1) << 1074));
}

TEST_CASE("to_double rounds to nearest, not toward zero", "[exact]") {
  CHECK(to_double(Rational(1, 3)) == 1.0 / 3.0);  // IEEE division is correctly rounded
  CHECK(to_double(Rational(2, 3)) == 2.0 / 3.0);  // here truncation would be one ulp low
  CHECK(to_double(Rational(-2, 3)) == -2.0 / 3.0);
  const double x = 0.7;
  CHECK(to_double(to_exact(x)) == x);
}

TEST_CASE("decimals and fractions parse exactly", "[exact]") {
  CHECK(parse_rational("0.1", "t") == Rational(1, 10));
  CHECK(parse_rational("-2.5e-3", "t") == Rational(-1, 400));
  CHECK(parse_rational("1e2", "t") == Rational(100));
  CHECK(parse_rational(".5", "t") == Rational(1, 2));
  CHECK(parse_rational("3/6", "t") == Rational(1, 2));
  CHECK(parse_rational(" 7 ", "t") == Rational(7));
  // Regression: digit strings with a leading zero were read in GMP's base 0 (as octal).
  CHECK(parse_rational("0.37", "t") == Rational(37, 100));
  CHECK(parse_rational("0.25", "t") == Rational(1, 4));
  CHECK(parse_rational("0.08", "t") == Rational(2, 25));
  CHECK(parse_rational("010", "t") == Rational(10));
  CHECK(parse_rational("010/07", "t") == Rational(10, 7));
  CHECK_THROWS_AS(parse_rational("abc", "t"), InputError);
  CHECK_THROWS_AS(parse_rational("1/0", "t"), InputError);
  CHECK_THROWS_AS(parse_rational("", "t"), InputError);
  CHECK_THROWS_AS(parse_rational("1e99999999", "t"), InputError);
}

TEST_CASE("shortest decimals read back to the same double", "[exact]") {
  for (double x : {0.1, 1.0 / 3.0, 6.02214076e23, -1e-300, 5e-324}) CHECK(std::strtod(shortest_decimal(x).c_str(), nullptr) == x);
  CHECK(shortest_decimal(0.1) == "0.1");
}

TEST_CASE("boxes parse exactly and refuse empty or inverted intervals", "[exact]") {
  const Box box = parse_box("0,1,-0.5,1/3", "--domain");
  REQUIRE(box.dim() == 2);
  CHECK(box.lo[1] == Rational(-1, 2));
  CHECK(box.hi[1] == Rational(1, 3));
  CHECK(parse_box(to_string(box), "x") == box);
  CHECK_THROWS_AS(parse_box("1,1", "--domain"), InputError);
  CHECK_THROWS_AS(parse_box("1,0", "--domain"), InputError);
  CHECK_THROWS_AS(parse_box("0,1,2", "--domain"), InputError);
  CHECK_THROWS_WITH(parse_box("0,x", "--domain"), Catch::Contains("--domain"));
}

// Regression (rationals_not_canonical): Rational(num, den) does not reduce, and GMP's operations
// assume reduced operands; ratio() is the one way to build a rational from two integers.
TEST_CASE("ratio builds rationals in lowest terms (rationals_not_canonical)", "[exact]") {
  auto is_canonical = [](const Rational& q) {
    return q.get_den() > 0 && gcd(q.get_num(), q.get_den()) == 1;
  };
  const Rational q = ratio(6, -4);
  CHECK(q.get_num() == -3);
  CHECK(q.get_den() == 2);
  CHECK(ratio(0, -7).get_den() == 1);
  const mpz_class two_200 = mpz_class(1) << 200;
  const Rational big = ratio(3 * two_200, two_200 << 1);
  CHECK(big.get_num() == 3);
  CHECK(big.get_den() == 2);
  for (long n = -12; n <= 12; ++n)
    for (long d = 1; d <= 12; ++d) CHECK(is_canonical(ratio(n, d)));
  CHECK_THROWS_AS(ratio(1, 0), std::logic_error);
}

TEST_CASE("decimal exponents and powers of ten, exactly", "[exact]") {
  CHECK(power_of_ten(3) == 1000);
  CHECK(power_of_ten(-2) == Rational(1, 100));
  CHECK(decimal_exponent(Rational(1)) == 0);
  CHECK(decimal_exponent(Rational(-999)) == 2);
  CHECK(decimal_exponent(Rational(1000)) == 3);
  CHECK(decimal_exponent(Rational(1, 10)) == -1);
  CHECK(decimal_exponent(Rational(99, 1000)) == -2);
  CHECK(decimal_exponent(Rational(1, 3)) == -1);
  CHECK(decimal_exponent(power_of_ten(-400)) == -400);
  CHECK(decimal_exponent(power_of_ten(400) - 1) == 399);
  CHECK(decimal_exponent(power_of_ten(-400) - power_of_ten(-800)) == -401);
  CHECK(decimal_exponent(to_exact(std::numeric_limits<double>::denorm_min())) == -324);
  CHECK_THROWS_AS(decimal_exponent(Rational(0)), std::logic_error);
}

// Regression (fp_contract): GCC fused a * b + c into one fused multiply-add where the CPU has one
// (-march=native), so doubles rounded differently on different machines. relutope's public
// -ffp-contract=off reaches every target that links it, this test too.
TEST_CASE("doubles round every operation as written: no fused multiply-add (fp_contract)", "[exact]") {
  volatile double va = 1 + 0x1p-30, vb = 1 - 0x1p-30, vc = -1;  // not known at compile time
  const double a = va, b = vb, c = vc;
  const double r = a * b + c;  // a b = 1 - 2^-60 rounds to 1; fused, r would be -2^-60
  CHECK(r == 0);
}

TEST_CASE("regression: a fraction with a plus sign is read and not an internal error", "[exact]") {
  // "+1/2" escaped as GMP's std::invalid_argument (mpz_set_str takes no '+'): the command line
  // reported an internal error for --domain +1/2,1. Found by the fuzz_rational seed corpus.
  CHECK(parse_rational("+1/2", "t") == Rational(1, 2));
  CHECK(parse_rational(" +12 / 8 ", "t") == Rational(3, 2));
  CHECK(parse_rational("-12/8", "t") == Rational(-3, 2));
  CHECK_THROWS_AS(parse_rational("+-1/2", "t"), InputError);
  CHECK_THROWS_AS(parse_rational("1/+2", "t"), InputError);
}

TEST_CASE("regression: numbers of 100000 digits are read without overflowing the stack", "[exact]") {
  // std::regex matched a number by recursing once per character, so a long number crashed the
  // process: a domain bound printed exactly, a points file, a JSON domain string. Found by
  // fuzz_domain: "-1e400,1e-400314" prints back as "1/1000..." (tests/fuzz/regressions/domain).
  const std::string digits(100000, '7');
  mpz_class scale;
  mpz_ui_pow_ui(scale.get_mpz_t(), 10, 100000);
  CHECK(parse_rational(digits, "t") == Rational(mpz_class(digits, 10)));
  CHECK(parse_rational("-0." + digits + "e-3", "t") == -Rational(mpz_class(digits, 10), scale * 1000));
  CHECK(parse_rational("1/" + digits, "t") == Rational(mpz_class(1), mpz_class(digits, 10)));
  CHECK_THROWS_AS(parse_rational(digits + "x", "t"), InputError);
  CHECK_THROWS_AS(parse_rational(std::string(100000, ' '), "t"), InputError);
  const Box box = parse_box("-1e400,0." + std::string(99999, '0') + "1", "--domain");  // prints as "1/1000..."
  CHECK(parse_box(to_string(box), "round trip") == box);
}

TEST_CASE("regression: exponents are limited to 4 digits so that 20 bytes cannot ask for 10 million digits", "[exact]") {
  // "1e-9999999,1e9999999" (tests/fuzz/regressions/domain) timed out fuzz_domain: each bound is
  // a 33-million-bit integer, printed in 5 s; "--domain 1e9999999,0" took 5 s to print a 10 MB
  // error line. Doubles need 3 exponent digits; 1e-400 (beyond them) stays readable.
  CHECK(parse_rational("1e9999", "t") == Rational(mpz_class("1" + std::string(9999, '0'), 10)));
  CHECK(parse_rational("-2.5e-0400", "t") == Rational(mpz_class(-1), 4 * mpz_class("1" + std::string(399, '0'), 10)));
  CHECK_THROWS_WITH(parse_box("1e9999999,0", "--domain"), "--domain: exponent out of range in '1e9999999'");
  CHECK_THROWS_WITH(parse_rational("1e-10000", "t"), "t: exponent out of range in '1e-10000'");
}
