#include "relutope/figure/figure.hpp"

#include "relutope/atomic_file.hpp"
#include "relutope/error.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include <array>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

namespace relutope {
namespace {

constexpr double kPlot = 300, kMargin = 42;  // points

std::string suffix(const std::string& path) {
  const size_t dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(dot + 1);
}

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

// Renders `draw` (on a canvas of width x height points) into `path` in the suffix's format.
void render(const std::string& path, double width, double height, const std::function<void(cairo_t*)>& draw) {
  const std::string format = suffix(path);
  if (format != "pdf" && format != "svg" && format != "png")
    throw InputError(path, "unknown figure format '." + format + "' (use .pdf, .svg or .png)");
  write_atomically(path, [&](const std::string& temporary) {
    Surface surface(format == "pdf"   ? cairo_pdf_surface_create(temporary.c_str(), width, height)
                    : format == "svg" ? cairo_svg_surface_create(temporary.c_str(), width, height)
                                      : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(width * 3),
                                                                   static_cast<int>(height * 3)),
                    &cairo_surface_destroy);
    cairo_status_t status;
    {
      Context cr(cairo_create(surface.get()), &cairo_destroy);
      if (format == "png") cairo_scale(cr.get(), 3, 3);
      cairo_set_source_rgb(cr.get(), 1, 1, 1);
      cairo_paint(cr.get());
      draw(cr.get());
    }
    status = cairo_surface_status(surface.get());
    if (format == "png" && status == CAIRO_STATUS_SUCCESS) status = cairo_surface_write_to_png(surface.get(), temporary.c_str());
    cairo_surface_finish(surface.get());
    if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface.get());
    if (status != CAIRO_STATUS_SUCCESS) throw InputError(path, std::string("cannot write the figure: ") + cairo_status_to_string(status));
  });
}

// Distinct, light colours: hues spaced by the golden angle.
std::array<double, 3> region_rgb(size_t index) {
  const double hue = std::fmod(static_cast<double>(index) * 0.618033988749895, 1.0) * 6;
  const double x = 1 - std::fabs(std::fmod(hue, 2) - 1);
  const double rgb[6][3] = {{1, x, 0}, {x, 1, 0}, {0, 1, x}, {0, x, 1}, {x, 0, 1}, {1, 0, x}};
  const double* c = rgb[static_cast<int>(hue) % 6];
  const double light = 0.45 + 0.2 * static_cast<double>((index * 7) % 3) / 2;  // vary lightness too
  return {light + (1 - light) * c[0] * 0.9, light + (1 - light) * c[1] * 0.9, light + (1 - light) * c[2] * 0.9};
}

void region_colour(cairo_t* cr, size_t index) {
  const auto c = region_rgb(index);
  cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

void label(cairo_t* cr, double x, double y, const std::string& text, double align_x, double align_y) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, text.c_str(), &e);
  cairo_move_to(cr, x - align_x * e.width - e.x_bearing, y - align_y * e.height - e.y_bearing);
  cairo_show_text(cr, text.c_str());
}

std::string tick(const Rational& q) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", to_double(q));
  return buffer;
}

void frame(cairo_t* cr, const Box& box, const std::string& xl, const std::string& yl, bool two_d) {
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_set_line_width(cr, 0.8);
  cairo_rectangle(cr, kMargin, kMargin / 2, kPlot, kPlot);
  cairo_stroke(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, 9);
  const double bottom = kMargin / 2 + kPlot;
  label(cr, kMargin, bottom + 4, tick(box.lo[0]), 0.5, 0);
  label(cr, kMargin + kPlot, bottom + 4, tick(box.hi[0]), 0.5, 0);
  label(cr, kMargin + kPlot / 2, bottom + 16, xl, 0.5, 0);
  if (two_d) {
    label(cr, kMargin - 4, bottom, tick(box.lo[1]), 1, 0.5);
    label(cr, kMargin - 4, kMargin / 2, tick(box.hi[1]), 1, 0.5);
    label(cr, kMargin - 16, kMargin / 2 + kPlot / 2, yl, 1, 0.5);
  }
}

}  // namespace

