// Network files against an independent oracle: the fixtures of scripts/make_fixtures.py, written
// by numpy (.npz) and Python (JSON), with outputs and activation patterns computed by PyTorch in
// float64. Also: JSON and npz round trips bit for bit, and every bad file refused with an
// InputError that names it.
#include "helpers.hpp"

#include "relutope/error.hpp"
#include "relutope/network.hpp"
#include "relutope/network_io.hpp"
#include "relutope/points.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <tuple>
#include <random>
#include <string>
#include <typeinfo>
#include <vector>

using namespace relutope;
using namespace relutope::test;
namespace fs = std::filesystem;

namespace {

// A CSV of doubles, read with strtod (correctly rounded, so repr() text gives the exact double).
MatD csv_matrix(const std::string& path) {
  const auto lines = lines_of(path);
  REQUIRE(!lines.empty());
  const auto cols = static_cast<Eigen::Index>(split(lines[0]).size());
  MatD m(static_cast<Eigen::Index>(lines.size()), cols);
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto items = split(lines[i]);
    REQUIRE(static_cast<Eigen::Index>(items.size()) == cols);
    for (Eigen::Index j = 0; j < cols; ++j) {
      char* end = nullptr;
      m(static_cast<Eigen::Index>(i), j) = std::strtod(items[static_cast<size_t>(j)].c_str(), &end);
      REQUIRE(*end == '\0');
    }
  }
  return m;
}

// The message of the InputError that f throws; "" (and a failed check) if it throws nothing or
// something else.
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("threw a " << typeid(e).name() << " instead of relutope::InputError: " << e.what());
    return "";
  }
  FAIL_CHECK("did not throw");
  return "";
}

// A network exercising the corners of double printing: signed zero, subnormals, extremes,
// non-terminating binary fractions, integers beyond 2^53, and random bit patterns.
Network awkward_network() {
  std::vector<double> values = {-0.0,
                                0.0,
                                std::numeric_limits<double>::denorm_min(),
                                -std::numeric_limits<double>::denorm_min(),
                                std::numeric_limits<double>::min(),
                                std::nextafter(std::numeric_limits<double>::min(), 0.0),
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::lowest(),
                                std::numeric_limits<double>::epsilon(),
                                1.0 + std::numeric_limits<double>::epsilon(),
                                std::nextafter(1.0, 0.0),
                                0.1,
                                1.0 / 3.0,
                                -2.0 / 3.0,
                                9007199254740993.0,  // 2^53 + 1 rounds to 2^53
                                std::ldexp(1.0, 1023) * 1.5,
                                5e-324 * 3,
                                123456789012345678.0,
                                1e23,
                                8.41e21,
                                2.2250738585072011e-308,
                                4.9406564584124654e-324,
                                0.30000000000000004};
  std::mt19937_64 bits(20240101);
  while (values.size() < 40 * 8) {
    const std::uint64_t b = bits();
    double d;
    std::memcpy(&d, &b, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
  }
  Network net;
  net.input_dim = 8;
  Layer first{MatD(36, 8), VecD(36), Activation::relu()}, last{MatD(1, 36), VecD(1), Activation::identity()};
  size_t k = 0;
  for (Eigen::Index i = 0; i < 36; ++i)
    for (Eigen::Index j = 0; j < 8; ++j) first.weight(i, j) = values[k++ % values.size()];
  for (Eigen::Index i = 0; i < 36; ++i) first.bias[i] = values[(k++ * 7) % values.size()];
  for (Eigen::Index j = 0; j < 36; ++j) last.weight(0, j) = values[(k++ * 11) % values.size()];
  last.bias[0] = -0.0;
  net.layers = {first, last};
  net.domain = parse_box("-1/3,0.1,0,1,0,1,0,1,0,1,0,1,0,1,-1e-30,2.5", "test");
  net.meta = {{"preset", "awkward"}, {"quote", "a \"quoted\"\nline\t\\"}, {"unicode", "\xc3\xa9"}};
  return net;
}

void require_same_network(const Network& a, const Network& b) {
  CHECK(a.input_dim == b.input_dim);
  CHECK(a.encoding == b.encoding);
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t l = 0; l < a.layers.size(); ++l) {
    CHECK(a.layers[l].weight.rows() == b.layers[l].weight.rows());
    CHECK(a.layers[l].weight.cols() == b.layers[l].weight.cols());
  }
  CHECK(differing_weights(a, b) == 0);
}

}  // namespace

