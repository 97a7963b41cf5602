#pragma once
// torch.save's zip format (internal): <archive>/data.pkl pickles the state_dict, whose tensors
// refer to storages <archive>/data/<key>. The pickle is read by a restricted unpickler that runs
// nothing from the file: it knows the protocol-2 opcodes torch.save writes and four kinds of
// global (OrderedDict, torch._utils._rebuild_tensor_v2, torch's typed storages), and refuses any
// other global by name.
#include "network/tensor.hpp"
#include "network/zip_reader.hpp"

#include <string>
#include <vector>

namespace relutope::internal {

/// Whether a zip archive is torch.save's format (it has a member "<archive>/data.pkl").
bool is_torch_archive(const std::vector<ZipMember>& members);

/// Whether the bytes begin as a pickle (protocol 2 or later): torch.save's legacy format.
bool is_pickle(const std::string& bytes);

/// The tensors of a torch.save(state_dict) archive, in the state_dict's order. Honours each
/// tensor's storage offset, sizes and strides (checked against its storage). Throws
/// InputError(path, ...) for a pickle that names another global (a pickled module, or code to
/// run), an opcode outside the subset, a top-level object that is not a dict of tensors, a
/// missing or truncated storage, or a big-endian archive.
StateDict torch_state_dict(const std::vector<ZipMember>& members, const std::string& path);

}  // namespace relutope::internal
