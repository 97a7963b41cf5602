// The command line end to end: runs the built relutope binary on the fixtures of
// scripts/make_fixtures.py and checks exit statuses, stdout/stderr discipline, the files it
// leaves behind, and the numbers against PyTorch's float64 outputs.
#include "helpers.hpp"
#include "region_oracle.hpp"

#include "relutope/error.hpp"
#include "relutope/network/network.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/points.hpp"

#include <cairo.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace relutope;
using namespace relutope::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double to_number(const std::string& text) {
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  REQUIRE(*end == '\0');
  return d;
}

// A TempDir with the "out" subdirectory the commands write into; relutope_run keeps its captured
// stdout and stderr outside it.
struct CliDir : TempDir {
  CliDir() { fs::create_directories(path / "out"); }
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct Run {
  int status = -1;
  std::string out, err;
};

// Runs relutope with `args` in `dir`, stdout and stderr captured to files outside dir/out.
// `shell` is a command run first in the same shell ("ulimit -v N"); `stdout_to` sends stdout
// elsewhere ("/dev/full") instead of capturing it.
Run relutope_run(const std::vector<std::string>& args, const TempDir& dir, const std::string& shell = "",
                 const std::string& stdout_to = "") {
  std::string command = "cd " + quote(dir.path.string()) + " && " + (shell.empty() ? "" : shell + " && ") +
                        quote(RELUTOPE_BINARY);
  for (const auto& a : args) command += " " + quote(a);
  command += " </dev/null >" + quote(stdout_to.empty() ? dir / "stdout.txt" : stdout_to) + " 2>" +
             quote(dir / "stderr.txt");
  const int raw = std::system(command.c_str());
  Run run;
  run.status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = slurp(dir / "stdout.txt");
  run.err = slurp(dir / "stderr.txt");
  return run;
}

// The shell command that limits relutope's memory to about `mb` megabytes: its address space, or
// under AddressSanitizer (which reserves terabytes of address space) its allocator's largest block.
std::string memory_limit(int mb) {
#ifdef __SANITIZE_ADDRESS__
  return "export ASAN_OPTIONS=max_allocation_size_mb=" + std::to_string(mb) + ":allocator_may_return_null=1";
#else
  return "ulimit -v " + std::to_string(mb * 1000);
#endif
}

std::string describe(const std::vector<std::string>& args, const Run& run) {
  std::string text = "relutope";
  for (const auto& a : args) text += " " + a;
  return text + "\n  status " + std::to_string(run.status) + "\n  stdout: " + run.out.substr(0, 400) +
         "\n  stderr: " + run.err;
}

// The error discipline: exactly one line on stderr, "relutope: ...", naming `name`.
void check_one_error_line(const Run& run, const std::string& name) {
  CHECK(run.status == 2);
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  CHECK(!run.err.empty());
  if (!run.err.empty()) CHECK(run.err.back() == '\n');
  CHECK(run.err.rfind("relutope: ", 0) == 0);
  CHECK(run.err.find(name) != std::string::npos);
}

std::vector<std::string> directory_names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("--help exits 0 for the program and its commands", "[cli]") {
  CliDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"info", "--help"}, {"convert", "--help"}, {"eval", "--help"}, {"train", "--help"}}) {
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    CHECK(run.status == 0);
    CHECK(!run.out.empty());
  }
}

TEST_CASE("usage errors exit 2 with one line on stderr", "[cli]") {
  CliDir dir;
  const std::string net = fixture("net_a_f64.json");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {}, {"no-such-command"}, {"info"}, {"eval", net}, {"convert", net}, {"info", net, "--no-such-option"}}) {
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    CHECK(run.status == 2);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    CHECK(run.err.rfind("relutope: ", 0) == 0);
    CHECK(run.out.empty());
  }
}

