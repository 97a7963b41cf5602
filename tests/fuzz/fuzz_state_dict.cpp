// State_dicts with the command line's read options, behind read_network's format choice:
// five lines of options (--layers, --activation, --activations, --encoding, --batchnorm-eps, as
// the command line reads them), then either the members of a zip archive without the zip (each
// "@@@ NAME\n" and its bytes: no CRC stops a mutation of a .pt's pickle or an .npz's arrays) or a
// safetensors file. Seeds: data/fixtures' .pt, .npz and .safetensors files so rewritten.
#include "fuzz.hpp"

#include "relutope/network/network_io.hpp"
#include "network/npy.hpp"
#include "network/safetensors.hpp"
#include "network/state_dict.hpp"
#include "network/torch_pickle.hpp"

namespace {

using namespace relutope;

// The members "@@@ NAME\n" + bytes, each up to the next "\n@@@ " (text begins with "@@@ ").
std::vector<internal::ZipMember> members_of(const std::string& text) {
  std::vector<internal::ZipMember> members;
  for (size_t at = 0; at < text.size();) {
    const size_t name_end = std::min(text.find('\n', at), text.size());
    const size_t next = std::min(text.find("\n@@@ ", name_end), text.size());
    const size_t begin = std::min(name_end + 1, next);
    members.push_back({text.substr(at + 4, name_end - at - 4), text.substr(begin, next - begin)});
    at = next + 1;
  }
  return members;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text = fuzz::text(data, size);
  ReadOptionTexts flags;
  for (std::string* flag : {&flags.layers, &flags.activation, &flags.activations, &flags.encoding, &flags.batchnorm_eps}) {
    const size_t end = std::min(text.find('\n'), text.size());
    *flag = text.substr(0, end);
    text.erase(0, std::min(end + 1, text.size()));
  }
  fuzz::accepted([&] {
    const ReadOptions options = parse_read_options(flags);
    const std::string path = "fuzz";
    // As read_network reads a zip archive or a safetensors file.
    internal::StateDict dict;
    if (text.rfind("@@@ ", 0) == 0) {
      const std::vector<internal::ZipMember> members = members_of(text);
      dict = internal::is_torch_archive(members) ? internal::torch_state_dict(members, path)
                                                 : internal::npz_state_dict(members, path);
    } else {
      dict = internal::safetensors_state_dict(text, path);
    }
    Network net = internal::network_from_state_dict(dict, path, options);
    if (options.encoding) attach_encoding(net, *options.encoding, path);
    check_network(net, path);
    return net;
  });
  return 0;
}
