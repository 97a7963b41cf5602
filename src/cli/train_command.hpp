#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace relutope::cli {

/// `relutope train`: presets, config files, images; snapshots and progress.
void add_train_command(CLI::App& app, std::function<void()>& run);

}  // namespace relutope::cli