TEST_CASE("info reports architecture, parameters, domain and encoding", "[cli]") {
  CliDir dir;
  {
    const std::vector<std::string> args = {"info", fixture("net_a_f64.json")};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    CHECK(run.status == 0);
    CHECK(run.err.empty());
    CHECK(run.out.find("2 -> 5 relu -> 4 relu -> 3") != std::string::npos);
    CHECK(run.out.find("54") != std::string::npos);  // 2*5+5 + 5*4+4 + 4*3+3
    CHECK(run.out.find("-1/3") != std::string::npos);
  }
  {
    const std::vector<std::string> args = {"info", fixture("net_a_f32.npz"), "--json", "-"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    CHECK(run.err.empty());
    const json doc = json::parse(run.out);  // stdout holds the JSON document and nothing else
    CHECK(doc["input_dim"] == 2);
    CHECK(doc["output_dim"] == 3);
    CHECK(doc["widths"] == json::array({2, 5, 4, 3}));
    CHECK(doc["hidden_neurons"] == 9);
    CHECK(doc["parameters"] == 54);
    CHECK(doc["domain"].is_null());
    CHECK(doc["encoding"] == json{{"type", "identity"}});
  }
  {  // the domain as network files write it: numbers, and exact strings where a number is not exact
    const std::vector<std::string> args = {"info", fixture("net_a_f64.json"), "--json", "-"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const json doc = json::parse(run.out);
    CHECK(doc["domain"] == json::parse(R"([-2, 2, "-1/3", 0.1])"));
    CHECK(doc["domain"] == json::parse(slurp(fixture("net_a_f64.json")))["domain"]);
  }
  {
    const std::vector<std::string> args = {"info", fixture("net_c_pe.json"), "--json", "-"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const json doc = json::parse(run.out);
    CHECK(doc["widths"] == json::array({8, 6, 1}));
    CHECK(doc["parameters"] == 8 * 6 + 6 + 6 + 1);
    CHECK(doc["encoding"] == json{{"type", "positional"}, {"L", 2}, {"order", "nerf"}, {"include_input", false}});
    CHECK(doc["domain"] == json::array({0, 1, 0, 1}));
  }
}

TEST_CASE("convert json -> npz -> json keeps every weight bit", "[cli]") {
  CliDir dir;
  const std::string out = dir / "out";
  const Network original = read_network(fixture("net_a_f64.json"));
  const std::vector<std::vector<std::string>> steps = {{"convert", fixture("net_a_f64.json"), out + "/a.npz"},
                                                       {"convert", out + "/a.npz", out + "/b.json"},
                                                       {"convert", out + "/b.json", out + "/c.npz"}};
  for (const auto& args : steps) {
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    CHECK(run.out.empty());
  }
  CHECK(differing_weights(read_network(out + "/a.npz"), original) == 0);
  const Network b = read_network(out + "/b.json");
  CHECK(differing_weights(b, original) == 0);
  CHECK(b.input_dim == 2);
  CHECK(!b.domain);  // the npz had no room for it
  CHECK(slurp(out + "/a.npz") == slurp(out + "/c.npz"));

  {  // float32 archives widen exactly; --domain attaches an exact box
    const std::vector<std::string> args = {"convert", fixture("net_b_f32.npz"), out + "/f.json", "--domain", "-0.1,1/3"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const Network f = read_network(out + "/f.json");
    CHECK(differing_weights(f, read_network(fixture("net_b_f32.npz"))) == 0);
    REQUIRE(f.domain);
    CHECK(f.domain->lo == VecQ{Rational(-1, 10)});
    CHECK(f.domain->hi == VecQ{Rational(1, 3)});
  }
  {  // a positional-encoding network converts to JSON unchanged
    const std::vector<std::string> args = {"convert", fixture("net_c_pe.json"), out + "/pe.json"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const Network pe = read_network(out + "/pe.json"), source = read_network(fixture("net_c_pe.json"));
    CHECK(differing_weights(pe, source) == 0);
    CHECK(pe.encoding == source.encoding);
    CHECK(pe.domain.has_value());
  }
  CHECK(temporaries(dir.path.string()).empty());
}

TEST_CASE("eval prints outputs and patterns matching PyTorch's float64", "[cli]") {
  CliDir dir;
  for (const auto& row : manifest()) {
    const Network net = read_network(fixture(row.network), read_options_of(row.options));
    const MatD X = read_points(fixture(row.points), net.input_dim);
    const Evaluation library = evaluate(net, X);
    const auto expected = lines_of(fixture(row.expected + ".expected.csv"));
    const auto patterns = lines_of(fixture(row.expected + ".patterns.txt"));
    REQUIRE(static_cast<Eigen::Index>(expected.size()) == X.rows());

    std::vector<std::string> args = {"eval", fixture(row.network), "--points", fixture(row.points), "--json", "-"};
    args.insert(args.end(), row.options.begin(), row.options.end());
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    CHECK(run.err.empty());
    json doc;
    REQUIRE_NOTHROW(doc = json::parse(run.out));  // only JSON on stdout
    REQUIRE(doc["values"].size() == expected.size());
    REQUIRE(doc["patterns"].size() == patterns.size());
    for (Eigen::Index p = 0; p < X.rows(); ++p) {
      const auto torch = split(expected[static_cast<size_t>(p)]);
      const VecD tol = tolerance(net, X, p);
      REQUIRE(doc["values"][p].size() == torch.size());
      for (size_t j = 0; j < torch.size(); ++j) {
        const double value = doc["values"][p][j].get<double>();
        INFO("point " << p << " output " << j << ": relutope " << value << ", pytorch " << torch[j]);
        CHECK(std::abs(value - to_number(torch[j])) <= tol[static_cast<Eigen::Index>(j)]);
        // The printed double is the library's double, bit for bit.
        CHECK(same_bits(value, library.values(p, static_cast<Eigen::Index>(j))));
      }
      CHECK(doc["patterns"][p] == patterns[static_cast<size_t>(p)]);
    }
  }

  {  // the default CSV output holds the same doubles and patterns
    const Network net = read_network(fixture("net_a_f64.npz"));
    const Evaluation library = evaluate(net, read_points(fixture("points_a.csv"), 2));
    const std::vector<std::string> args = {"eval", fixture("net_a_f64.npz"), "--points", fixture("points_a.csv")};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    std::istringstream lines(run.out);
    std::string line;
    Eigen::Index p = 0;
    for (; std::getline(lines, line); ++p) {
      const auto items = split(line);
      REQUIRE(items.size() == 4);
      for (Eigen::Index j = 0; j < 3; ++j) CHECK(same_bits(to_number(items[static_cast<size_t>(j)]), library.values(p, j)));
      CHECK(items[3] == library.patterns[static_cast<size_t>(p)]);
    }
    CHECK(p == library.values.rows());
  }
  {  // --json FILE writes the document there and nothing on stdout
    const std::string target = dir / "out/eval.json";
    const std::vector<std::string> args = {"eval", fixture("net_b_f64.json"), "--points", fixture("points_b.csv"),
                                           "--json", target};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    CHECK(run.out.empty());
    const json doc = json::parse(slurp(target));
    CHECK(doc["patterns"].size() == lines_of(fixture("net_b_f64.patterns.txt")).size());
  }
}

TEST_CASE("bad inputs exit 2 with one line naming the file and leave no output", "[cli]") {
  CliDir dir;
  const std::string out = dir / "out";
  const auto networks = bad_files(false);
  REQUIRE(networks.size() >= 25);
  std::vector<std::string> all = networks;
  all.push_back(fixture("bad/does_not_exist.npz"));
  int n = 0;  // a fresh target per run, so that one wrongly written file cannot mask another
  for (const std::string& bad : all) {
    ++n;
    for (const std::string& target : {out + "/x" + std::to_string(n) + ".json", out + "/x" + std::to_string(n) + ".npz"}) {
      const std::vector<std::string> args = {"convert", bad, target};
      const Run run = relutope_run(args, dir);
      INFO(describe(args, run));
      check_one_error_line(run, bad);
      CHECK(run.out.empty());
      CHECK(!fs::exists(target));
    }
    const std::vector<std::string> args = {"info", bad};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    check_one_error_line(run, bad);
    CHECK(run.out.empty());
  }
  const auto points = bad_files(true);
  REQUIRE(points.size() >= 5);
  for (const std::string& bad : points) {
    const std::string target = out + "/eval" + std::to_string(++n) + ".json";
    const std::vector<std::string> args = {"eval", fixture("net_a_f64.json"), "--points", bad, "--json", target};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    check_one_error_line(run, bad);
    CHECK(run.out.empty());
    CHECK(!fs::exists(target));
  }
  {  // a positional-encoding network is refused as .npz, nothing written
    const std::string target = out + "/pe.npz";
    const std::vector<std::string> args = {"convert", fixture("net_c_pe.json"), target};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    check_one_error_line(run, target);
    CHECK(!fs::exists(target));
  }
  {  // an unwritable target is refused, nothing written
    const std::string target = out + "/no/such/dir/x.json";
    const std::vector<std::string> args = {"convert", fixture("net_a_f64.json"), target};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    check_one_error_line(run, target);
  }
  std::string left;
  for (const auto& name : directory_names(out)) left += " " + name;
  INFO("left in " << out << ":" << left);
  CHECK(left.empty());
  CHECK(temporaries(dir.path.string()).empty());
}

TEST_CASE("train is deterministic for a seed, on any --threads, and --json - keeps stdout clean", "[cli][train]") {
  CliDir dir;
  const std::string out = dir / "out";
  std::vector<std::string> files;
  for (const auto& [name, threads] : {std::pair{"r1.json", "1"}, std::pair{"r2.json", "3"}}) {
    files.push_back(out + "/" + name);
    const std::vector<std::string> args = {"train", "--preset", "rahaman-sines", "--steps", "5", "--seed", "11",
                                           "--threads", threads, "--quiet", "--out", files.back()};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    CHECK(run.err.empty());  // --quiet: no progress line
  }
  const std::string first = slurp(files[0]);
  CHECK(!first.empty());
  CHECK(first == slurp(files[1]));

  const std::string other = out + "/r3.json";
  const std::vector<std::string> args = {"train", "--preset", "rahaman-sines", "--steps", "5", "--seed", "12",
                                         "--threads", "2", "--quiet", "--out", other, "--json", "-"};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  REQUIRE(run.status == 0);
  json summary;
  REQUIRE_NOTHROW(summary = json::parse(run.out));
  CHECK(summary["steps"] == 5);
  CHECK(summary["seed"] == 12);
  CHECK(summary["threads"] == 2);
  CHECK(summary["network"] == other);
  CHECK(slurp(other) != first);  // another seed, another network
  const Network net = read_network(files[0]);
  CHECK(net.input_dim == 1);
  CHECK(net.domain.has_value());
  CHECK(temporaries(dir.path.string()).empty());
}

TEST_CASE("train --snapshots DIR --every K writes step files, snapshots.csv, losses.csv and data.csv", "[cli][train]") {
  CliDir dir;
  const std::string snaps = dir / "out/snaps", final_net = dir / "out/final.json";
  const std::vector<std::string> args = {"train", "--preset", "rahaman-sines", "--steps", "5", "--quiet",
                                         "--snapshots", snaps, "--every", "2", "--out", final_net};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  REQUIRE(run.status == 0);

  std::set<long> steps;
  std::set<std::string> step_files;
  for (const std::string& name : directory_names(snaps)) {
    if (name.rfind("step_", 0) == 0 && name.size() > 10 && name.compare(name.size() - 5, 5, ".json") == 0) {
      step_files.insert(name);
      steps.insert(std::stol(name.substr(5, name.size() - 10)));
    } else {
      CHECK((name == "snapshots.csv" || name == "losses.csv" || name == "data.csv"));
    }
  }
  INFO("step files: " << step_files.size());
  CHECK(steps.count(2) == 1);
  CHECK(steps.count(4) == 1);
  for (long s : steps) CHECK((s % 2 == 0 || s == 5));

  // snapshots.csv lists exactly the step files, with their step and a finite loss.
  const auto index = lines_of(snaps + "/snapshots.csv");
  REQUIRE(!index.empty());
  CHECK(index[0] == "step,loss,file");
  std::set<std::string> listed;
  for (size_t i = 1; i < index.size(); ++i) {
    const auto items = split(index[i]);
    REQUIRE(items.size() == 3);
    CHECK(steps.count(std::stol(items[0])) == 1);
    CHECK(std::isfinite(to_number(items[1])));
    listed.insert(items[2]);
  }
  CHECK(listed == step_files);

  // losses.csv: one batch loss per step.
  const auto losses = lines_of(snaps + "/losses.csv");
  REQUIRE(losses.size() == 6);
  CHECK(losses[0] == "step,batch_loss");
  for (size_t i = 1; i < losses.size(); ++i) {
    const auto items = split(losses[i]);
    REQUIRE(items.size() == 2);
    CHECK(items[0] == std::to_string(i));
    CHECK(std::isfinite(to_number(items[1])));
  }

  // The last snapshot, if it is of the last step, holds the final network.
  if (!steps.empty() && *steps.rbegin() == 5) {
    const Network last = read_network(snaps + "/" + *step_files.rbegin());
    CHECK(differing_weights(last, read_network(final_net)) == 0);
  }
  CHECK(temporaries(dir.path.string()).empty());
}

TEST_CASE("an unknown preset exits 2 and writes nothing", "[cli][train]") {
  CliDir dir;
  const std::string target = dir / "out/x.json";
  const std::vector<std::string> args = {"train", "--preset", "no-such-preset", "--steps", "5", "--out", target};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  check_one_error_line(run, "no-such-preset");
  CHECK(!fs::exists(target));
  CHECK(directory_names(dir / "out").empty());
}

TEST_CASE("a write that fails after the temporary file is made leaves nothing behind", "[cli]") {
  // The target is an existing directory: the temporary file is written, the rename fails.
  CliDir dir;
  const std::string out = dir / "out";
  for (const char* name : {"as_json", "as.npz", "eval.json"}) fs::create_directories(out + "/" + std::string(name));
  const std::vector<std::vector<std::string>> runs = {
      {"convert", fixture("net_a_f64.json"), out + "/as_json"},
      {"convert", fixture("net_a_f64.json"), out + "/as.npz"},
      {"eval", fixture("net_a_f64.json"), "--points", fixture("points_a.csv"), "--json", out + "/eval.json"}};
  for (const auto& args : runs) {
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    check_one_error_line(run, args.back());
    CHECK(run.out.empty());
    CHECK(fs::is_directory(args.back()));
    CHECK(fs::is_empty(args.back()));
  }
  CHECK(directory_names(out) == std::vector<std::string>{"as.npz", "as_json", "eval.json"});
  CHECK(temporaries(dir.path.string()).empty());
}

TEST_CASE("regression: a failed write to stdout exits 2", "[cli]") {
  // stdout on a full device: the output is buffered, so the failure shows only at the flush.
  CliDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"info", fixture("net_a_f64.json"), "--json", "-"},
           {"info", fixture("net_a_f64.json")},
           {"eval", fixture("net_a_f64.json"), "--points", fixture("points_a.csv")}}) {
    const Run run = relutope_run(args, dir, "", "/dev/full");
    INFO(describe(args, run));
    CHECK(run.status == 2);
    CHECK(run.err == "relutope: stdout: write failed\n");
  }
}

TEST_CASE("regression: an npz member claiming 4 GB is refused without allocating it", "[cli]") {
  // Under a 2 GB address-space limit, reserving the header's 0xF0000000 bytes failed with
  // "out of memory" (exit 3); the member holds 160 bytes.
  CliDir dir;
  const std::string bad = fixture("bad/huge_size.npz");
  const std::vector<std::string> args = {"info", bad};
  const Run run = relutope_run(args, dir, memory_limit(2000));
  INFO(describe(args, run));
  check_one_error_line(run, bad);
  CHECK(run.err.find("No error") == std::string::npos);
}

TEST_CASE("regression: convert writes a domain bound beyond the doubles as an exact string", "[cli]") {
  CliDir dir;
  const std::string target = dir / "out/big.json";
  const std::vector<std::string> args = {"convert", fixture("net_a_f64.json"), target, "--domain", "0,1e400,-0.1,1"};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  REQUIRE(run.status == 0);
  const Network net = read_network(target);
  REQUIRE(net.domain);
  CHECK(net.domain->hi[0] == Rational(mpz_class("1" + std::string(400, '0'))));
  CHECK(net.domain->lo[1] == Rational(-1, 10));
  const std::vector<std::string> info = {"info", target, "--json", "-"};
  const Run shown = relutope_run(info, dir);
  INFO(describe(info, shown));
  REQUIRE(shown.status == 0);
  CHECK(json::parse(shown.out)["domain"] == json::array({0, "1" + std::string(400, '0'), -0.1, 1}));
}

TEST_CASE("regression: --domain with a trailing comma is refused", "[cli]") {
  CliDir dir;
  const std::string target = dir / "out/x.json";
  const std::vector<std::string> args = {"convert", fixture("net_a_f64.json"), target, "--domain", "0,1,0,1,"};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  check_one_error_line(run, "--domain");
  CHECK(!fs::exists(target));
}

TEST_CASE("a directory given as a network or points file is called one", "[cli]") {
  CliDir dir;
  const std::string folder = dir / "out";
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"info", folder}, {"convert", folder, dir / "x.json"}, {"eval", fixture("net_a_f64.json"), "--points", folder}}) {
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    check_one_error_line(run, folder + ": is a directory");
  }
}

