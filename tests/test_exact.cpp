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
