#pragma once
// The regression and classification tasks of the reference papers, as training data.
#include "relutope/domain.hpp"
#include "relutope/exact.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace relutope {

/// A task: what to learn. Which fields matter depends on the kind.
struct Task {
  enum class Kind {
    sines,            // Rahaman Exp. 1: lambda(z) = sum_i A_i sin(2 pi k_i z + phi_i), z = j/N
    flower,           // Rahaman Exp. 5: the same signal on the flower curve gamma_L(z) in R^2
    flower_classify,  // Rahaman Exp. 6: [sin(2 pi k z + phi) > threshold] on gamma_L(z), BCE
    random_rgb,       // Lazzari & Liu: a width x height image of uniform random RGB values
    image             // any PNG: pixel coordinates -> RGB in [0,1]
  };
  Kind kind = Kind::sines;
  std::vector<double> frequencies;  // k_i (sines, flower; flower_classify uses the first)
  std::vector<double> amplitudes;   // A_i, one per frequency
  int samples = 200;                // N equally spaced z = j/N, j = 0..N-1 (sines, flower)
  int petals = 0;                   // L of gamma_L (flower kinds); 0 is the unit circle
  double threshold = 0.5;           // flower_classify
  int width = 64, height = 64;      // random_rgb
  std::string image_path;           // image
};

/// Training data: inputs #samples x input_dim, targets #samples x output_dim.
struct Dataset {
  MatD inputs;
  MatD targets;
  Box domain;                  // the box the inputs live in, for the analyses
  std::string description;     // one line: what the data is
};

/// Checks that the task's fields fit its kind: frequencies (and, but for flower_classify, as
/// many amplitudes) and at least 2 samples for the sine kinds, an image of at least 2 x 2 pixels
/// for random_rgb, a path for image. Throws InputError(source, fault).
void check_task(const Task& task, const std::string& source);

/// Builds the task's data, after check_task(task, "task"). Random parts (phases, random
/// pixels) are drawn from `seed`.
/// Pixel (row r, column c) of a W x H image has coordinates (c/(W-1), r/(H-1)) in [0,1]^2.
/// Throws InputError for an unreadable image or inconsistent task fields.
Dataset make_dataset(const Task& task, std::uint64_t seed);

/// The flower curve gamma_L(z) = (1 + sin(2 pi L z)/2) (cos 2 pi z, sin 2 pi z).
void flower_point(int petals, double z, double& x, double& y);

}  // namespace relutope