TEST_CASE("every good fixture evaluates as PyTorch does in float64", "[io]") {
  const auto rows = manifest();
  REQUIRE(rows.size() == 43);
  for (const auto& row : rows) {
    INFO("network " << row.network << ", points " << row.points);
    const Network net = read_network(fixture(row.network), read_options_of(row.options));
    const MatD X = read_points(fixture(row.points), net.input_dim);
    // The library's point reader gives exactly the doubles strtod gives.
    CHECK(differing_bits(X, csv_matrix(fixture(row.points))) == 0);
    const MatD expected = csv_matrix(fixture(row.expected + ".expected.csv"));
    const auto patterns = lines_of(fixture(row.expected + ".patterns.txt"));
    const Evaluation e = evaluate(net, X);
    REQUIRE(e.values.rows() == expected.rows());
    REQUIRE(e.values.cols() == expected.cols());
    REQUIRE(e.patterns.size() == patterns.size());
    for (Eigen::Index p = 0; p < X.rows(); ++p) {
      const VecD tol = tolerance(net, X, p);
      for (Eigen::Index j = 0; j < expected.cols(); ++j) {
        INFO("point " << p << " output " << j << ": relutope " << e.values(p, j) << ", pytorch " << expected(p, j)
                      << ", tolerance " << tol[j]);
        CHECK(std::abs(e.values(p, j) - expected(p, j)) <= tol[j]);
      }
      CHECK(e.patterns[static_cast<size_t>(p)] == patterns[static_cast<size_t>(p)]);
    }
  }
}

TEST_CASE("all encodings of one network load to the same doubles", "[io]") {
  SECTION("float32 files give exactly the float32 values, widened") {
    const Network json = read_network(fixture("net_a_f32.json"));
    for (const char* name : {"net_a_f32.npz", "net_a_f32_compressed.npz", "net_a_f32.pt", "net_a_f32.safetensors"}) {
      INFO(name);
      require_same_network(read_network(fixture(name)), json);
    }
    for (const char* name : {"net_a_f32.npz", "net_b_f32.npz"}) {
      const Network net = read_network(fixture(name));
      long not_float = 0;
      for (const Layer& layer : net.layers) {
        for (Eigen::Index i = 0; i < layer.weight.size(); ++i)
          not_float += static_cast<double>(static_cast<float>(layer.weight.data()[i])) != layer.weight.data()[i];
        for (Eigen::Index i = 0; i < layer.bias.size(); ++i)
          not_float += static_cast<double>(static_cast<float>(layer.bias[i])) != layer.bias[i];
      }
      INFO(name);
      CHECK(not_float == 0);
    }
  }
  SECTION("float64 files: savez, savez_compressed, Fortran order and 17-digit JSON agree bit for bit") {
    const Network json = read_network(fixture("net_a_f64.json"));
    REQUIRE(json.layers.size() == 3);
    CHECK(json.layers[0].weight.rows() == 5);
    CHECK(json.layers[0].weight.cols() == 2);
    CHECK(json.layers[1].weight.rows() == 4);
    CHECK(json.layers[2].weight.rows() == 3);
    for (const char* name : {"net_a_f64.npz", "net_a_f64_compressed.npz", "net_a_f64_fortran.npz",
                             "net_a_f64_prefixed.npz", "net_a_f64.pt", "net_a_f64.safetensors"}) {
      INFO(name);
      require_same_network(read_network(fixture(name)), json);
    }
    // These really are doubles, not widened floats.
    const double w = json.layers[0].weight(1, 0);
    CHECK(static_cast<double>(static_cast<float>(w)) != w);
    require_same_network(read_network(fixture("net_b_f64_compressed.npz")), read_network(fixture("net_b_f64.json")));
  }
  SECTION("a state_dict carries no domain, its meta the layers read; JSON domain bounds are exact") {
    const Network npz = read_network(fixture("net_a_f64.npz"));
    CHECK(npz.input_dim == 2);
    CHECK(!npz.domain);
    CHECK(npz.meta.at("layers") == "0 relu 2 relu 4");
    CHECK(npz.encoding == Encoding{});
    const Network json = read_network(fixture("net_a_f64.json"));
    REQUIRE(json.domain);
    CHECK(json.domain->lo == VecQ{Rational(-2), Rational(-1, 3)});
    CHECK(json.domain->hi == VecQ{Rational(2), Rational(1, 10)});  // the decimal 0.1, not the double
    CHECK(json.meta.at("source") == "make_fixtures.py");
    CHECK(json.meta.at("seed") == "0");
    const Network pe = read_network(fixture("net_c_pe.json"));
    CHECK(pe.encoding == Encoding{Encoding::Type::positional, 2});
    CHECK(pe.layers[0].weight.cols() == 8);
  }
}

