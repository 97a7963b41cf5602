#pragma once
// Output files appear whole or not at all: content goes to a temporary file in the same
// directory, which is renamed over the target only once it is complete.
#include <fstream>
#include <functional>
#include <string>

namespace relutope {

/// Calls write(temporary_path), then renames the temporary file to `path`. If write throws,
/// the temporary file is removed and the exception propagates. Throws InputError(path, ...)
/// when the file cannot be created or renamed.
void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

/// Writes `text` to `path` atomically.
void write_text_atomically(const std::string& path, const std::string& text);

/// A file written as a stream over a long run: it appears whole at `path` on commit(), or not
/// at all (the destructor removes the temporary file of a run that threw).
class AtomicStream {
public:
  /// Throws InputError(path, ...) when the temporary file cannot be created.
  explicit AtomicStream(std::string path);
  ~AtomicStream();
  AtomicStream(const AtomicStream&) = delete;
  AtomicStream& operator=(const AtomicStream&) = delete;

  std::ostream& stream() { return out_; }
  /// Closes and renames; throws InputError(path, ...) on a failed write.
  void commit();

private:
  std::string path_, temporary_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace relutope
