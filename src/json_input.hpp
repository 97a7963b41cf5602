#pragma once
// Parsing JSON files (internal): malformed text and absurd nesting are bad input.
#include "relutope/error.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>

namespace relutope::internal {

/// How deep a JSON file may nest: nlohmann's dump() and comparisons recurse once per level, so a
/// deeply nested file would overflow the stack. relutope's own files nest 5 levels.
inline constexpr int max_json_depth = 100;

/// Parses JSON text (a string or a stream). Throws InputError(source, ...) for malformed text
/// and for values nested more than max_json_depth levels deep.
template <class Text>
nlohmann::json parse_json(Text&& text, const std::string& source) {
  try {
    return nlohmann::json::parse(std::forward<Text>(text), [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      if (depth > max_json_depth)
        throw InputError(source, "JSON nested more than " + std::to_string(max_json_depth) + " levels deep");
      return true;
    });
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace relutope::internal
