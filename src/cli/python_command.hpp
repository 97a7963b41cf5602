#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace relutope::cli {

/// `relutope figure KIND ... -o FILE`: paper figures, drawn by `python3 -m relutope figure`
/// (KIND: regions, patterns, fft-error, decay, spectrum-training; `relutope figure --help`).
void add_figure_command(CLI::App& app, std::function<void()>& run);

}  // namespace relutope::cli
