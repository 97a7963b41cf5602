#pragma once
// Output files appear whole or not at all: content goes to a temporary file in the same
// directory, which is renamed over the target only once it is complete.
#include <functional>
#include <string>

namespace relutope {

/// Calls write(temporary_path), then renames the temporary file to `path`. If write throws,
/// the temporary file is removed and the exception propagates. Throws InputError(path, ...)
/// when the file cannot be created or renamed.
void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

/// Writes `text` to `path` atomically.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace relutope
