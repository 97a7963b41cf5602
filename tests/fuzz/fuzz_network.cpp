// Network files through read_network, the entry the command line uses: the format is chosen by
// content, so every reader behind it (JSON, .npz, .pt, safetensors, and any added later) is
// fuzzed here. A network that loads must survive the native JSON round trip bit for bit.
#include "fuzz.hpp"

#include "relutope/network/network_io.hpp"

#include <cstring>

namespace {

bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<size_t>(a.size())) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace relutope;
  const fuzz::InputFile file(data, size);
  const auto net = fuzz::accepted([&] { return read_network(file.path); });
  if (!net) return 0;
  const Network back = parse_network_json(network_json(*net), "round trip");
  fuzz::require(back.input_dim == net->input_dim && back.layers.size() == net->layers.size() &&
                    back.domain == net->domain && back.encoding == net->encoding,
                "the JSON round trip keeps the network's shape, domain and encoding");
  for (size_t l = 0; l < net->layers.size(); ++l)
    fuzz::require(same_bits(back.layers[l].weight, net->layers[l].weight) &&
                      same_bits(back.layers[l].bias, net->layers[l].bias) &&
                      back.layers[l].activation == net->layers[l].activation,
                  "the JSON round trip keeps every weight bit for bit, and every activation");
  return 0;
}
