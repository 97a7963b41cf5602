#include "relutope/engine/exact_maps.hpp"

#include "engine/engine_network.hpp"
#include "engine/predicates.hpp"

namespace relutope {

struct ExactMaps::Impl {
  engine::EngineNetwork net;
  Box domain;
};

ExactMaps::ExactMaps(const NetworkQ& net, const Box& domain) : impl_(std::make_unique<Impl>(Impl{engine::EngineNetwork(net), domain})) {}
ExactMaps::~ExactMaps() = default;
ExactMaps::ExactMaps(ExactMaps&&) noexcept = default;

void ExactMaps::output_map(const std::vector<std::uint64_t>& pattern, MatQ& weight, VecQ& bias) const {
  impl_->net.exact_output_map(pattern, weight, bias);
}

void ExactMaps::add_exact_vertices(RegionRecord& record) const {
  using engine::Int;
  const engine::EngineNetwork& net = impl_->net;
  const int d = net.dim;
  const size_t w = static_cast<size_t>(d + 1);
  // Every hidden layer's rows on the region, from the pattern, as far as the labels reach.
  int deepest = -1;
  for (const HyperplaneLabel& label : record.vertex_planes) deepest = std::max(deepest, label.layer);
  std::vector<std::vector<Int>> rows{net.first_rows()};
  for (int l = 0; l < deepest; ++l) {
    std::vector<char> bits(static_cast<size_t>(net.layers[static_cast<size_t>(l)].rows));
    for (size_t j = 0; j < bits.size(); ++j) bits[j] = record.bit(net.bit_offset[static_cast<size_t>(l)] + static_cast<int>(j));
    rows.push_back(net.next_rows(l, rows.back(), bits));
  }
  const std::vector<Int> faces = engine::box_face_rows(impl_->domain);
  record.exact_vertices.clear();
  for (int v = 0; v < record.vertex_count(); ++v) {
    std::vector<const Int*> basis;
    for (int k = 0; k < d; ++k) {
      const HyperplaneLabel& label = record.vertex_planes[static_cast<size_t>(v * d + k)];
      const size_t j = static_cast<size_t>(label.index);
      basis.push_back(label.is_domain_face() ? &faces[j * w] : &rows[static_cast<size_t>(label.layer)][j * w]);
    }
    const std::vector<Int> h = engine::exact_cofactors(basis, d);
    VecQ x;
    for (int k = 0; k < d; ++k) x.push_back(ratio(h[static_cast<size_t>(k)], h[static_cast<size_t>(d)]));
    record.exact_vertices.push_back(std::move(x));
  }
}

}  // namespace relutope
