// Helpers shared by the tests that read the fixtures of scripts/make_fixtures.py
// (test_network_io.cpp) and run the built binary on them (test_cli.cpp).
#pragma once

#include "relutope/error.hpp"
#include "relutope/network/network.hpp"
#include "relutope/network/network_io.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <typeinfo>
#include <vector>

namespace relutope::test {

// The path of a file under data/fixtures.
inline std::string fixture(const std::string& name) {
  return std::string(RELUTOPE_SOURCE_DIR) + "/data/fixtures/" + name;
}

// The whole content of a file ("" if it cannot be read).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// The non-empty lines of a file, which must exist.
inline std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// The comma-separated fields of a line.
inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> items;
  std::stringstream fields(line);
  for (std::string item; std::getline(fields, item, ',');) items.push_back(item);
  return items;
}

inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Counts the entries of two matrices whose bits differ (shape mismatch counts as everything).
inline long differing_bits(const MatD& a, const MatD& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return std::max<long>(1, static_cast<long>(a.size()));
  long n = 0;
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) n += !same_bits(a(i, j), b(i, j));
  return n;
}

inline long differing_bits(const VecD& a, const VecD& b) {
  if (a.size() != b.size()) return std::max<long>(1, static_cast<long>(a.size()));
  long n = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) n += !same_bits(a[i], b[i]);
  return n;
}

// Number of weights and biases whose bits differ between two networks' layers (-1 if they have
// different numbers of layers).
inline long differing_weights(const Network& a, const Network& b) {
  if (a.layers.size() != b.layers.size()) return -1;
  long n = 0;
  for (size_t l = 0; l < a.layers.size(); ++l)
    n += differing_bits(a.layers[l].weight, b.layers[l].weight) + differing_bits(a.layers[l].bias, b.layers[l].bias);
  return n;
}

// The tolerance for comparing relutope's and PyTorch's float64 outputs at one point.
//
// Both compute each layer z = W h + b in double, but in different orders (Eigen's and PyTorch's
// BLAS kernels, with or without FMA), so they may differ in the last bits. For any summation order
// the computed dot product of n terms plus a bias is within gamma_{n+1} (|W||h| + |b|) of the
// exact value, gamma_k = k u / (1 - k u), u = 2^-53. ReLU is 1-Lipschitz and the later layers
// multiply an error by at most |W|, so with the magnitude network m_0 = |features|,
// m_l = |W_l| m_{l-1} + |b_l| (no ReLU; it bounds every |h| and every partial sum), each
// evaluation is within (sum_l gamma_{n_l+1}) m_L of the exact output, and the two within twice
// that. A positional encoding adds the libm difference of sin/cos (each within 1 ulp, so two
// within 4 u |f|), which the same weights carry to at most 4 u m_L. We allow
//     |relutope - pytorch| <= 4 u (S + 2) m_L,   S = sum over layers of (fan_in + 1),
// i.e. twice the first-order bound (covering gamma's higher-order terms and the rounding of m
// itself). For net A (2-5-4-3, S = 14) that is 64 u m_L = 32 ulp of the term magnitude, still
// ~1e-14 relative: any real fault (a transposed weight, a lost bit in the file, a wrong
// feature order) is orders of magnitude larger.
inline VecD tolerance(const Network& net, const MatD& X, Eigen::Index point) {
  MatD features = encode(net.encoding, X.row(point));
  VecD m = features.row(0).transpose().cwiseAbs();
  double S = net.encoding.type == Encoding::Type::identity ? 0 : 2;
  for (const Layer& layer : net.layers) {
    m = layer.weight.cwiseAbs() * m + layer.bias.cwiseAbs();
    S += static_cast<double>(layer.weight.cols() + 1);
  }
  return 4 * std::ldexp(1.0, -53) * S * m;
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

// A fresh directory under the system temporary directory, removed at the end of the scope.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    std::random_device random;
    path = std::filesystem::temp_directory_path() /
           ("relutope-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
            std::to_string(random()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// Files anywhere under `dir` whose name contains ".tmp" (a writer's temporary left behind).
inline std::vector<std::string> temporaries(const std::filesystem::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.path().filename().string().find(".tmp") != std::string::npos) found.push_back(entry.path().string());
  return found;
}

// One row of data/fixtures/manifest.csv: a network, a points file, the stem of the PyTorch
// outputs (STEM.expected.csv) and activation patterns (STEM.patterns.txt) for them, and the
// command-line options the network needs (e.g. --layers fc1,fc2,out), if any.
struct ManifestRow {
  std::string network, points, expected;
  std::vector<std::string> options;
};

// The fields of a CSV line; a field in double quotes may hold commas.
inline std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields;
  for (size_t i = 0; i <= line.size();) {
    const bool quoted = i < line.size() && line[i] == '"';
    const size_t end = quoted ? line.find("\",", i + 1) : line.find(',', i);
    fields.push_back(line.substr(i + quoted, (end == std::string::npos ? line.size() - quoted : end) - i - quoted));
    if (end == std::string::npos) break;
    i = end + (quoted ? 2 : 1);
  }
  return fields;
}

inline std::vector<ManifestRow> manifest() {
  std::vector<ManifestRow> rows;
  const auto lines = lines_of(fixture("manifest.csv"));
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto items = csv_fields(lines[i]);
    REQUIRE((items.size() == 3 || items.size() == 4));
    ManifestRow row{items[0], items[1], items[2], {}};
    std::istringstream options(items.size() == 4 ? items[3] : "");
    for (std::string word; options >> word;) row.options.push_back(word);
    rows.push_back(row);
  }
  return rows;
}

// The ReadOptions that command-line options (--layers, --activation(s), --batchnorm-eps) give.
inline ReadOptions read_options_of(const std::vector<std::string>& args) {
  ReadOptions options;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--layers") options.layers = split(args[i + 1]);
    else if (args[i] == "--activation") options.activation = parse_activation(args[i + 1], "--activation");
    else if (args[i] == "--batchnorm-eps") options.batchnorm_eps = std::stod(args[i + 1]);
    else if (args[i] == "--activations")
      for (const std::string& name : split(args[i + 1])) options.activations.push_back(parse_activation(name, "--activations"));
    else FAIL("unknown read option " << args[i]);
  }
  return options;
}

// The files under data/fixtures/bad, sorted: the bad points files (named points_*) if `points`,
// else the bad network files.
inline std::vector<std::string> bad_files(bool points) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(fixture("bad"))) {
    const std::string name = entry.path().filename().string();
    if ((name.rfind("points_", 0) == 0) == points) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace relutope::test
