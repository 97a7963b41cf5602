#pragma once
// The command line: each command is a thin layer that parses options, calls the library, and
// prints. No analysis lives here.
#include <CLI/CLI.hpp>

#include <functional>

namespace relutope::cli {

/// Registers every subcommand on `app`; returns the function to run once parsing succeeded.
void add_commands(CLI::App& app, std::function<void()>& run);

}  // namespace relutope::cli
