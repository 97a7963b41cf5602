// Network files against an independent oracle: the fixtures of scripts/make_fixtures.py, written
// by numpy (.npz) and Python (JSON), with outputs and activation patterns computed by PyTorch in
// float64. Also: JSON and npz round trips bit for bit, and every bad file refused with an
// InputError that names it.
#include "helpers.hpp"
#include "network/npy.hpp"

#include "relutope/error.hpp"
#include "relutope/network/network.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/points.hpp"
#include "network/tensor.hpp"

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
  REQUIRE(rows.size() == 50);
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
    if (net.encoding.type == Encoding::Type::identity && !leaky && !net.layers.back().activation.has_kink()) {
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


TEST_CASE("regression: points written by np.savetxt's default (spaces) are read, malformed lines refused", "[io]") {
  TempDir dir;
  const std::string path = dir / "savetxt.txt";
  // np.savetxt(path, X): '%.18e' and one space; tabs and runs of blanks read the same.
  std::ofstream(path) << "# a header\n"
                      << "1.000000000000000056e-01 -2.500000000000000000e-01\n"
                      << "\t3  4.5e-1 \r\n"
                      << "\n";
  const MatD X = read_points(path, 2);
  REQUIRE(X.rows() == 2);
  CHECK(same_bits(X(0, 0), 0.1));  // strtod of the same text
  CHECK(X(0, 1) == -0.25);
  CHECK(X(1, 0) == 3);
  CHECK(same_bits(X(1, 1), 0.45));
  const std::vector<VecQ> exact = read_exact_points(path, 2);
  REQUIRE(exact.size() == 2);
  CHECK(exact[0][0] == Rational(mpz_class("125000000000000007"), mpz_class("1250000000000000000")));  // 1.000000000000000056e-01
  CHECK(exact[1] == VecQ{3, Rational(9, 20)});
  // dim = 0: as many coordinates as the first point, on every line
  CHECK(read_exact_points(path, 0).size() == 2);

  const auto refused = [&](const std::string& text, const std::string& where) {
    const std::string bad = dir / "bad.txt";
    std::ofstream(bad) << text;
    INFO("'" << text << "'");
    CHECK_THAT(input_error_of([&] { read_points(bad, 2); }), Catch::StartsWith(bad + ": " + where));
    CHECK_THAT(input_error_of([&] { read_exact_points(bad, 0); }), Catch::StartsWith(bad + ": " + where));
  };
  refused("1 2\n3 4,5\n", "line 2");      // mixed: a line with a comma splits at commas only
  refused("1 2\n1,,2\n", "line 2");        // an empty field
  refused("1 2\n\n1 2 3\n", "line 3");     // a wrong count
  refused("1 2\n1 x\n", "line 2");
}


TEST_CASE("regression: Linear modules with adjacent indices have no activation between them", "[io]") {
  // Sequential(Linear(1,3), ReLU(), Linear(3,1), Linear(1,3), ReLU(), Linear(3,1)), keys 0, 2, 3, 5,
  // built as f(x) = relu(x) - 1. A ReLU assumed between modules 2 and 3 made it relu(relu(x) - 1).
  for (const char* name : {"net_relu_minus_one.pt", "net_relu_minus_one.npz", "net_relu_minus_one.safetensors"}) {
    INFO(name);
    const Network net = read_network(fixture(name));
    REQUIRE(net.layers.size() == 4);
    CHECK(net.layers[0].activation == Activation::relu());
    CHECK(net.layers[1].activation == Activation::identity());
    CHECK(net.layers[2].activation == Activation::relu());
    CHECK(net.layers[3].activation == Activation::identity());
    CHECK(net.meta.at("layers") == "0 relu 2 identity 3 relu 5");
    const NetworkQ exact = to_exact(net);
    for (const auto& [x, f] : std::vector<std::pair<Rational, Rational>>{{-1, -1}, {0, -1}, {Rational(1, 2), Rational(-1, 2)}, {2, 1}})
      CHECK(evaluate(exact, VecQ{x}).values == VecQ{f});
  }
}

TEST_CASE("regression: a Linear without bias has a zero bias", "[io]") {
  // Linear(bias=False) was refused ("a weight but no bias").
  for (const char* name : {"net_nobias.pt", "net_nobias.npz", "net_nobias.safetensors"}) {
    INFO(name);
    const Network net = read_network(fixture(name));
    REQUIRE(net.layers.size() == 3);
    CHECK(net.layers[0].bias == VecD::Zero(6));
    CHECK(net.layers[1].bias != VecD::Zero(4));
    CHECK(net.layers[2].bias == VecD::Zero(1));
  }
}

TEST_CASE("regression: float16 and bfloat16 state_dicts load, widened exactly", "[io]") {
  // They were refused. Every format gives the same doubles, each a float16 (11 significant bits,
  // exponent >= -24) or a bfloat16 (a float whose low 16 bits are zero).
  const Network half = read_network(fixture("net_f16.pt"));
  for (const char* name : {"net_f16.npz", "net_f16.safetensors"}) require_same_network(read_network(fixture(name)), half);
  const Network bhalf = read_network(fixture("net_bf16.pt"));
  require_same_network(read_network(fixture("net_bf16.safetensors")), bhalf);
  long not_half = 0, not_bhalf = 0;
  for (size_t l = 0; l < half.layers.size(); ++l)
    for (const auto* values : {&half.layers[l].weight, &bhalf.layers[l].weight}) {
      for (Eigen::Index i = 0; i < values->size(); ++i) {
        const double v = values->data()[i];
        const float f = static_cast<float>(v);
        std::uint32_t bits;
        std::memcpy(&bits, &f, sizeof bits);
        if (values == &half.layers[l].weight) not_half += std::ldexp(v, 24) != std::round(std::ldexp(v, 24)) || std::abs(v) > 65504;
        else not_bhalf += static_cast<double>(f) != v || (bits & 0xffff) != 0;
      }
    }
  CHECK(not_half == 0);
  CHECK(not_bhalf == 0);
  CHECK(differing_weights(half, bhalf) > 0);
}

TEST_CASE("regression: torch.save and safetensors files are read by content, not by name", "[io]") {
  // A torch.save(state_dict) zip was read as an .npz ("data.pkl: not a .npy array (bad magic)").
  TempDir dir;
  const Network json = read_network(fixture("net_a_f64.json"));
  for (const char* name : {"net_a_f64.pt", "net_a_f64.safetensors", "net_a_f64.npz"}) {
    const std::string copy = dir / (std::string(name) + ".weights");
    fs::copy_file(fixture(name), copy);
    INFO(copy);
    require_same_network(read_network(copy), json);
  }
  // Views: a transposed weight and a bias at offset 4 of a 12-float storage.
  const Network strided = read_network(fixture("net_strided.pt"));
  CHECK(strided.layers[0].weight.rows() == 5);
  CHECK(strided.layers[0].bias.size() == 5);
}

TEST_CASE("regression: a pickle that names any other global is refused by name, and nothing runs", "[io]") {
  // Each would run `touch PICKLE_RAN` if unpickled by Python (scripts/make_fixtures.py).
  const std::string ran = "/tmp/relutope-fixture-pickle-ran";
  fs::remove(ran);
  for (const auto& [name, global] : std::vector<std::pair<std::string, std::string>>{
           {"pickle_posix_system.pt", "posix.system"}, {"pickle_builtins_eval.pt", "builtins.eval"},
           {"pickle_subprocess.pt", "subprocess.getoutput"}, {"pickle_late_global.pt", "os.system"},
           {"whole_module.pt", "torch.nn.modules.container.Sequential"}}) {
    const std::string path = fixture("bad/" + name);
    const std::string message = input_error_of([&] { read_network(path); });
    INFO(message);
    CHECK(message.rfind(path + ": ", 0) == 0);
    CHECK(message.find("refuses to load global '" + global + "'") != std::string::npos);
    CHECK(message.find("torch.save(model.state_dict(), path)") != std::string::npos);
  }
  CHECK(!fs::exists(ran));
}

TEST_CASE("regression: each bad state_dict is refused for its own fault", "[io]") {
  for (const auto& [name, fault] : std::vector<std::pair<std::string, std::string>>{
           {"legacy.pt", "legacy format"},
           {"tensor_not_dict.pt", "holds no state_dict"},
           {"truncated_pickle.pt", "truncated pickle"},
           {"unknown_opcode.pt", "unsupported pickle opcode 0x95"},
           {"view_beyond_storage.pt", "0.weight: the tensor needs more elements than the 4 its data holds"},
           {"stride_beyond_storage.pt", "0.weight: the tensor's strides reach beyond its storage of 6 elements"},
           {"missing_storage.pt", "0.bias: its storage 'missing_storage/data/1' is missing"},
           {"short_storage.pt", "0.weight: its storage holds 20 bytes, not 6 float32 values"},
           {"big_endian.pt", "byte order 'big'"},
           {"int32_weight.pt", "'0.weight' has dtype int32"},
           {"int64_weight.pt", "'0.weight' has dtype int64"},
           {"nan_weight.pt", "'0.weight' holds a NaN at entry 2"},
           {"shape_mismatch.pt", "layer 1: weight takes 4 inputs but receives 3"},
           {"layernorm.pt", "'1.weight' is a vector and '1' has no running statistics"},
           {"batchnorm_after_relu.pt", "BatchNorm1d '2' follows '0' across an index gap"},
           {"bias_without_weight.npz", "'2.bias' has no weight"},
           {"int64.npz", "'0.weight' has dtype int64"},
           {"truncated.safetensors", "0.bias: data_offsets [0,12] outside the 10 data bytes"},
           {"header_beyond_file.safetensors", "the header claims 128 bytes, 64 follow"},
           {"huge_header.safetensors", "header of 1099511627776 bytes exceeds the format's 100 MB limit"},
           {"overlap.safetensors", "data_offsets overlap at byte 4"},
           {"hole.safetensors", "bytes 0 to 4 belong to no tensor"},
           {"offsets_beyond_data.safetensors", "0.bias: data_offsets [8,400] outside the 12 data bytes"},
           {"size_mismatch.safetensors", "0.weight: the tensor needs more elements than the 2 its data holds"},
           {"int32.safetensors", "'0.weight' has dtype int32"},
           {"unknown_dtype.safetensors", "unsupported dtype \"F8_E4M3\""},
           {"nan_weight.safetensors", "'0.weight' holds a NaN at entry 1"},
           {"duplicate_key.safetensors", "names '0.weight' twice"},
           {"malformed_header.safetensors", "malformed safetensors header"}}) {
    const std::string path = fixture("bad/" + name);
    const std::string message = input_error_of([&] { read_network(path); });
    INFO(message);
    CHECK(message.rfind(path + ": ", 0) == 0);
    CHECK(message.find(fault) != std::string::npos);
  }
}

TEST_CASE("regression: BatchNorm1d in eval mode is folded into the Linear before it", "[io]") {
  // It was refused with a message about num_batches_tracked's dtype.
  for (const char* name : {"net_bn.pt", "net_bn.npz"}) {
    INFO(name);
    const Network net = read_network(fixture(name));
    REQUIRE(net.layers.size() == 3);
    CHECK(net.meta.at("layers") == "0 1(batchnorm) relu 3 4(batchnorm) relu 6");
    const std::string& note = net.meta.at("batchnorm");
    CHECK(note.rfind("'1' into '0', '4' into '3' folded with eps 1e-05", 0) == 0);
    CHECK(note.find("relative 2^-51") != std::string::npos);
  }
  // eps is not in the state_dict: a larger one gives another network.
  ReadOptions options;
  options.batchnorm_eps = 1e-3;
  const Network other = read_network(fixture("net_bn.pt"), options);
  CHECK(differing_weights(other, read_network(fixture("net_bn.pt"))) > 0);
  CHECK(other.meta.at("batchnorm").find("eps 0.001") != std::string::npos);
  // BatchNorm after an activation cannot be folded into the Linear before it: refused by name.
  const std::string after = fixture("bad/batchnorm_after_relu.pt");
  CHECK(input_error_of([&] { read_network(after); }).find("folds a BatchNorm1d only into the Linear right before it") !=
        std::string::npos);
}

TEST_CASE("named layouts: the file's order, shown in meta; --layers overrides; guesses refused", "[io]") {
  const Network fc = read_network(fixture("net_fc.pt"));
  CHECK(fc.meta.at("layers") == "fc1 relu fc2 relu out");
  CHECK(fc.meta.at("layer_order").find("the file's order") != std::string::npos);
  CHECK(fc.meta.at("layer_order").find("assumed") != std::string::npos);
  CHECK(read_network(fixture("net_io.pt")).meta.at("layers") == "input relu hidden relu output");
  CHECK(read_network(fixture("net_wrapped.pt")).meta.at("layers") == "module.0 relu module.2");
  ReadOptions layers;
  layers.layers = {"fc1", "fc2", "out"};
  require_same_network(read_network(fixture("net_fc.safetensors"), layers), fc);
  CHECK(read_network(fixture("net_fc.pt"), layers).meta.at("layer_order").rfind("--layers", 0) == 0);

  const std::string pt = fixture("net_fc.pt");
  for (const auto& [names, fault] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"fc1", "fc3", "out"}, "--layers names 'fc3', which is not a module of the file (its modules: fc1,fc2,out)"},
           {{"fc1", "fc2", "fc1", "out"}, "--layers names 'fc1' twice"},
           {{"fc1", "fc2"}, "'out.bias', 'out.weight' belong to no module that --layers names (add 'out')"},
           {{"out", "fc2", "fc1"}, "layer 1: weight takes 8 inputs but receives 2"}}) {
    ReadOptions options;
    options.layers = names;
    const std::string message = input_error_of([&] { read_network(pt, options); });
    INFO(message);
    CHECK(message.rfind(pt + ": ", 0) == 0);
    CHECK(message.find(fault) != std::string::npos);
  }
  // The file cannot show the order or the activations: refused, naming the option that says it.
  for (const auto& [name, option] : std::vector<std::pair<std::string, std::string>>{
           {"net_fc.safetensors", "--layers"}, {"net_io.safetensors", "--layers"}, {"net_features.pt", "--layers"},
           {"net_modulelist.pt", "--activation"}}) {
    const std::string path = fixture(name);
    const std::string message = input_error_of([&] { read_network(path); });
    INFO(message);
    CHECK(message.rfind(path + ": ", 0) == 0);
    CHECK(message.find(option) != std::string::npos);
  }
  // A native JSON network states its layers: the state_dict options are refused, not ignored.
  const std::string json = fixture("net_a_f64.json");
  ReadOptions leaky;
  leaky.activation = Activation::leaky_relu(0.01);
  CHECK(input_error_of([&] { read_network(json, leaky); }).find("--batchnorm-eps and --encoding are for state_dicts") !=
        std::string::npos);
}