TEST_CASE("train --config trains what the file sets, with or without a preset", "[cli][train]") {
  CliDir dir;
  const std::string config = dir / "bare.json", target = dir / "out/bare.json";
  std::ofstream(config) << R"({"task": {"kind": "flower", "frequencies": [2, 5], "amplitudes": [1, 0.5],
    "petals": 3, "samples": 30}, "hidden": [6, 5], "steps": 4, "seed": 3})";
  const std::vector<std::string> args = {"train", "--config", config, "--quiet", "--out", target, "--json", "-"};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  REQUIRE(run.status == 0);
  const json summary = json::parse(run.out);
  CHECK(summary["steps"] == 4);
  CHECK(summary["seed"] == 3);
  const Network net = read_network(target);
  CHECK(net.input_dim == 2);
  REQUIRE(net.layers.size() == 3);
  CHECK(net.layers[0].weight.rows() == 6);
  CHECK(net.layers[1].weight.rows() == 5);
  CHECK(net.meta.at("task").find("3 petals") != std::string::npos);

  // A key of the wrong type is bad input naming the file, not an internal error; so is a task
  // that does not fit its kind, found before any data is made.
  for (const auto& [text, fault] : std::vector<std::pair<std::string, std::string>>{
           {R"({"preset": "rahaman-sines", "encoding": null})", "'encoding' must be an object"},
           {R"({"hidden": [4], "task": {"frequencies": [1, 2], "amplitudes": [1]}})", "differ in number"}}) {
    std::ofstream(config) << text;
    const Run bad = relutope_run(args, dir);
    INFO(describe(args, bad));
    check_one_error_line(bad, config + ": ");
    CHECK(bad.err.find(fault) != std::string::npos);
  }
}