void draw_regions(const Partition& partition, const NetworkQ& net, const RegionsFigure& options, const std::string& path) {
  const Box& box = partition.domain;
  const double x0 = to_double(box.lo[0]), x1 = to_double(box.hi[0]);
  const double y0 = partition.dim == 2 ? to_double(box.lo[1]) : 0, y1 = partition.dim == 2 ? to_double(box.hi[1]) : 1;
  auto px = [&](double x) { return kMargin + (x - x0) / (x1 - x0) * kPlot; };
  auto py = [&](double y) { return kMargin / 2 + (1 - (y - y0) / (y1 - y0)) * kPlot; };

  render(path, kPlot + kMargin * 1.5, kPlot + kMargin * 1.5, [&](cairo_t* cr) {
    cairo_save(cr);
    cairo_rectangle(cr, kMargin, kMargin / 2, kPlot, kPlot);
    cairo_clip(cr);
    if (partition.dim == 2) {
      for (size_t i = 0; i < partition.regions.size(); ++i) {
        const auto& v = partition.regions[i].vertices;
        cairo_move_to(cr, px(to_double(v[0][0])), py(to_double(v[0][1])));
        for (size_t k = 1; k < v.size(); ++k) cairo_line_to(cr, px(to_double(v[k][0])), py(to_double(v[k][1])));
        cairo_close_path(cr);
        region_colour(cr, i);
        cairo_fill_preserve(cr);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
        cairo_set_line_width(cr, 0.25);
        cairo_stroke(cr);
      }
    } else {
      // Bands for the intervals, the graph of output 0 over them, scaled to the plot.
      double lo = INFINITY, hi = -INFINITY;
      std::vector<std::array<double, 4>> segments;  // x_a, f(x_a), x_b, f(x_b)
      for (const Region& r : partition.regions) {
        const double a = to_double(r.vertices[0][0]), b = to_double(r.vertices[1][0]);
        const double fa = to_double(r.weight(0, 0) * r.vertices[0][0] + r.bias[0]);
        const double fb = to_double(r.weight(0, 0) * r.vertices[1][0] + r.bias[0]);
        segments.push_back({a, fa, b, fb});
        lo = std::min({lo, fa, fb});
        hi = std::max({hi, fa, fb});
      }
      if (hi <= lo) hi = lo + 1;
      for (size_t i = 0; i < segments.size(); ++i) {
        region_colour(cr, i);
        cairo_rectangle(cr, px(segments[i][0]), kMargin / 2, px(segments[i][2]) - px(segments[i][0]), kPlot);
        cairo_fill(cr);
      }
      auto fy = [&](double f) { return kMargin / 2 + kPlot * (0.95 - 0.9 * (f - lo) / (hi - lo)); };
      cairo_set_source_rgb(cr, 0.05, 0.1, 0.35);
      cairo_set_line_width(cr, 1);
      for (const auto& s : segments) {
        cairo_move_to(cr, px(s[0]), fy(s[1]));
        cairo_line_to(cr, px(s[2]), fy(s[3]));
      }
      cairo_stroke(cr);
    }
    if (options.first_layer && partition.dim == 2 && !net.layers.empty() && net.layers.front().activation.has_kink()) {
      cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.8);
      cairo_set_line_width(cr, 0.5);
      const LayerQ& first = net.layers.front();
      for (Eigen::Index j = 0; j < first.weight.rows; ++j) {  // w . x + b = 0 across the box
        const double a = to_double(first.weight(j, 0)), b = to_double(first.weight(j, 1)), c = to_double(first.bias[static_cast<size_t>(j)]);
        if (std::fabs(b) > std::fabs(a)) {
          cairo_move_to(cr, px(x0), py(-(a * x0 + c) / b));
          cairo_line_to(cr, px(x1), py(-(a * x1 + c) / b));
        } else if (a != 0) {
          cairo_move_to(cr, px(-(b * y0 + c) / a), py(y0));
          cairo_line_to(cr, px(-(b * y1 + c) / a), py(y1));
        }
      }
      cairo_stroke(cr);
    }
    if (options.grid > 0) {
      cairo_set_source_rgb(cr, 0, 0, 0);
      const int rows = partition.dim == 2 ? options.grid : 1;
      const double radius = std::min(0.8, 0.25 * kPlot / options.grid);
      for (int i = 0; i < options.grid; ++i)
        for (int j = 0; j < rows; ++j) {
          const double x = kMargin + (i + 0.5) / options.grid * kPlot;
          const double y = partition.dim == 2 ? kMargin / 2 + (j + 0.5) / options.grid * kPlot : kMargin / 2 + kPlot - 4;
          cairo_new_sub_path(cr);
          cairo_arc(cr, x, y, radius, 0, 2 * M_PI);
        }
      cairo_fill(cr);
    }
    cairo_restore(cr);
    frame(cr, box, options.x_label, partition.dim == 2 ? options.y_label : "", partition.dim == 2);
  });
}

