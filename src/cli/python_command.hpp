#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace relutope::cli {

/// `relutope NAME ARGS...` run by `python3 -m relutope NAME ARGS...`: the commands whose work is
/// the Python package's (figure: paper figures drawn by relutope.plot; dynamics: the analyses over
/// a run's snapshots). Every argument, --help included, goes to the Python command line, which
/// owns the options; `description` is the line `relutope --help` shows.
void add_python_command(CLI::App& app, std::function<void()>& run, const std::string& name, const std::string& description);

}  // namespace relutope::cli