TEST_CASE("train --image trains on a PNG's pixels", "[cli][train]") {
  CliDir dir;
  const std::string png = dir / "tiny.png", target = dir / "out/image.json";
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 4, 3);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 0.2, 0.6, 1);
  cairo_paint(cr);
  cairo_destroy(cr);
  REQUIRE(cairo_surface_write_to_png(surface, png.c_str()) == CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy(surface);
  const std::vector<std::string> args = {"train", "--image", png, "--steps", "3", "--quiet", "--out", target};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  REQUIRE(run.status == 0);
  const Network net = read_network(target);
  CHECK(net.input_dim == 2);
  CHECK(net.output_dim() == 3);
  REQUIRE(net.domain);
  CHECK(*net.domain == parse_box("0,1,0,1", "test"));
  CHECK(net.meta.at("task").find("4x3 RGB") != std::string::npos);
  CHECK(net.meta.at("steps") == "3");
}

TEST_CASE("train checks every output and option before step 1", "[cli][train]") {
  CliDir dir;
  const std::string out = dir / "out", snaps = dir / "out/snaps";
  // No step file is written and no snapshot directory made: the checks run before training.
  for (const auto& [args, named] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--out", out + "/no/such/net.json"}, out + "/no/such/net.json"},
           {{"--out", out + "/net.json", "--json", out + "/no/such/summary.json"}, out + "/no/such/summary.json"},
           {{"--preset", "lazzari-random-rgb-pe", "--out", out + "/pe.npz"}, out + "/pe.npz"},
           {{"--seed", "-1", "--out", out + "/net.json"}, "--seed"},
           {{"--seed", "99999999999999999999", "--out", out + "/net.json"}, "--seed"},
           {{"--threads", "0", "--out", out + "/net.json"}, "--threads"}}) {
    std::vector<std::string> full = {"train", "--steps", "5", "--quiet", "--snapshots", snaps};
    full.insert(full.end(), args.begin(), args.end());
    const Run run = relutope_run(full, dir);
    INFO(describe(full, run));
    check_one_error_line(run, named);
    CHECK(directory_names(out).empty());
  }
  const std::vector<std::string> every = {"train", "--steps", "5", "--every", "2", "--out", out + "/net.json"};
  const Run run = relutope_run(every, dir);
  INFO(describe(every, run));
  check_one_error_line(run, "--every requires --snapshots");
  CHECK(directory_names(out).empty());
}

TEST_CASE("regression: a diverging run stops with an error before any non-finite snapshot", "[cli][train]") {
  CliDir dir;
  const std::string config = dir / "diverge.json", snaps = dir / "out/snaps", target = dir / "out/net.json";
  std::ofstream(config) << R"({"task": {"kind": "sines", "frequencies": [1, 3], "amplitudes": [1, 1], "samples": 32},
    "hidden": [16, 16], "optimizer": "sgd", "lr": 1e6, "steps": 50})";
  const std::vector<std::string> args = {"train", "--config", config, "--quiet", "--snapshots", snaps,
                                         "--every", "1", "--out", target};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  check_one_error_line(run, config + ": training diverged at step ");
  CHECK(run.err.find("): lower the lr\n") != std::string::npos);
  CHECK(!fs::exists(target));
  long files = 0;
  for (const auto& name : directory_names(snaps))
    if (name.rfind("step_", 0) == 0) {
      ++files;
      CHECK_NOTHROW(read_network(snaps + "/" + name));  // every weight finite
    }
  CHECK(files >= 1);
  for (const auto& line : lines_of(snaps + "/snapshots.csv"))
    if (line != "step,loss,file") CHECK(std::isfinite(to_number(split(line)[1])));
}

