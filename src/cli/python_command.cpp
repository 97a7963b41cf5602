#include "python_command.hpp"

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

// Replaces this process by `python3 -m relutope NAME ARGS...`, so that the command line and the
// library run the same code (relutope.plot's figures, relutope.training_dynamics), and exec
// passes signals and the exit status through. The build tree keeps the package beside the
// executable, in python/relutope.
[[noreturn]] void run_python(const std::string& name, const std::vector<std::string>& args) {
  std::error_code error;
  const std::filesystem::path package = std::filesystem::read_symlink("/proc/self/exe", error).parent_path() / "python";
  if (!error && std::filesystem::exists(package / "relutope" / "__init__.py")) {
    const char* path = std::getenv("PYTHONPATH");
    ::setenv("PYTHONPATH", (package.string() + (path && *path ? ":" + std::string(path) : "")).c_str(), 1);
  }
  std::vector<std::string> command = {kPython, "-m", "relutope", name};
  command.insert(command.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : command) argv.push_back(word.data());
  argv.push_back(nullptr);
  ::execv(kPython, argv.data());
  throw InputError(kPython, "cannot run it for relutope " + name + ": " + std::strerror(errno));
}

}  // namespace

void add_python_command(CLI::App& app, std::function<void()>& run, const std::string& name, const std::string& description) {
  CLI::App* command = app.add_subcommand(name, description);
  command->prefix_command();
  command->set_help_flag();
  command->callback([&run, command, name] { run = [args = command->remaining(), name] { run_python(name, args); }; });
}

}  // namespace relutope::cli
