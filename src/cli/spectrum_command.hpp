#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace relutope::cli {

/// `relutope spectrum`: the exact Fourier coefficients, certified, against the FFT.
void add_spectrum_command(CLI::App& app, std::function<void()>& run);

}  // namespace relutope::cli