TEST_CASE("regions reports the contract's fields, GeoJSON and limits", "[cli][regions]") {
  CliDir dir;
  const std::string net = fixture("net_a_f64.json");
  {
    const std::vector<std::string> args = {"regions", net, "--sample", "16", "--json", "-", "--quiet",
                                           "--polygons", dir / "out/p.geojson"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const json doc = json::parse(run.out);
    CHECK(doc["domain"].size() == 4);
    CHECK(doc["regions"].get<int>() >= 1);
    CHECK(doc["linear_pieces"].get<int>() <= doc["regions"].get<int>());
    CHECK(doc["sampled"]["regions_found"].get<int>() + doc["sampled"]["regions_missed"].get<int>() == doc["regions"].get<int>());
    CHECK(doc["sampled"]["foreign_patterns"] == 0);
    CHECK(doc["lipschitz"]["lower"].get<double>() <= doc["lipschitz"]["upper"].get<double>());
    CHECK(doc["lipschitz"]["upper"].get<double>() <= doc["lipschitz"]["product_of_spectral_norms"].get<double>() * (1 + 1e-12));
    const json polygons = json::parse(slurp(dir / "out/p.geojson"));
    CHECK(polygons["features"].size() == doc["regions"].get<size_t>());
  }
  {
    const std::vector<std::string> args = {"regions", net, "--max-regions", "1", "--quiet"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    CHECK(run.status == 3);
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    CHECK(run.err.find("--max-regions") != std::string::npos);
  }
}

TEST_CASE("regions refuses empty domains and wrong slices, and analyses 3-input networks in 3D or on a slice", "[cli][regions]") {
  CliDir dir;
  const std::string net = fixture("net_a_f64.json");
  check_one_error_line(relutope_run({"regions", net, "--domain", "1,0,0,1"}, dir), "--domain");
  check_one_error_line(relutope_run({"regions", net, "--domain", "0,1,0,0"}, dir), "--domain");
  check_one_error_line(relutope_run({"regions", net, "--slice", "0,0,0:1,0,0:0,1,0", "--domain", "0,1,0,1"}, dir), "--slice");
  // A 3-input network: analysed in 3D on a 3D box, on a plane with a slice; the spectrum wants 2.
  const std::string three = dir / "out/three.json";
  std::ofstream(three) << R"({"format":"relutope.mlp","version":1,"input_dim":3,)"
                       << R"("layers":[{"weight":[[1,-1,0.5],[0,1,1]],"bias":[0,-0.5]},{"weight":[[1,1]],"bias":[0]}]})";
  check_one_error_line(relutope_run({"regions", three, "--domain", "0,1,0,1"}, dir), "--domain");
  check_one_error_line(relutope_run({"spectrum", three, "--domain", "0,1,0,1,0,1", "--freq", "1,0,0"}, dir), three);
  {
    const std::vector<std::string> args = {"regions", three, "--domain", "0,1,0,1,0,1", "--sample", "8", "--json", "-", "--quiet"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const json doc = json::parse(run.out);
    // x - y + z/2 > 0 and y + z > 1/2 cut the cube into 4 regions (both planes cross it, and each
    // other inside it), and the 8^3 grid finds all four.
    CHECK(doc["regions"] == 4);
    CHECK(doc["sampled"]["points"] == 512);
    CHECK(doc["sampled"]["regions_found"] == 4);
  }
  const std::vector<std::string> args = {"regions", three, "--slice", "0,0,0:1,0,0:0,1,0", "--domain", "0,1,0,1", "--quiet"};
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  CHECK(run.status == 0);
}

TEST_CASE("spectrum prints the contract's JSON with the FFT, and refuses bad frequencies", "[cli][spectrum]") {
  CliDir dir;
  const std::string net = fixture("net_a_f64.json");
  {
    const std::vector<std::string> args = {"spectrum", net, "--domain", "0,1,0,1", "--freq", "1,0 0,0", "--fft", "64", "--json", "-"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const json doc = json::parse(run.out);
    REQUIRE(doc["coefficients"].size() == 6);  // 2 frequencies x 3 outputs
    CHECK(doc["route"] == "edges");  // the default: route C, in doubles
    CHECK(doc["precision_bits"] == 53);
    CHECK(doc["recomputed"]["coefficients"] == 0);
    CHECK(doc["coefficients"][0]["certified_digits"].get<int>() >= 8);
    CHECK(doc["coefficients"][3]["exact"] == true);  // k = 0: the mean
    CHECK(doc["fft"]["n"] == 64);
    CHECK(doc["fft"]["max_abs_error"].get<double>() < 0.1);
  }
  for (const std::string route : {"regions", "lemma1"}) {
    const std::vector<std::string> args = {"spectrum", net, "--domain", "0,1,0,1", "--freq", "1,0", "--route", route, "--json", "-"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const json doc = json::parse(run.out);
    CHECK(doc["route"] == route);
    CHECK(doc["precision_bits"] == 128);
    CHECK(doc["coefficients"][0]["certified_digits"].get<int>() >= 25);
    CHECK_FALSE(doc.contains("recomputed"));
  }
  {  // a precision without a route asks for Arb's digits; tiny |k| through route C is recomputed by route A
    const std::vector<std::string> args = {"spectrum", net, "--domain", "0,1,0,1", "--freq", "1,0", "--precision", "256", "--json", "-"};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    const json doc = json::parse(run.out);
    CHECK(doc["route"] == "regions");
    CHECK(doc["precision_bits"] == 256);
    CHECK(doc["coefficients"][0]["certified_digits"].get<int>() >= 70);
    for (const std::string bits : {"53", "128"}) {
      const std::vector<std::string> tiny = {"spectrum", net, "--domain", "0,1,0,1", "--freq", "1/1000000000,0 1,2", "--route", "edges",
                                             "--precision", bits, "--json", "-"};
      const Run small = relutope_run(tiny, dir);
      INFO(describe(tiny, small));
      REQUIRE(small.status == 0);
      const json d = json::parse(small.out);
      CHECK(d["route"] == "edges");
      CHECK(d["recomputed"]["coefficients"] == 3);  // the three outputs at k = (1e-9, 0)
      CHECK(d["recomputed"]["precision_bits"] == std::stoi(bits));
    }
  }
  check_one_error_line(relutope_run({"spectrum", net, "--freq", "1,2,3"}, dir), "--freq");
  check_one_error_line(relutope_run({"spectrum", net, "--freq", "1,2,"}, dir), "--freq");
  check_one_error_line(relutope_run({"spectrum", net, "--freq", "1,0", "--precision", "8"}, dir), "--precision");
}

// ====================================================================== slices, points, small faults

namespace {

// A network with `inputs` inputs and the given hidden widths (one output), weights U(-1, 1) from
// a seeded generator, written as native JSON to `path`.
void write_random_network(const std::string& path, int inputs, const std::vector<int>& hidden, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  Network net;
  net.input_dim = inputs;
  std::vector<int> widths = hidden;
  widths.push_back(1);
  int fan_in = inputs;
  for (int width : widths) {
    Layer layer{MatD(width, fan_in), VecD(width), Activation::relu()};
    for (Eigen::Index i = 0; i < width; ++i) {
      for (Eigen::Index j = 0; j < fan_in; ++j) layer.weight(i, j) = uniform(rng);
      layer.bias[i] = uniform(rng) / 2;
    }
    net.layers.push_back(layer);
    fan_in = width;
  }
  net.layers.back().activation = Activation::identity();
  write_network(net, path, NetworkFormat::json);
}

json json_of(const std::vector<std::string>& args, const TempDir& dir) {
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  REQUIRE(run.status == 0);
  return json::parse(run.out);
}

}  // namespace

TEST_CASE("regression: --plane-through and --slice @FILE analyse the plane written by hand as --slice o:u:v", "[cli][regions]") {
  CliDir dir;
  const std::string net = dir / "out/four.json";
  write_random_network(net, 4, {6, 5}, 21);
  // p0, p1, p2, and by hand o = p0, u = p1 - p0, v = p2 - p0
  const std::string points = dir / "out/p.txt", colon = dir / "out/colon.txt", lines = dir / "out/lines.txt";
  std::ofstream(points) << "0.1 0.2 -0.3 0.5\n0.7 -0.1 0.2 0.5\n0.1 0.9 0.4 -0.25\n";
  const std::string by_hand = "0.1,0.2,-0.3,0.5:0.6,-0.3,0.5,0:0,0.7,0.7,-0.75";
  std::ofstream(colon) << by_hand << "\n";
  std::ofstream(lines) << "0.1, 0.2, -0.3, 0.5\n0.6 -0.3 0.5 0\n0,0.7,0.7,-0.75\n";
  const json expected = json_of({"regions", net, "--slice", by_hand, "--domain", "0,1,0,1", "--json", "-", "--quiet",
                                 "--polygons", dir / "out/expected.geojson"},
                                dir);
  CHECK(expected["regions"].get<int>() > 5);
  int n = 0;
  for (const std::vector<std::string>& slice : std::vector<std::vector<std::string>>{
           {"--plane-through", points}, {"--plane-through", points, "--domain", "0,1,0,1"}, {"--slice", "@" + colon, "--domain", "0,1,0,1"},
           {"--slice", "@" + lines, "--domain", "0,1,0,1"}}) {
    std::vector<std::string> args = {"regions", net, "--json", "-", "--quiet", "--polygons", dir / ("out/" + std::to_string(++n) + ".geojson")};
    args.insert(args.end(), slice.begin(), slice.end());
    const json doc = json_of(args, dir);
    INFO(slice[0] << " " << slice[1]);
    CHECK(doc["domain"] == expected["domain"]);
    for (const char* field : {"regions", "linear_pieces", "adjacent_pairs", "dead_neurons", "lipschitz"}) CHECK(doc[field] == expected[field]);
    CHECK(slurp(dir / ("out/" + std::to_string(n) + ".geojson")) == slurp(dir / "out/expected.geojson"));
  }
  // Everywhere a slice is taken: spectrum too (figures: tests/python/test_figure_cli.py).
  const json spectrum = json_of({"spectrum", net, "--plane-through", points, "--freq", "1,2", "--json", "-"}, dir);
  const json by_hand_spectrum = json_of({"spectrum", net, "--slice", by_hand, "--domain", "0,1,0,1", "--freq", "1,2", "--json", "-"}, dir);
  CHECK(spectrum["coefficients"] == by_hand_spectrum["coefficients"]);
}

TEST_CASE("regression: a 3072-D slice too long for a command line is read from a file", "[cli][regions]") {
  CliDir dir;
  const std::string net = dir / "out/wide.json";
  write_random_network(net, 3072, {5}, 22);
  // np.savetxt's default format: 3 x 3072 numbers of 24 characters, 221 kB, more than one
  // argument may hold (128 kB). p1 - p0 and p2 - p0 are the first two unit vectors.
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> uniform(0, 1);
  std::vector<double> p0(3072);
  for (double& x : p0) x = uniform(rng);
  p0[0] = p0[1] = 0;
  const auto line = [](const std::vector<double>& p) {
    std::string text;
    char number[32];
    for (double x : p) {
      std::snprintf(number, sizeof number, "%.18e", x);
      text += (text.empty() ? "" : " ") + std::string(number);
    }
    return text + "\n";
  };
  std::vector<double> p1 = p0, p2 = p0, u(3072, 0.0), v(3072, 0.0);
  p1[0] = u[0] = 1;
  p2[1] = v[1] = 1;
  const std::string points = dir / "out/points.txt", slice = dir / "out/slice.txt";
  std::ofstream(points) << line(p0) << line(p1) << line(p2);
  std::ofstream(slice) << line(p0) << line(u) << line(v);
  REQUIRE(fs::file_size(points) > 128 * 1024);
  const json through = json_of({"regions", net, "--plane-through", points, "--json", "-", "--quiet"}, dir);
  const json from_file = json_of({"regions", net, "--slice", "@" + slice, "--domain", "0,1,0,1", "--json", "-", "--quiet"}, dir);
  CHECK(through["regions"].get<int>() >= 1);
  CHECK(through["regions"] == from_file["regions"]);
  CHECK(through["lipschitz"] == from_file["lipschitz"]);
}

TEST_CASE("bad slice files and planes through points are refused with one line naming the file", "[cli][regions]") {
  CliDir dir;
  const std::string net = dir / "out/four.json";
  write_random_network(net, 4, {3}, 24);
  struct Bad {
    std::string name, text;
    bool as_slice;  // also a bad --slice @FILE (as o, u, v: parallel u, v still map (s, t) somewhere)
  };
  for (const Bad& bad : std::vector<Bad>{{"collinear.txt", "0,0,0,0\n1,1,1,1\n2,2,2,2\n", false},
                                         {"coincident.txt", "1,2,3,4\n1,2,3,4\n0,0,1,0\n", false},
                                         {"two_points.txt", "1,2,3,4\n0,0,1,0\n", false},
                                         {"four_points.txt", "1,2,3,4\n0,0,1,0\n0,1,0,0\n1,0,0,0\n", true},
                                         {"mismatched.txt", "1,2,3,4\n0,0,1\n0,1,0,0\n", true},
                                         {"three_dims.txt", "1,2,3\n0,0,1\n0,1,0\n", true},  // the network has 4 inputs
                                         {"empty.txt", "", true},
                                         {"not_numbers.txt", "1,2,3,4\n0,0,1,x\n0,1,0,0\n", true}}) {
    const std::string path = dir / ("out/" + bad.name);
    std::ofstream(path) << bad.text;
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"regions", net, "--plane-through", path, "--json", dir / "out/x.json"},
             {"regions", net, "--slice", "@" + path, "--domain", "0,1,0,1", "--json", dir / "out/x.json"}}) {
      if (args[2] == "--slice" && !bad.as_slice) continue;
      const Run run = relutope_run(args, dir);
      INFO(describe(args, run));
      check_one_error_line(run, path);
      CHECK(run.out.empty());
      CHECK(!fs::exists(dir / "out/x.json"));
    }
  }
  const std::string missing = dir / "out/missing.txt";
  check_one_error_line(relutope_run({"regions", net, "--plane-through", missing}, dir), missing);
  check_one_error_line(relutope_run({"regions", net, "--slice", "@" + missing, "--domain", "0,1,0,1"}, dir), missing);
  const std::string fine = dir / "out/fine.txt";
  std::ofstream(fine) << "0,0,0,0\n1,0,0,0\n0,1,0,0\n";
  check_one_error_line(relutope_run({"regions", net, "--plane-through", fine, "--slice", "@" + fine}, dir), "--plane-through");
}

TEST_CASE("regression: --sample on a slice of a 4096-input network samples the 2-input network, in little memory", "[cli][regions]") {
  // Building the 256^2 x 4096 points o + s u + t v in double took 2.1 GB; the slice composed into
  // the first layer needs 256^2 x 2.
  CliDir dir;
  const std::string net = dir / "out/wide.json";
  write_random_network(net, 4096, {8}, 25);
  std::string o, u, v;
  for (int k = 0; k < 4096; ++k) {
    o += (k ? "," : "") + std::string(k % 3 ? "0.25" : "-0.5");
    u += (k ? "," : "") + std::string(k % 2 ? "1" : "0");
    v += (k ? "," : "") + std::string(k % 5 ? "0" : "-1");
  }
  const std::vector<std::string> args = {"regions", net, "--slice", o + ":" + u + ":" + v, "--domain", "0,1,0,1", "--sample", "256",
                                         "--json", "-", "--quiet"};
  const Run run = relutope_run(args, dir, memory_limit(1000));
  INFO(describe({"regions", net, "--slice", "(4096-D)", "--sample", "256"}, run));
  REQUIRE(run.status == 0);
  const json doc = json::parse(run.out);
  CHECK(doc["sampled"]["points"] == 65536);
  CHECK(doc["sampled"]["regions_found"].get<int>() + doc["sampled"]["regions_missed"].get<int>() == doc["regions"].get<int>());
  CHECK(doc["sampled"]["foreign_patterns"] == 0);
}

TEST_CASE("regression: --points on a boundary reports eval's pattern, every region holding the point, on_boundary", "[cli][regions]") {
  CliDir dir;
  // Neurons z = x - 1/2, y - 1/4 and 3y - x on the unit square.
  const std::string net = dir / "out/three.json";
  std::ofstream(net) << R"({"format":"relutope.mlp","version":1,"input_dim":2,"domain":[0,1,0,1],)"
                     << R"("layers":[{"weight":[[1,0],[0,1],[-1,3]],"bias":[-0.5,-0.25,0]},{"weight":[[1,1,1]],"bias":[0]}]})";
  const std::string points = dir / "out/points.txt";
  std::ofstream(points) << "0.5 0.75\n0.5 0.25\n0.75 0.5\n0 0.75\n0.3 0.1\n";
  struct Expected {
    std::string pattern;                 // bit 1 iff z > 0 at the point, as eval computes z
    std::set<std::string> closure;       // the patterns of the regions whose closure holds it
  };
  const std::vector<Expected> expected = {
      {"011", {"011", "111"}},                  // on x = 1/2
      {"001", {"001", "011", "101", "111"}},    // where x = 1/2 crosses y = 1/4
      {"111", {"111"}},                         // inside a region
      {"011", {"011"}},                         // on the domain's edge only: no boundary between regions
      // Exactly on 3y = x, so z = 0 exactly; but 0.3 and 0.1 are no doubles, and in double
      // 3 * 0.1 - 0.3 is 5.6e-17 (2.8e-17 fused) > 0: eval, like PyTorch, says bit 1.
      {"001", {"000", "001"}}};
  const json eval = json_of({"eval", net, "--points", points, "--json", "-"}, dir);
  REQUIRE(eval["patterns"].size() == expected.size());
  const json doc = json_of({"regions", net, "--points", points, "--json", "-", "--quiet", "--polygons", dir / "out/p.geojson"}, dir);
  std::map<int, std::string> pattern_of;
  const json polygons = json::parse(slurp(dir / "out/p.geojson"));
  for (const json& feature : polygons["features"])
    pattern_of[feature["properties"]["index"].get<int>()] = feature["properties"]["pattern"].get<std::string>();
  REQUIRE(doc["points"].size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const json& point = doc["points"][i];
    INFO("point " << i + 1 << ": " << point.dump());
    CHECK(point["pattern"] == expected[i].pattern);
    CHECK(point["pattern"] == eval["patterns"][i]);
    std::set<std::string> closure;
    for (const json& r : point["regions"]) closure.insert(pattern_of.at(r.get<int>()));
    CHECK(closure == expected[i].closure);
    CHECK(point["on_boundary"] == (expected[i].closure.size() > 1));
    CHECK((point["squared_distance"] == "0") == (expected[i].closure.size() > 1));
    CHECK(point["region"] == point["regions"][0]);
  }
}

TEST_CASE("regression: the progress line of regions is drawn while it runs, not only at the end", "[cli][regions]") {
  // The line is drawn only on a terminal (script(1) makes one), at most every 250 ms, and once
  // more when the last first-layer cell is done. A run cut off by --time-limit 1.5 s long
  // before that must have drawn it with cells still to do.
  if (std::system("script --version >/dev/null 2>&1") != 0) {
    WARN("script(1) is missing: no pseudo-terminal to test the progress line on");
    return;
  }
  CliDir dir;
  const std::string net = dir / "out/deep.json";
  write_random_network(net, 2, {64, 40, 40, 40, 40, 40}, 26);
  const std::string command = quote(RELUTOPE_BINARY) + " regions " + quote(net) + " --domain -8,8,-8,8 --time-limit 1.5 >/dev/null";
  std::system(("script -qec " + quote(command) + " /dev/null > " + quote(dir / "tty.txt") + " 2>&1").c_str());
  const std::string tty = slurp(dir / "tty.txt");
  INFO(tty.substr(0, 600));
  long unfinished = 0;  // draws with first-layer cells still to do
  const std::regex line(R"(first-layer cells (\d+)/(\d+))");
  for (auto m = std::sregex_iterator(tty.begin(), tty.end(), line); m != std::sregex_iterator(); ++m)
    unfinished += std::stol((*m)[1]) < std::stol((*m)[2]);
  CHECK(unfinished >= 1);
}

TEST_CASE("Ctrl-C stops regions between regions: exit 130, one line, no file half-written", "[cli][regions]") {
  CliDir dir;
  const std::string net = dir / "out/deep.json";
  write_random_network(net, 2, {200, 200, 200, 200}, 26);  // millions of regions: minutes
  // The braces: `cd && relutope &` would put the cd-and-relutope list in the background, and
  // $! would be the subshell's, not relutope's.
  const std::string command = "cd " + quote(dir.path.string()) + " && { " + quote(RELUTOPE_BINARY) + " regions out/deep.json" +
                              " --domain -8,8,-8,8 --polygons out/p.geojson --polytopes out/p.json --quiet" +
                              " >/dev/null 2>stderr.txt & pid=$!; sleep 2; kill -INT $pid; wait $pid; echo $? > " +
                              quote(dir / "status.txt") + "; }";
  std::system(("bash -c " + quote(command)).c_str());
  const std::string err = slurp(dir / "stderr.txt");
  INFO(err);
  CHECK(std::stoi(slurp(dir / "status.txt")) == 130);
  CHECK(err == "relutope: interrupted\n");
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir / "out")) left.push_back(entry.path().filename().string());
  CHECK(left == std::vector<std::string>{"deep.json"});
}

