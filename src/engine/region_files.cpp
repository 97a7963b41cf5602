#include "relutope/engine/region_files.hpp"

#include "relutope/engine/partition.hpp"

#include <nlohmann/json.hpp>

namespace relutope {
namespace {

using nlohmann::json;

json exact_strings(const VecQ& v) {
  json out = json::array();
  for (const Rational& c : v) out.push_back(c.get_str());
  return out;
}

json weight_json(const Region& region) {
  json weight = json::array();
  for (Eigen::Index o = 0; o < region.weight.rows; ++o) {
    json row = json::array();
    for (Eigen::Index k = 0; k < region.weight.cols; ++k) row.push_back(region.weight(o, k).get_str());
    weight.push_back(row);
  }
  return weight;
}

}  // namespace

GeoJsonWriter::GeoJsonWriter(const std::string& path) : file_(path) {
  file_.stream() << R"({"type":"FeatureCollection","features":[)";
}

void GeoJsonWriter::add(RegionRecord&& record) {
  const int dim = record.dim;
  const Region region = region_of(std::move(record));
  json exact = json::array(), ring = json::array();
  for (const VecQ& v : region.vertices) {
    exact.push_back(exact_strings(v));
    json d = json::array();
    for (const Rational& c : v) d.push_back(to_double(c));
    if (dim == 1) d.push_back(0.0);
    ring.push_back(d);
  }
  json geometry;
  if (dim == 2) {
    ring.push_back(ring.front());
    geometry = {{"type", "Polygon"}, {"coordinates", json::array({ring})}};
  } else {
    geometry = {{"type", "LineString"}, {"coordinates", ring}};
  }
  const Rational area = measure(region);
  const json feature = {{"type", "Feature"},
                        {"geometry", geometry},
                        {"properties",
                         {{"index", count_},
                          {"pattern", region.pattern},
                          {"vertices", exact},
                          {"weight", weight_json(region)},
                          {"bias", exact_strings(region.bias)},
                          {"area", area.get_str()},
                          {"area_double", to_double(area)}}}};
  file_.stream() << (count_++ ? ",\n" : "\n") << feature.dump();
}

void GeoJsonWriter::finish() {
  file_.stream() << "]}\n";
  file_.commit();
}

PolytopeWriter::PolytopeWriter(const std::string& path, int dim) : file_(path) {
  file_.stream() << R"({"format":"relutope.polytopes","version":1,"dim":)" << dim << R"(,"regions":[)";
}

void PolytopeWriter::add(RegionRecord&& record) {
  const Region region = region_of(std::move(record));
  json vertices = json::array(), facets = json::array();
  for (const VecQ& v : region.vertices) vertices.push_back(exact_strings(v));
  for (const Region::Facet& f : region.facets) {
    const json plane = f.plane.is_domain_face()
                           ? json::array({"domain", f.plane.index / 2, f.plane.index % 2 ? "hi" : "lo"})
                           : json::array({f.plane.layer, f.plane.index});
    facets.push_back({{"plane", plane}, {"side", f.side}, {"vertices", f.vertices}});
  }
  const json item = {{"index", count_},
                     {"pattern", region.pattern},
                     {"vertices", vertices},
                     {"facets", facets},
                     {"weight", weight_json(region)},
                     {"bias", exact_strings(region.bias)},
                     {"measure", measure(region).get_str()}};
  file_.stream() << (count_++ ? ",\n" : "\n") << item.dump();
}

void PolytopeWriter::finish() {
  file_.stream() << "]}\n";
  file_.commit();
}

}  // namespace relutope