TEST_CASE("tensor_view honours strides and offsets and checks them against the storage", "[io]") {
  std::vector<float> values = {0, 1, 2, 3, 4, 5, 6, 7};
  const std::string_view storage(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  const internal::Tensor t = internal::tensor_view(storage, internal::float32, {2, 3}, {1, 2}, 1, "s");
  CHECK(t.data == std::vector<double>{1, 3, 5, 2, 4, 6});
  CHECK(internal::tensor_view(storage, internal::float32, {}, {}, 7, "s").data == std::vector<double>{7});
  CHECK(internal::tensor_view(storage, internal::float32, {0, 1000000000000}, {1, 1}, 8, "s").data.empty());
  for (const auto& [shape, strides, offset] : std::vector<std::tuple<std::vector<long>, std::vector<long>, long>>{
           {{2, 3}, {1, 3}, 2}, {{9}, {1}, 0}, {{2}, {-1}, 1}, {{9}, {0}, 0}, {{2}, {1L << 62}, 0}, {{1}, {1}, 9}, {{2}, {1}, -1}})
    CHECK(input_error_of([&] { internal::tensor_view(storage, internal::float32, shape, strides, offset, "s"); }).rfind("s: ", 0) == 0);
  const std::uint16_t halves[] = {0x3c00, 0xc000, 0x0001, 0x7bff, 0x3f80};  // 1, -2, 2^-24, 65504; bfloat16 1
  const std::string_view h(reinterpret_cast<const char*>(halves), sizeof halves);
  CHECK(internal::tensor_view(h, internal::float16, {4}, {1}, 0, "s").data == std::vector<double>{1, -2, std::ldexp(1.0, -24), 65504});
  CHECK(internal::tensor_view(h, internal::bfloat16, {1}, {1}, 4, "s").data == std::vector<double>{1});
}

TEST_CASE("regression: an npy header of 45000 characters is read without overflowing the stack", "[io]") {
  // The header's fields were matched with std::regex, which recursed once per character: a long
  // header crashed relutope (fuzz_npy crashes on it). numpy's format allows headers up to 4 GB.
  const std::string path = fixture("bad/long_header.npz");
  CHECK(input_error_of([&] { read_network(path); }) == path + ": 0.weight.npy: arrays of 15000 dimensions are not supported");
  // A good array whose header is padded with 60,000 spaces (version 2.0: a 4-byte length).
  const std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::string(60000, ' ') + "1,), }";
  std::string bytes("\x93NUMPY\x02\x00", 8);
  for (int i = 0; i < 4; ++i) bytes += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  const double value = 0.5;
  bytes += header + std::string(reinterpret_cast<const char*>(&value), sizeof value);
  const internal::Tensor array = internal::parse_npy(bytes, "t");
  CHECK(array.shape == std::vector<long>{1});
  CHECK(array.data == std::vector<double>{0.5});
}

TEST_CASE("regression: an npz member name of 45000 characters is refused without overflowing the stack", "[io]") {
  // The keys were matched with std::regex, which recursed once per character: a long member name
  // crashed relutope (found reviewing the readers after the fuzzers' regex faults).
  const std::string path = fixture("bad/long_name.npz");
  CHECK_THAT(input_error_of([&] { read_network(path); }), Catch::StartsWith(path + ": "));
}

TEST_CASE("regression: an npy shape whose element count wraps around 2^64 is refused as bad input", "[io]") {
  // 32768 x 2^49 = 2^64 elements wrapped to 0: a 33 kB file passed the size check with no data,
  // and relutope reported "out of memory" (exit 3) instead of the fault. Each dimension was
  // below 10^15, which only bounds the product for files under 18 kB.
  const std::string bytes = slurp(RELUTOPE_SOURCE_DIR "/tests/fuzz/regressions/npy/wrapping_count.npy");
  REQUIRE(bytes.size() > 32768);
  CHECK_THAT(input_error_of([&] { internal::parse_npy(bytes, "t"); }), Catch::StartsWith("t: the tensor needs more elements than"));
}

TEST_CASE("regression: an input_dim beyond int is refused and not wrapped", "[io]") {
  // 4294967297 was read as 4294967297 mod 2^32 = 1: a 1-input network loaded from a broken file.
  const std::string path = fixture("bad/wrapping_input_dim.json");
  CHECK(input_error_of([&] { read_network(path); }) == path + ": input_dim must be an integer in 1..2147483647");
}

TEST_CASE("regression: JSON nested 200000 levels deep is refused without overflowing the stack", "[io]") {
  // nlohmann's dump() recursed once per level: printing a deep meta value (or a deep "format" in
  // the error message) crashed relutope. Found reviewing the readers: the fuzzers' inputs (4 kB)
  // are too short to nest this deep. The input is made here rather than kept (400 kB of brackets).
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  TempDir dir;
  const std::string path = dir / "deep.json";
  std::ofstream(path) << R"({"format": "relutope.mlp", "version": 1, "input_dim": 1, "layers": [{"weight": [[1]], "bias": [0]}],)"
                      << R"( "meta": {"x": )" << deep << "}}";
  CHECK_THAT(input_error_of([&] { read_network(path); }), Catch::StartsWith(path + ": JSON nested more than 100 levels deep"));
  CHECK_THAT(input_error_of([&] { parse_network_json("{\"format\": " + deep + "}", "SOURCE.json"); }),
             Catch::StartsWith("SOURCE.json: JSON nested more than 100 levels deep"));
}

TEST_CASE("regression: npz members carry a fixed time so that equal networks give equal files", "[io]") {
  // Each member carried the time of writing: two conversions of one network gave different files
  // when a 2-second tick of the zip clock fell between them (the sanitized suite, slower, hit it).
  TempDir dir;
  write_network(read_network(fixture("net_a_f64.json")), dir / "a.npz", NetworkFormat::npz);
  const std::string bytes = slurp(dir / "a.npz");
  int headers = 0;
  for (size_t at = bytes.find("PK\x03\x04"); at != std::string::npos; at = bytes.find("PK\x03\x04", at + 4), ++headers)
    CHECK(bytes.substr(at + 10, 4) == std::string("\x00\x00\x21\x00", 4));  // 00:00:00 on 1980-01-01
  CHECK(headers == 6);
}

TEST_CASE("regression: an npy shape whose row-major strides overflow is refused as bad input", "[io]") {
  // Strides of shape (.., 17777777776, 88888888888888) overflowed a long (undefined behaviour)
  // before the element count was checked against the data. Found by fuzz_npy.
  const std::string bytes = slurp(RELUTOPE_SOURCE_DIR "/tests/fuzz/regressions/npy/overflowing_strides.npy");
  REQUIRE(!bytes.empty());
  // Its shape holds a 0, so it is an empty array (read, or refused as a weight later); the fault
  // was the overflow itself, which the sanitized suite reports.
  try {
    CHECK(internal::parse_npy(bytes, "t").data.empty());
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), Catch::StartsWith("t: "));
  }
}