TEST_CASE("regression: spectrum --grid K counts its frequencies before building them", "[cli][spectrum]") {
  // (2 * 4096 + 1)^2 = 67 M frequencies: refused at once, not after building gigabytes of them.
  CliDir dir;
  const std::vector<std::string> args = {"spectrum", fixture("net_a_f64.json"), "--grid", "4096", "--json", "-"};
  const Run run = relutope_run(args, dir, memory_limit(1000));
  INFO(describe(args, run));
  CHECK(run.status == 3);
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  CHECK(run.err.find("--grid") != std::string::npos);
  CHECK(run.out.empty());
}

namespace {

// The same map with every identity layer multiplied into the next (exactly): a network with ReLU
// after every layer but the last, as the region oracle reads networks.
NetworkQ relu_only(const NetworkQ& net) {
  NetworkQ out = net;
  out.layers.clear();
  for (size_t l = 0; l < net.layers.size(); ++l) {
    LayerQ layer = net.layers[l];
    if (!out.layers.empty() && out.layers.back().activation == Activation::identity()) {
      const LayerQ before = out.layers.back();
      out.layers.pop_back();
      LayerQ product{MatQ(layer.weight.rows, before.weight.cols), layer.bias, layer.activation};
      for (Eigen::Index i = 0; i < layer.weight.rows; ++i)
        for (Eigen::Index k = 0; k < layer.weight.cols; ++k) {
          for (Eigen::Index j = 0; j < before.weight.cols; ++j) product.weight(i, j) += layer.weight(i, k) * before.weight(k, j);
          product.bias[static_cast<size_t>(i)] += layer.weight(i, k) * before.bias[static_cast<size_t>(k)];
        }
      layer = product;
    }
    out.layers.push_back(layer);
  }
  for (size_t l = 0; l + 1 < out.layers.size(); ++l) REQUIRE(out.layers[l].activation == Activation::relu());
  return out;
}

json run_json(const std::vector<std::string>& args, const CliDir& dir) {
  const Run run = relutope_run(args, dir);
  INFO(describe(args, run));
  REQUIRE(run.status == 0);
  CHECK(run.err.empty());
  return json::parse(run.out);
}

}  // namespace

