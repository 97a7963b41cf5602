#pragma once
// Checks of numeric options with the command line's own messages: CLI11's PositiveNumber and
// NonNegativeNumber print their bound as all 309 digits of the largest double.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>

namespace relutope::cli {

// A validator that reads the option as a number and keeps it when keep(value) holds.
inline CLI::Validator number_check(const char* name, const char* fault, bool (*keep)(double)) {
  return CLI::Validator(
      [fault, keep](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !keep(value)) return std::string(fault) + ", not '" + text + "'";
        return "";
      },
      name);
}

inline const CLI::Validator positive = number_check("POSITIVE", "must be a positive number", [](double x) { return x > 0; });
inline const CLI::Validator non_negative =
    number_check("NON-NEGATIVE", "must be a non-negative number", [](double x) { return x >= 0; });

}  // namespace relutope::cli
