#pragma once
// The members of a zip archive (internal): .npz files and torch.save's format are zip archives.
#include <string>
#include <vector>

namespace relutope::internal {

struct ZipMember {
  std::string name, bytes;
};

/// Every member of the zip archive at `path`, in the archive's order, stored or deflated, each
/// checked against its CRC and the size its headers give (memory grows with the data that
/// arrives, not with a size a header claims). Throws InputError(path, ...).
std::vector<ZipMember> read_zip(const std::string& path);

}  // namespace relutope::internal