TEST_CASE("regression: eval, regions and spectrum see relu(x) - 1 saved with adjacent Linear modules", "[cli]") {
  // Sequential(Linear(1,3), ReLU(), Linear(3,1), Linear(1,3), ReLU(), Linear(3,1)) computing
  // relu(x) - 1: on [-1,2] a kink at 0 only (2 regions), f(0) = -1, mean (integral of relu over
  // [0,2] = 2) / 3 - 1 = -1/3. With a ReLU assumed between modules 2 and 3: 0, 3 regions, 1/6.
  CliDir dir;
  for (const char* name : {"net_relu_minus_one.pt", "net_relu_minus_one.npz", "net_relu_minus_one.safetensors"}) {
    const std::string net = fixture(name);
    const std::string points = dir / "zero.csv";
    std::ofstream(points) << "0\n";
    CHECK(run_json({"eval", net, "--points", points, "--json", "-"}, dir)["values"] == json::parse("[[-1.0]]"));
    CHECK(run_json({"regions", net, "--domain", "-1,2", "--json", "-"}, dir)["regions"] == 2);
    CHECK(run_json({"spectrum", net, "--domain", "-1,2", "--freq", "0", "--json", "-"}, dir)["coefficients"][0]["mean"] == "-1/3");
  }
}

TEST_CASE("the adjacent-Linear network's region count equals the oracle's on the composed network", "[cli]") {
  // The oracle (tests/region_oracle.hpp, no code shared with src/) counts the regions of the same
  // map with the identity layer multiplied out, in exact rationals.
  CliDir dir;
  const std::string net = fixture("net_adjacent.pt");
  const NetworkQ exact = to_exact(read_network(net));
  const NetworkQ composed = relu_only(exact);
  REQUIRE(composed.layers.size() == 3);
  bool distinguishes = false;  // from the network with a ReLU between modules 2 and 3 (the oracle's reading of `exact`)
  for (const auto& [lo, hi, domain] : std::vector<std::tuple<int, int, std::string>>{{-3, 3, "-3,3"}, {-40, 40, "-40,40"}}) {
    const size_t expected = oracle::enumerate_1d_brute(composed, lo, hi).size();
    INFO(domain << ": oracle " << expected);
    CHECK(run_json({"regions", net, "--domain", domain, "--json", "-"}, dir)["regions"] == expected);
    distinguishes |= oracle::enumerate_1d_brute(exact, lo, hi).size() != expected;
  }
  CHECK(distinguishes);
}