TEST_CASE("network_json round-trips every double bit for bit", "[io]") {
  std::vector<Network> nets = {awkward_network()};
  for (const auto& row : manifest()) nets.push_back(read_network(fixture(row.network), read_options_of(row.options)));
  for (const Network& net : nets) {
    const std::string text = network_json(net);
    const Network back = parse_network_json(text, "round trip");
    require_same_network(back, net);
    CHECK(back.domain.has_value() == net.domain.has_value());
    if (net.domain && back.domain) CHECK(*back.domain == *net.domain);
    CHECK(back.meta == net.meta);
    // And the document is a fixed point.
    CHECK(network_json(back) == text);
  }
  // Signed zero keeps its sign (a bitwise comparison above, spelled out here).
  const Network back = parse_network_json(network_json(awkward_network()), "round trip");
  CHECK(std::signbit(back.layers[0].weight(0, 0)));
  CHECK(std::signbit(back.layers[1].bias[0]));
}

TEST_CASE("write_network and read_network round-trip through files", "[io]") {
  TempDir dir;
  std::vector<Network> nets = {awkward_network()};
  for (const auto& row : manifest()) nets.push_back(read_network(fixture(row.network), read_options_of(row.options)));
  int i = 0;
  for (const Network& net : nets) {
    const std::string stem = dir / ("net" + std::to_string(i++));
    INFO(stem);
    write_network(net, stem + ".json", NetworkFormat::json);
    const Network from_json = read_network(stem + ".json");
    require_same_network(from_json, net);
    CHECK(from_json.meta == net.meta);
    CHECK(from_json.domain.has_value() == net.domain.has_value());
    const bool leaky = std::any_of(net.layers.begin(), net.layers.end(),
                                   [](const Layer& l) { return l.activation.kind == Activation::Kind::leaky_relu; });
    if (net.encoding.type == Encoding::Type::identity && !leaky) {
      write_network(net, stem + ".npz", NetworkFormat::npz);
      const Network from_npz = read_network(stem + ".npz");
      require_same_network(from_npz, net);
      // An npz is chosen by content, not by suffix.
      fs::copy_file(stem + ".npz", stem + ".weights");
      require_same_network(read_network(stem + ".weights"), net);
    } else {
      const std::string target = stem + ".npz";
      const std::string message = input_error_of([&] { write_network(net, target, NetworkFormat::npz); });
      CHECK(message.find(target) != std::string::npos);
      CHECK(!fs::exists(target));
    }
  }
  CHECK(format_for_path("a/b.npz") == NetworkFormat::npz);
  CHECK(format_for_path("a/b.json") == NetworkFormat::json);
  CHECK(format_for_path("npz") == NetworkFormat::json);
  CHECK(temporaries(dir.path).empty());
}

TEST_CASE("every bad network file is refused with an InputError naming it", "[io]") {
  const auto files = bad_files(false);
  REQUIRE(files.size() >= 25);
  for (const std::string& path : files) {
    INFO(path);
    const std::string message = input_error_of([&] { read_network(path); });
    CHECK(message.find(path) != std::string::npos);
  }
  const std::string missing = fixture("bad/does_not_exist.json");
  CHECK(input_error_of([&] { read_network(missing); }).find(missing) != std::string::npos);
}

TEST_CASE("every bad points file is refused with an InputError naming it", "[io]") {
  const auto files = bad_files(true);
  REQUIRE(files.size() >= 5);
  for (const std::string& path : files) {
    INFO(path);
    const std::string message = input_error_of([&] { read_points(path, 2); });
    CHECK(message.find(path) != std::string::npos);
  }
  // The good points files are refused for a network of another input dimension.
  const std::string a = fixture("points_a.csv");
  CHECK(input_error_of([&] { read_points(a, 1); }).find(a) != std::string::npos);
  CHECK(input_error_of([&] { read_points(a, 3); }).find(a) != std::string::npos);
}

