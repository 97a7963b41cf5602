#pragma once
// Where a command's results go: a JSON document to a file (atomically) or to stdout ("-"),
// human-readable lines to stdout unless stdout carries the JSON.
#include "relutope/atomic_file.hpp"
#include "relutope/error.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <string>

namespace relutope::cli {

/// An output file must be creatable where it is asked for: commands check this before their
/// work, so that a long run does not fail at its end. "" and "-" need no check.
inline void check_directory_of(const std::string& file) {
  if (file.empty() || file == "-") return;
  const std::filesystem::path parent = std::filesystem::path(file).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent))
    throw InputError(file, "the directory " + parent.string() + " does not exist");
}

/// Writes `doc` to `target`: "" does nothing, "-" prints to stdout, else a file written whole.
inline void write_json(const nlohmann::json& doc, const std::string& target) {
  if (target.empty()) return;
  if (target == "-") std::cout << doc.dump(1) << "\n";
  else write_text_atomically(target, doc.dump(1) + "\n");
}

/// The stream for human-readable lines: stderr when stdout carries the JSON document.
inline std::ostream& human(const std::string& json_target) { return json_target == "-" ? std::cerr : std::cout; }

}  // namespace relutope::cli
