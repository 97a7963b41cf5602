#include "relutope/geojson.hpp"

#include <nlohmann/json.hpp>

namespace relutope {

std::string geojson(const Partition& partition) {
  using nlohmann::json;
  json features = json::array();
  for (size_t i = 0; i < partition.regions.size(); ++i) {
    const Region& region = partition.regions[i];
    json exact = json::array(), ring = json::array();
    for (const VecQ& v : region.vertices) {
      json e = json::array(), d = json::array();
      for (const Rational& c : v) {
        e.push_back(c.get_str());
        d.push_back(to_double(c));
      }
      if (partition.dim == 1) d.push_back(0.0);
      exact.push_back(e);
      ring.push_back(d);
    }
    json geometry;
    if (partition.dim == 2) {
      ring.push_back(ring.front());
      geometry = {{"type", "Polygon"}, {"coordinates", json::array({ring})}};
    } else {
      geometry = {{"type", "LineString"}, {"coordinates", ring}};
    }
    json weight = json::array(), bias = json::array();
    for (Eigen::Index o = 0; o < region.weight.rows; ++o) {
      json row = json::array();
      for (Eigen::Index k = 0; k < region.weight.cols; ++k) row.push_back(region.weight(o, k).get_str());
      weight.push_back(row);
      bias.push_back(region.bias[static_cast<size_t>(o)].get_str());
    }
    const Rational area = measure(region);
    features.push_back({{"type", "Feature"},
                        {"geometry", geometry},
                        {"properties",
                         {{"index", i},
                          {"piece", partition.piece[i]},
                          {"pattern", region.pattern},
                          {"vertices", exact},
                          {"weight", weight},
                          {"bias", bias},
                          {"area", area.get_str()},
                          {"area_double", to_double(area)}}}});
  }
  return json{{"type", "FeatureCollection"}, {"features", features}}.dump() + "\n";
}

}  // namespace relutope
