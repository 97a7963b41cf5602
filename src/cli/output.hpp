#pragma once
// Where a command's results go: a JSON document to a file (atomically) or to stdout ("-"),
// human-readable lines to stdout unless stdout carries the JSON.
#include "relutope/atomic_file.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <string>

namespace relutope::cli {

/// Writes `doc` to `target`: "" does nothing, "-" prints to stdout, else a file written whole.
inline void write_json(const nlohmann::json& doc, const std::string& target) {
  if (target.empty()) return;
  if (target == "-") std::cout << doc.dump(1) << "\n";
  else write_text_atomically(target, doc.dump(1) + "\n");
}

/// The stream for human-readable lines: stderr when stdout carries the JSON document.
inline std::ostream& human(const std::string& json_target) { return json_target == "-" ? std::cerr : std::cout; }

}  // namespace relutope::cli
