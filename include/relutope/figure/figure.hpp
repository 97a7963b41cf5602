#pragma once
// Paper figures, drawn with cairo as vector PDF or SVG (or PNG), from the exact geometry.
#include "relutope/measures/dynamics.hpp"
#include "relutope/engine/partition.hpp"

#include <string>
#include <vector>

namespace relutope {

struct RegionsFigure {
  bool first_layer = false;   // overlay the first layer's zero lines (Lazzari & Liu Fig. 2 c-d)
  int grid = 0;               // overlay the R x R sample grid's cell centres (R > 0)
  std::string x_label = "x1", y_label = "x2";
};

/// Draws the partition: 2D regions filled in distinct colours with their boundaries, as
/// Lazzari & Liu Fig. 2 (a-d); 1D intervals as coloured bands under the graph of the first output.
/// `net` is the analysis network (for the first layer's lines). The format follows the suffix of
/// `path` (.pdf, .svg, .png); the file is written whole or not at all. Throws InputError for an
/// unknown suffix or an unwritable path.
void draw_regions(const Partition& partition, const NetworkQ& net, const RegionsFigure& options, const std::string& path);

/// Draws sampled activation patterns: each cell of the R x R grid of `domain` filled in its
/// pattern's colour (patterns numbered as first met), the regions as a sampler sees them. For
/// any network, positional encodings included, whose regions are curved in the input.
/// `patterns`: R^2 of them, as sampled_patterns returns them (the last coordinate fastest).
/// Same formats and guarantees as draw_regions.
/// \pre domain.dim() == 2 and patterns.size() == R^2 (else std::invalid_argument).
void draw_sampled_patterns(const std::vector<ActivationPattern>& patterns, int resolution, const Box& domain,
                           const std::string& x_label, const std::string& y_label, const std::string& path);

/// One line of a log-log plot.
struct Series {
  std::string label;
  std::vector<double> x, y;  // positive values; others are skipped
  bool reference = false;    // drawn dashed and grey (a slope to compare with)
};

/// A log-log line plot with decade ticks and a legend (e.g. FFT error against N, |c(t k)|
/// against t). Same formats and guarantees as draw_regions.
void draw_loglog(const std::vector<Series>& series, const std::string& x_label, const std::string& y_label,
                 const std::string& path);

/// Rahaman et al. Fig. 1: the heatmap of 2|c(k_i)|/A_i (colour clipped to [0, 1]) by frequency
/// and training step, and beside it each layer's spectral norm against the step.
void draw_spectrum_dynamics(const SpectrumDynamics& dynamics, const std::string& path);

}  // namespace relutope
