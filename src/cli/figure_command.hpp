#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace relutope::cli {

/// `relutope figure KIND ... -o FILE`: paper figures (KIND: regions).
void add_figure_command(CLI::App& app, std::function<void()>& run);

}  // namespace relutope::cli