TEST_CASE("JSON text problems name the source", "[io]") {
  const std::string head =
      R"({"format": "relutope.mlp", "version": 1, "input_dim": 2, "encoding": {"type": "identity"}, "layers": )";
  for (const std::string& text :
       {head + R"([]})", head + R"([{"weight": [], "bias": []}]})", head + R"([{"weight": [1, 2], "bias": [0]}]})",
        head + R"([{"weight": [[1, 2]], "bias": [0, 1]}]})", head + R"([{"weight": [[1, 2, 3]], "bias": [0]}]})",
        head + R"([{"weight": [[1, 2]], "bias": 0}]})", head + R"([{"weight": [[1, 2]], "bias": [null]}]})",
        head + R"([{"weight": [[1, 2]], "bias": [0]}], "domain": [0, 1]})",
        head + R"([{"weight": [[1, 2]], "bias": [0]}], "domain": [1, 0, 0, 1]})",
        head + R"([{"weight": [[1, 2]], "bias": [0]}], "domain": ["x", 1, 0, 1]})",
        std::string(R"({"format": "relutope.mlp", "version": 1, "input_dim": 2, "encoding": {"type": 3}, "layers": [{"weight": [[1, 2]], "bias": [0]}]})"),
        std::string(R"({"format": "relutope.mlp", "version": 1, "input_dim": 1, "encoding": {"type": "positional", "L": 0}, "layers": [{"weight": [[1, 2]], "bias": [0]}]})"),
        std::string(R"({"format": "relutope.mlp", "version": 1, "input_dim": "2", "layers": [{"weight": [[1, 2]], "bias": [0]}]})"),
        std::string(R"({"format": "relutope.mlp", "version": 1, "layers": [{"weight": [[1, 2]], "bias": [0]}]})")}) {
    INFO(text);
    CHECK(input_error_of([&] { parse_network_json(text, "SOURCE.json"); }).find("SOURCE.json") != std::string::npos);
  }
}

TEST_CASE("regression: npz keys of nested or several modules are refused, not collided", "[io]") {
  // "0.0.weight" and "1.0.weight" (a Sequential of Sequentials) both have index 0; "enc.0.*" and
  // "dec.2.*" make a valid-looking 2-layer network of two modules. Both loaded another network.
  for (const auto& [name, first, second] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"nested_prefix.npz", "0.0", "1.0"}, {"mixed_prefix.npz", "enc.0", "dec.2"}}) {
    const std::string path = fixture("bad/" + name);
    const std::string message = input_error_of([&] { read_network(path); });
    INFO(message);
    CHECK(message.rfind(path + ": ", 0) == 0);
    CHECK(message.find("'" + first + "'") != std::string::npos);
    CHECK(message.find("'" + second + "'") != std::string::npos);
    CHECK(message.find("--layers") != std::string::npos);
  }
  // One prefix common to all keys is fine: a Sequential saved as an attribute, "net.0.weight", ...
  require_same_network(read_network(fixture("net_a_f64_prefixed.npz")), read_network(fixture("net_a_f64.json")));
}

TEST_CASE("regression: an npz member whose header claims 4 GB is refused with a real reason", "[io]") {
  // The zip headers claim 0xF0000000 bytes for a 160-byte member; relutope allocated the claim
  // up front (test_cli.cpp runs this under a memory limit) and printed "No error" as the reason.
  const std::string path = fixture("bad/huge_size.npz");
  const std::string message = input_error_of([&] { read_network(path); });
  INFO(message);
  CHECK(message.rfind(path + ": 0.weight.npy: ", 0) == 0);
  CHECK(message.find("No error") == std::string::npos);
  for (const auto& name : bad_files(false)) CHECK(input_error_of([&] { read_network(name); }).find("No error") == std::string::npos);
}

TEST_CASE("regression: a domain bound beyond the doubles is written as an exact string", "[io]") {
  Network net = read_network(fixture("net_a_f64.json"));
  net.domain = parse_box("-1e400,1e-400,1/3,0.5", "test");
  const std::string text = network_json(net);
  const Network back = parse_network_json(text, "round trip");
  REQUIRE(back.domain);
  CHECK(*back.domain == *net.domain);
  CHECK(domain_json(*net.domain) == "[\"-1" + std::string(400, '0') + "\",\"1/1" + std::string(400, '0') + "\",\"1/3\",0.5]");
  CHECK(encoding_json(Encoding{}) == R"({"type":"identity"})");
  CHECK(encoding_json(Encoding{Encoding::Type::positional, 8}) == R"({"L":8,"include_input":false,"order":"nerf","type":"positional"})");
}

TEST_CASE("a directory is neither a network nor a points file", "[io]") {
  TempDir dir;
  CHECK(input_error_of([&] { read_network(dir.path.string()); }) == dir.path.string() + ": is a directory, not a network file");
  CHECK(input_error_of([&] { read_points(dir.path.string(), 2); }) == dir.path.string() + ": is a directory, not a points file");
}

TEST_CASE("regression: a domain with a trailing comma is refused", "[io]") {
  for (const char* text : {"0,1,0,1,", "0,1,,0,1", ",0,1", "0,1, "})
    CHECK_THAT(input_error_of([&] { parse_box(text, "--domain"); }), Catch::StartsWith("--domain: empty value"));
  CHECK(parse_box(" 0 , 1/3 ", "--domain").hi[0] == Rational(1, 3));
}
