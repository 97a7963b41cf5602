// Exact numbers (parse_rational: decimals, integers, fractions), as every text reader reads
// them. A number that parses is in lowest terms and reads back from its printed form.
#include "fuzz.hpp"

#include "relutope/exact.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const auto q = fuzz::accepted([&] { return parse_rational(fuzz::text(data, size), "number"); });
  if (!q) return 0;
  Rational canonical = *q;
  canonical.canonicalize();
  fuzz::require(canonical.get_num() == q->get_num() && canonical.get_den() == q->get_den(), "the number is in lowest terms");
  fuzz::require(parse_rational(q->get_str(), "round trip") == *q, "the number reads back from its printed form");
  return 0;
}