TEST_CASE("info shows the layers read from a state_dict, their order and what decided it", "[cli]") {
  CliDir dir;
  {
    const std::vector<std::string> args = {"info", fixture("net_fc.pt")};
    const Run run = relutope_run(args, dir);
    INFO(describe(args, run));
    REQUIRE(run.status == 0);
    CHECK(run.out.find("layers: fc1 relu fc2 relu out") != std::string::npos);
    CHECK(run.out.find("layer_order: the file's order") != std::string::npos);
    CHECK(run.out.find("assumed") != std::string::npos);
  }
  const json doc = run_json({"info", fixture("net_fc.safetensors"), "--layers", "fc1,fc2,out", "--json", "-"}, dir);
  CHECK(doc["meta"]["layers"] == "fc1 relu fc2 relu out");
  CHECK(doc["activations"] == json::array({"relu", "relu", "identity"}));
  const json bn = run_json({"info", fixture("net_bn.pt"), "--batchnorm-eps", "1e-3", "--json", "-"}, dir);
  CHECK(bn["meta"]["batchnorm"].get<std::string>().find("eps 0.001") != std::string::npos);
  const json leaky = run_json({"info", fixture("net_leaky.pt"), "--activation", "leaky_relu:0.01", "--json", "-"}, dir);
  CHECK(leaky["activations"] == json::array({"leaky_relu:0.01", "leaky_relu:0.01", "identity"}));

  // Refusals: one line naming the file (or the option), exit 2.
  const std::string fc = fixture("net_fc.pt");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"info", fc, "--layers", "fc1,fc3,out"}, {"info", fc, "--layers", "fc1,fc2"}, {"info", fc, "--layers", "fc1,fc1,fc2,out"},
           {"info", fixture("net_fc.safetensors")}, {"info", fixture("net_features.pt")}, {"info", fixture("net_modulelist.pt")},
           {"regions", fixture("net_features.pt"), "--domain", "0,1,0,1"}})
    check_one_error_line(relutope_run(args, dir), args[1]);
  check_one_error_line(relutope_run({"info", fixture("net_bn.pt"), "--batchnorm-eps", "-1"}, dir), "--batchnorm-eps");
  check_one_error_line(relutope_run({"info", fc, "--layers", "fc1,,out"}, dir), "--layers");
}

TEST_CASE("regression: convert --encoding attaches the order a state_dict was trained with", "[cli][io]") {
  // net_pe_per_input.pt is the module whose JSON (with order per-input) evaluates as torch does
  // with Lazzari & Liu's feature order (the fixture manifest checks that); converted with the same
  // encoding it must be that network, and under the default order another function.
  CliDir dir;
  const std::string out = dir / "out/pe.json";
  const Run run = relutope_run({"convert", fixture("net_pe_per_input.pt"), out, "--encoding",
                                "positional:L=2:order=per-input", "--domain", "0,1,0,1"},
                               dir);
  INFO(describe({"convert"}, run));
  REQUIRE(run.status == 0);
  const Network converted = read_network(out), reference = read_network(fixture("net_pe_per_input.json"));
  CHECK(converted.input_dim == 2);
  CHECK(converted.encoding == reference.encoding);
  CHECK(differing_weights(converted, reference) == 0);
  const MatD X = read_points(fixture("points_pe_per_input.csv"), 2);
  Network nerf = converted;
  nerf.encoding.order = Encoding::Order::nerf;
  CHECK((evaluate(nerf, X).values - evaluate(converted, X).values).cwiseAbs().maxCoeff() > 1e-3);
  check_one_error_line(relutope_run({"convert", fixture("net_pe_per_input.pt"), out, "--encoding", "positional:L=3"}, dir),
                       fixture("net_pe_per_input.pt"));  // 8 features are not 2 L d = 6 d
  check_one_error_line(relutope_run({"convert", fixture("net_pe_per_input.pt"), out, "--encoding", "fourier"}, dir),
                       "--encoding");
}

TEST_CASE("regression: what a new user tried on the state_dict readers (review of issue 9)", "[cli][io]") {
  CliDir dir;
  const std::string json_net = fixture("net_a_f64.json"), pt = fixture("net_nobias.pt");
  // A JSON network states its encoding and BatchNorm: the state_dict options are refused, not applied.
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--encoding", "positional:L=4:order=per-input"}, {"--batchnorm-eps", "0.1"}, {"--activations", "relu,relu,identity"}}) {
    std::vector<std::string> args = {"convert", json_net, dir / "out/x.json"};
    args.insert(args.end(), extra.begin(), extra.end());
    check_one_error_line(relutope_run(args, dir), json_net);
    CHECK(!std::filesystem::exists(dir / "out/x.json"));
  }
  // An eps that rounds to 0 is no eps the user meant; --activations must name every Linear.
  check_one_error_line(relutope_run({"info", pt, "--batchnorm-eps", "1e-400"}, dir), "--batchnorm-eps");
  check_one_error_line(relutope_run({"info", pt, "--activations", "relu,identity"}, dir), "--activations");
  check_one_error_line(relutope_run({"info", pt, "--activations", "relu,relu,identity", "--activation", "relu"}, dir),
                       "--activations");
  // A training checkpoint is refused with the way out.
  const Run checkpoint = relutope_run({"info", fixture("bad/checkpoint.pt")}, dir);
  check_one_error_line(checkpoint, fixture("bad/checkpoint.pt"));
  CHECK(checkpoint.err.find("torch.save(checkpoint['model_state_dict'], path)") != std::string::npos);
  // A degenerate slice spans no plane.
  check_one_error_line(relutope_run({"regions", json_net, "--slice", "0,0:1,1:2,2", "--domain", "0,1,0,1"}, dir), "--slice");
  check_one_error_line(relutope_run({"regions", json_net, "--slice", "0,0:0,0", "--domain", "0,1"}, dir), "--slice");
  // A closed pipe is a write failure (exit 2), not a silent death by SIGPIPE.
  std::ofstream points(dir / "out/many.csv");
  for (int i = 0; i < 200000; ++i) points << "0.5,0.25\n";
  points.close();
  const std::string command = "cd " + dir.path.string() + " && (" + RELUTOPE_BINARY + " eval " + json_net +
                              " --points out/many.csv; echo $? > out/status) 2> out/err | (sleep 0.3; head -c 1 > /dev/null)";
  REQUIRE(std::system(command.c_str()) == 0);
  CHECK(slurp(dir / "out/status") == "2\n");
  CHECK(slurp(dir / "out/err") == "relutope: stdout: write failed\n");
}