void draw_sampled_patterns(const std::vector<ActivationPattern>& patterns, int resolution, const Box& domain,
                           const std::string& x_label, const std::string& y_label, const std::string& path) {
  if (domain.dim() != 2 || resolution < 1 || patterns.size() != static_cast<size_t>(resolution) * static_cast<size_t>(resolution))
    throw std::invalid_argument("draw_sampled_patterns: R x R patterns of a 2D domain expected");
  // One pixel per cell, scaled up without smoothing: the cells stay visible as what was sampled.
  Surface image(cairo_image_surface_create(CAIRO_FORMAT_RGB24, resolution, resolution), &cairo_surface_destroy);
  if (cairo_surface_status(image.get()) != CAIRO_STATUS_SUCCESS)
    throw InputError(path, std::string("cannot draw the figure: ") + cairo_status_to_string(cairo_surface_status(image.get())));
  const int stride = cairo_image_surface_get_stride(image.get());
  unsigned char* data = cairo_image_surface_get_data(image.get());
  std::map<ActivationPattern, size_t> numbers;
  for (int i = 0; i < resolution; ++i)      // x cell
    for (int j = 0; j < resolution; ++j) {  // y cell, drawn upwards
      const ActivationPattern& p = patterns[static_cast<size_t>(i) * static_cast<size_t>(resolution) + static_cast<size_t>(j)];
      const auto c = region_rgb(numbers.emplace(p, numbers.size()).first->second);
      auto* pixel = reinterpret_cast<uint32_t*>(data + static_cast<ptrdiff_t>(resolution - 1 - j) * stride) + i;
      *pixel = static_cast<uint32_t>(std::lround(c[0] * 255)) << 16 | static_cast<uint32_t>(std::lround(c[1] * 255)) << 8 |
               static_cast<uint32_t>(std::lround(c[2] * 255));
    }
  cairo_surface_mark_dirty(image.get());
  render(path, kPlot + kMargin * 1.5, kPlot + kMargin * 1.5, [&](cairo_t* cr) {
    cairo_save(cr);
    cairo_translate(cr, kMargin, kMargin / 2);
    cairo_scale(cr, kPlot / resolution, kPlot / resolution);
    cairo_set_source_surface(cr, image.get(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_paint(cr);
    cairo_restore(cr);
    frame(cr, domain, x_label, y_label, true);
  });
}

void draw_loglog(const std::vector<Series>& series, const std::string& x_label, const std::string& y_label,
                 const std::string& path) {
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series& s : series)
    for (size_t i = 0; i < s.x.size(); ++i)
      if (s.x[i] > 0 && s.y[i] > 0 && std::isfinite(s.y[i])) {
        x0 = std::min(x0, std::log10(s.x[i]));
        x1 = std::max(x1, std::log10(s.x[i]));
        y0 = std::min(y0, std::log10(s.y[i]));
        y1 = std::max(y1, std::log10(s.y[i]));
      }
  if (!(x0 <= x1 && y0 <= y1)) throw InputError(path, "nothing positive to plot on log-log axes");
  x0 = std::floor(x0), x1 = std::max(std::ceil(x1), x0 + 1), y0 = std::floor(y0), y1 = std::max(std::ceil(y1), y0 + 1);
  auto px = [&](double x) { return kMargin + (std::log10(x) - x0) / (x1 - x0) * kPlot; };
  auto py = [&](double y) { return kMargin / 2 + (1 - (std::log10(y) - y0) / (y1 - y0)) * kPlot; };
  const double palette[5][3] = {{0.0, 0.45, 0.70}, {0.84, 0.37, 0.0}, {0.0, 0.62, 0.45}, {0.8, 0.47, 0.65}, {0.35, 0.7, 0.9}};

  render(path, kPlot + kMargin * 1.5, kPlot + kMargin * 1.5, [&](cairo_t* cr) {
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 9);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8);
    cairo_rectangle(cr, kMargin, kMargin / 2, kPlot, kPlot);
    cairo_stroke(cr);
    const double bottom = kMargin / 2 + kPlot;
    const int x_step = static_cast<int>(std::ceil((x1 - x0) / 8)), y_step = static_cast<int>(std::ceil((y1 - y0) / 8));
    for (int e = static_cast<int>(x0); e <= static_cast<int>(x1); e += x_step) {
      const double x = kMargin + (e - x0) / (x1 - x0) * kPlot;
      cairo_move_to(cr, x, bottom);
      cairo_line_to(cr, x, bottom - 4);
      cairo_stroke(cr);
      label(cr, x, bottom + 4, "1e" + std::to_string(e), 0.5, 0);
    }
    for (int e = static_cast<int>(y0); e <= static_cast<int>(y1); e += y_step) {
      const double y = kMargin / 2 + (1 - (e - y0) / (y1 - y0)) * kPlot;
      cairo_move_to(cr, kMargin, y);
      cairo_line_to(cr, kMargin + 4, y);
      cairo_stroke(cr);
      label(cr, kMargin - 4, y, "1e" + std::to_string(e), 1, 0.5);
    }
    label(cr, kMargin + kPlot / 2, bottom + 16, x_label, 0.5, 0);
    cairo_save(cr);
    cairo_translate(cr, 8, kMargin / 2 + kPlot / 2);
    cairo_rotate(cr, -M_PI / 2);
    label(cr, 0, 0, y_label, 0.5, 0.5);
    cairo_restore(cr);

    cairo_save(cr);
    cairo_rectangle(cr, kMargin, kMargin / 2, kPlot, kPlot);
    cairo_clip(cr);
    const auto style = [&](const Series& s, size_t colour) {
      const double* rgb = s.reference ? nullptr : palette[colour % 5];
      if (rgb) cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
      else cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
      const double dash[] = {4, 3};
      cairo_set_dash(cr, dash, s.reference ? 2 : 0, 0);
      cairo_set_line_width(cr, s.reference ? 0.8 : 1.4);
    };
    size_t colour = 0;
    for (const Series& s : series) {
      style(s, s.reference ? 0 : colour++);
      bool started = false;
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (!(s.x[i] > 0 && s.y[i] > 0 && std::isfinite(s.y[i]))) continue;
        if (started) cairo_line_to(cr, px(s.x[i]), py(s.y[i]));
        else cairo_move_to(cr, px(s.x[i]), py(s.y[i]));
        started = true;
      }
      cairo_stroke(cr);
      if (!s.reference)
        for (size_t i = 0; i < s.x.size(); ++i)
          if (s.x[i] > 0 && s.y[i] > 0 && std::isfinite(s.y[i])) {
            cairo_new_sub_path(cr);
            cairo_arc(cr, px(s.x[i]), py(s.y[i]), 1.8, 0, 2 * M_PI);
            cairo_fill(cr);
          }
    }

    // The legend, in the top right corner over the curves: as wide as its longest label.
    double widest = 0;
    for (const Series& s : series) {
      cairo_text_extents_t e;
      cairo_text_extents(cr, s.label.c_str(), &e);
      widest = std::max(widest, e.x_advance);
    }
    const double pad = 4, sample = 18, right = kMargin + kPlot - pad, left = right - widest - sample - 4;
    double legend_y = kMargin / 2 + pad + 6;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);  // a backdrop, clear of the frame's line
    cairo_rectangle(cr, left - pad, kMargin / 2 + pad, right - left + 1.5 * pad, 12 * static_cast<double>(series.size()));
    cairo_fill(cr);
    colour = 0;
    for (const Series& s : series) {
      style(s, s.reference ? 0 : colour++);
      cairo_move_to(cr, left, legend_y);
      cairo_line_to(cr, left + sample, legend_y);
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
      label(cr, left + sample + 4, legend_y, s.label, 0, 0.5);
      legend_y += 12;
    }
    cairo_restore(cr);
  });
}