TEST_CASE("regression: a safetensors header nested 200000 levels deep is refused without overflowing the stack", "[io]") {
  // The message for a wrong dtype printed it (nlohmann's dump()), which recursed once per level and
  // crashed relutope. Found reviewing the new reader for the JSON readers' fault; the input is
  // made here (400 kB of brackets).
  const std::string header = R"({"w": {"dtype": )" + std::string(200000, '[') + std::string(200000, ']') +
                             R"(, "shape": [1], "data_offsets": [0, 8]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  TempDir dir;
  const std::string path = dir / "deep.safetensors";
  std::ofstream(path, std::ios::binary) << bytes << header << std::string(8, '\0');
  CHECK_THAT(input_error_of([&] { read_network(path); }),
             Catch::StartsWith(path + ": malformed safetensors header: nested more than 100 levels deep"));
}

TEST_CASE("regression: a dimension of size 1 with the largest stride reads without overflowing", "[io]") {
  // torch saves and loads x.as_strided((1, 3), (2^63 - 1, 1), 1); stepping past the size-1
  // dimension added its stride to the position (signed overflow, undefined: UBSan in
  // fuzz_network, tests/fuzz/regressions/network/stride_one_row.pt; this test fails under
  // RELUTOPE_SANITIZE without the fix).
  std::vector<double> values = {0, 1, 2, 3};
  const std::string_view storage(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
  const long largest = std::numeric_limits<long>::max();
  CHECK(internal::tensor_view(storage, internal::float64, {1, 3}, {largest, 1}, 1, "s").data == std::vector<double>{1, 2, 3});
  CHECK(internal::tensor_view(storage, internal::float64, {3, 1}, {1, largest}, 1, "s").data == std::vector<double>{1, 2, 3});
  const Network net = read_network(RELUTOPE_SOURCE_DIR "/tests/fuzz/regressions/network/stride_one_row.pt");
  CHECK(net.layers[1].weight == (MatD(1, 3) << 1, 2, 3).finished());
}
