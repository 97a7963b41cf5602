#pragma once
// Errors the library reports. Bad data is an InputError naming the file and the fault; a problem
// too large for a limit the user set is a LimitError. The library never exits: the command line
// turns these into one line on stderr and exit status 2 or 3.
#include <stdexcept>
#include <string>

namespace relutope {

/// Bad input: a malformed file, a shape mismatch, a non-finite weight, a bad option value.
/// `source` names where the fault is (a file path, or an option such as "--domain").
class InputError : public std::runtime_error {
public:
  InputError(std::string source, const std::string& fault)
      : std::runtime_error(source.empty() ? fault : source + ": " + fault), source_(std::move(source)) {}
  const std::string& source() const { return source_; }

private:
  std::string source_;
};

/// A resource limit was reached (region count, time, memory).
class LimitError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Long work stopped because the caller asked it to (EngineOptions::should_stop: Ctrl-C).
class Interrupted : public std::runtime_error {
public:
  Interrupted() : std::runtime_error("interrupted") {}
};

}  // namespace relutope
