#include "figure_command.hpp"

#include "relutope/error.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace relutope::cli {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, the one with numpy and matplotlib

// Replaces this process by `python3 -m relutope figure ARGS...`: the figures are drawn by the
// Python package's matplotlib code (relutope.plot), and exec passes signals and the exit status
// through. The build tree keeps the package beside the executable, in python/relutope.
[[noreturn]] void run_python_figure(const std::vector<std::string>& args) {
  std::error_code error;
  const std::filesystem::path package = std::filesystem::read_symlink("/proc/self/exe", error).parent_path() / "python";
  if (!error && std::filesystem::exists(package / "relutope" / "__init__.py")) {
    const char* path = std::getenv("PYTHONPATH");
    ::setenv("PYTHONPATH", (package.string() + (path && *path ? ":" + std::string(path) : "")).c_str(), 1);
  }
  std::vector<std::string> command = {kPython, "-m", "relutope", "figure"};
  command.insert(command.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : command) argv.push_back(word.data());
  argv.push_back(nullptr);
  ::execv(kPython, argv.data());
  throw InputError(kPython, std::string("cannot run it to draw the figure: ") + std::strerror(errno));
}

}  // namespace

void add_figure_command(CLI::App& app, std::function<void()>& run) {
  CLI::App* figure = app.add_subcommand("figure", "Paper figures as vector PDF or SVG (or PNG)");
  // Every argument, --help included, goes to the Python command line, which owns the options.
  figure->prefix_command();
  figure->set_help_flag();
  figure->callback([&run, figure] { run = [args = figure->remaining()] { run_python_figure(args); }; });
}

}  // namespace relutope::cli
