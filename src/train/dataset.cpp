#include "relutope/train/dataset.hpp"

#include "train/random.hpp"
#include "relutope/error.hpp"

#include <cairo.h>

#include <cmath>
#include <cstring>
#include <memory>

namespace relutope {
namespace {

using internal::Random;
using internal::Stream;

Box unit_box(int dim) {
  Box box;
  box.lo.assign(static_cast<size_t>(dim), Rational(0));
  box.hi.assign(static_cast<size_t>(dim), Rational(1));
  return box;
}

// Phases phi_i ~ U(0, 2 pi), one per frequency, drawn afresh for every seed (Rahaman Exp. 1).
std::vector<double> phases(size_t count, std::uint64_t seed) {
  Random random(seed, Stream::data);
  std::vector<double> phi(count);
  for (double& p : phi) p = random.uniform(0.0, 2.0 * M_PI);
  return phi;
}

double sine_mixture(const Task& task, const std::vector<double>& phi, double z) {
  double value = 0.0;
  for (size_t i = 0; i < task.frequencies.size(); ++i)
    value += task.amplitudes[i] * std::sin(2.0 * M_PI * task.frequencies[i] * z + phi[i]);
  return value;
}

// Pixel grid coordinates (column / (W-1), row / (H-1)) for a W x H image, row-major.
MatD pixel_coordinates(int width, int height) {
  MatD X(static_cast<Eigen::Index>(width) * height, 2);
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c) {
      const Eigen::Index i = static_cast<Eigen::Index>(r) * width + c;
      X(i, 0) = width > 1 ? static_cast<double>(c) / (width - 1) : 0.0;
      X(i, 1) = height > 1 ? static_cast<double>(r) / (height - 1) : 0.0;
    }
  return X;
}

Dataset image_dataset(const std::string& path) {
  using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
  Surface png(cairo_image_surface_create_from_png(path.c_str()), &cairo_surface_destroy);
  if (cairo_surface_status(png.get()) != CAIRO_STATUS_SUCCESS)
    throw InputError(path, std::string("cannot read the PNG image: ") + cairo_status_to_string(cairo_surface_status(png.get())));
  const int width = cairo_image_surface_get_width(png.get()), height = cairo_image_surface_get_height(png.get());
  if (width < 2 || height < 2) throw InputError(path, "the image must be at least 2 x 2 pixels");
  // Painting onto an opaque RGB surface composites any transparency over black and converts
  // every PNG pixel format to one layout.
  Surface rgb(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height), &cairo_surface_destroy);
  {
    std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(rgb.get()), &cairo_destroy);
    cairo_set_source_surface(cr.get(), png.get(), 0, 0);
    cairo_paint(cr.get());
  }
  cairo_surface_flush(rgb.get());
  const unsigned char* pixels = cairo_image_surface_get_data(rgb.get());
  const int stride = cairo_image_surface_get_stride(rgb.get());
  Dataset data;
  data.inputs = pixel_coordinates(width, height);
  data.targets.resize(data.inputs.rows(), 3);
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c) {
      std::uint32_t pixel;
      std::memcpy(&pixel, pixels + r * stride + 4 * c, 4);
      const Eigen::Index i = static_cast<Eigen::Index>(r) * width + c;
      data.targets(i, 0) = ((pixel >> 16) & 0xff) / 255.0;
      data.targets(i, 1) = ((pixel >> 8) & 0xff) / 255.0;
      data.targets(i, 2) = (pixel & 0xff) / 255.0;
    }
  data.domain = unit_box(2);
  data.description = "image " + path + " (" + std::to_string(width) + "x" + std::to_string(height) + " RGB)";
  return data;
}

Box flower_box() {
  Box box;  // |gamma_L(z)| <= 3/2
  box.lo = {ratio(-3, 2), ratio(-3, 2)};
  box.hi = {ratio(3, 2), ratio(3, 2)};
  return box;
}

}  // namespace

void flower_point(int petals, double z, double& x, double& y) {
  const double radius = 1.0 + std::sin(2.0 * M_PI * petals * z) / 2.0;
  x = radius * std::cos(2.0 * M_PI * z);
  y = radius * std::sin(2.0 * M_PI * z);
}

void check_task(const Task& task, const std::string& source) {
  auto require = [&](bool ok, const std::string& fault) {
    if (!ok) throw InputError(source, fault);
  };
  switch (task.kind) {
    case Task::Kind::sines:
    case Task::Kind::flower:
      require(task.amplitudes.size() == task.frequencies.size(),
              "task.amplitudes and task.frequencies differ in number");
      [[fallthrough]];
    case Task::Kind::flower_classify:
      require(!task.frequencies.empty(), "task.frequencies is empty");
      require(task.samples >= 2, "task.samples must be at least 2");
      break;
    case Task::Kind::random_rgb:
      require(task.width >= 2 && task.height >= 2,
              "the random image must be at least 2 x 2 pixels (task.width, task.height)");
      break;
    case Task::Kind::image:
      require(!task.image_path.empty(), "the image task needs an image path (task.image)");
      break;
  }
}

Dataset make_dataset(const Task& task, std::uint64_t seed) {
  check_task(task, "task");
  Dataset data;
  const auto n = static_cast<Eigen::Index>(task.samples);
  switch (task.kind) {
    case Task::Kind::sines: {
      const auto phi = phases(task.frequencies.size(), seed);
      data.inputs.resize(n, 1);
      data.targets.resize(n, 1);
      for (Eigen::Index j = 0; j < n; ++j) {
        const double z = static_cast<double>(j) / static_cast<double>(n);
        data.inputs(j, 0) = z;
        data.targets(j, 0) = sine_mixture(task, phi, z);
      }
      data.domain = unit_box(1);
      data.description = "sum of " + std::to_string(task.frequencies.size()) + " sines on " + std::to_string(n) + " points of [0,1)";
      break;
    }
    case Task::Kind::flower:
    case Task::Kind::flower_classify: {
      const bool classify = task.kind == Task::Kind::flower_classify;
      Task single = task;
      if (classify) {  // Exp. 6: a single sine of unit amplitude, thresholded
        single.frequencies.resize(1);
        single.amplitudes.assign(1, 1.0);
      }
      const auto phi = phases(single.frequencies.size(), seed);
      data.inputs.resize(n, 2);
      data.targets.resize(n, 1);
      for (Eigen::Index j = 0; j < n; ++j) {
        const double z = static_cast<double>(j) / static_cast<double>(n);
        flower_point(task.petals, z, data.inputs(j, 0), data.inputs(j, 1));
        const double value = sine_mixture(single, phi, z);
        data.targets(j, 0) = classify ? (value > task.threshold ? 1.0 : 0.0) : value;
      }
      data.domain = flower_box();
      data.description = std::string(classify ? "thresholded sine" : "sum of sines") + " on the flower curve with " +
                         std::to_string(task.petals) + " petals, " + std::to_string(n) + " points";
      break;
    }
    case Task::Kind::random_rgb: {
      Random random(seed, Stream::data);
      data.inputs = pixel_coordinates(task.width, task.height);
      data.targets.resize(data.inputs.rows(), 3);
      for (Eigen::Index i = 0; i < data.targets.rows(); ++i)
        for (int c = 0; c < 3; ++c) data.targets(i, c) = random.uniform();
      data.domain = unit_box(2);
      data.description = "random RGB image " + std::to_string(task.width) + "x" + std::to_string(task.height);
      break;
    }
    case Task::Kind::image:
      return image_dataset(task.image_path);
  }
  return data;
}

}  // namespace relutope