void draw_spectrum_dynamics(const SpectrumDynamics& d, const std::string& path) {
  const Eigen::Index rows = d.amplitude.rows(), cols = d.amplitude.cols();
  if (rows == 0 || cols == 0) throw InputError(path, "no snapshots to draw");
  const double panel = kPlot * 0.75, gap = kMargin * 1.6;
  const double left = kMargin, top = kMargin / 2, right_left = left + panel + gap;
  const double max_step = std::max<double>(1, static_cast<double>(d.steps.back()));
  render(path, right_left + panel + kMargin / 2, panel + kMargin * 1.5, [&](cairo_t* cr) {
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 8);
    // Heatmap: frequency across, steps upwards; a perceptually ordered dark-blue -> yellow ramp.
    for (Eigen::Index r = 0; r < rows; ++r) {
      const double y_top = top + panel * (1 - (r + 1.0) / static_cast<double>(rows));
      for (Eigen::Index c = 0; c < cols; ++c) {
        const double v = std::clamp(d.amplitude(r, c), 0.0, 1.0);
        cairo_set_source_rgb(cr, 0.27 + 0.72 * v * v, 0.0 + 0.9 * v, 0.33 + 0.4 * std::sin(M_PI * v) - 0.2 * v);
        cairo_rectangle(cr, left + panel * static_cast<double>(c) / static_cast<double>(cols), y_top,
                        panel / static_cast<double>(cols) + 0.3, panel / static_cast<double>(rows) + 0.3);
        cairo_fill(cr);
      }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8);
    cairo_rectangle(cr, left, top, panel, panel);
    cairo_stroke(cr);
    for (Eigen::Index c = 0; c < cols; ++c) {
      char text[16];
      std::snprintf(text, sizeof text, "%g", d.frequencies[static_cast<size_t>(c)]);
      label(cr, left + panel * (c + 0.5) / static_cast<double>(cols), top + panel + 4, text, 0.5, 0);
    }
    label(cr, left + panel / 2, top + panel + 16, "frequency k", 0.5, 0);
    label(cr, left - 4, top + panel, "0", 1, 0.5);
    label(cr, left - 4, top, std::to_string(d.steps.back()), 1, 0.5);
    cairo_save(cr);
    cairo_translate(cr, 8, top + panel / 2);
    cairo_rotate(cr, -M_PI / 2);
    label(cr, 0, 0, "training step  (colour: 2|c(k)|/A, 0..1)", 0.5, 0.5);
    cairo_restore(cr);

    // Spectral norms of the layers against the step.
    double highest = 0;
    for (Eigen::Index r = 0; r < rows; ++r) highest = std::max(highest, d.spectral_norms.row(r).maxCoeff());
    highest = highest > 0 ? highest * 1.05 : 1;
    const double palette[6][3] = {{0.0, 0.45, 0.7}, {0.84, 0.37, 0.0}, {0.0, 0.62, 0.45}, {0.8, 0.47, 0.65}, {0.35, 0.7, 0.9}, {0.9, 0.6, 0.0}};
    for (Eigen::Index l = 0; l < d.spectral_norms.cols(); ++l) {
      const double* rgb = palette[l % 6];
      cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
      cairo_set_line_width(cr, 1.2);
      for (Eigen::Index r = 0; r < rows; ++r) {
        const double x = right_left + panel * static_cast<double>(d.steps[static_cast<size_t>(r)]) / max_step;
        const double y = top + panel * (1 - d.spectral_norms(r, l) / highest);
        if (r == 0) cairo_move_to(cr, x, y);
        else cairo_line_to(cr, x, y);
      }
      cairo_stroke(cr);
      cairo_move_to(cr, right_left + 8, top + 10 + 10 * static_cast<double>(l));
      cairo_line_to(cr, right_left + 22, top + 10 + 10 * static_cast<double>(l));
      cairo_stroke(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
      label(cr, right_left + 26, top + 10 + 10 * static_cast<double>(l), "layer " + std::to_string(l + 1), 0, 0.5);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8);
    cairo_rectangle(cr, right_left, top, panel, panel);
    cairo_stroke(cr);
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", highest);
    label(cr, right_left - 4, top, text, 1, 0.5);
    label(cr, right_left - 4, top + panel, "0", 1, 0.5);
    label(cr, right_left, top + panel + 4, "0", 0.5, 0);
    label(cr, right_left + panel, top + panel + 4, std::to_string(d.steps.back()), 0.5, 0);
    label(cr, right_left + panel / 2, top + panel + 16, "training step (spectral norm per layer)", 0.5, 0);
  });
}

}  // namespace relutope
