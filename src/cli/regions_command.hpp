#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace relutope::cli {

/// `relutope regions`: exact activation regions and what sampling finds of them.
void add_regions_command(CLI::App& app, std::function<void()>& run);

}  // namespace relutope::cli
