// The trainer: gradients against finite differences of an independent loss, optimizer steps
// against their formulas, datasets against the papers' definitions, loss going down, determinism.
#include "relutope/dataset.hpp"
#include "relutope/error.hpp"
#include "relutope/train.hpp"

#include <cairo.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <filesystem>

using namespace relutope;
using Loss = TrainConfig::Loss;

namespace {

// The loss written from its definition over relutope::evaluate, independent of the trainer.
double reference_loss(const Network& net, const MatD& X, const MatD& Y, Loss loss) {
  const MatD out = evaluate(net, X).values;
  double sum = 0.0;
  for (Eigen::Index i = 0; i < out.rows(); ++i)
    for (Eigen::Index j = 0; j < out.cols(); ++j) {
      const double z = out(i, j), y = Y(i, j);
      sum += loss == Loss::mse ? (z - y) * (z - y) : -(y * std::log(1 / (1 + std::exp(-z))) + (1 - y) * std::log(1 - 1 / (1 + std::exp(-z))));
    }
  return sum / static_cast<double>(out.size());
}

struct Problem {
  Network net;
  MatD X, Y;
};

Problem small_problem(const Encoding& encoding, Loss loss) {
  Problem p;
  p.net = initial_network(2, encoding, {encoding.features(2), 6, 5, 2}, 7);
  p.X = (MatD::Random(9, 2).array() * 0.5 + 0.5).matrix();
  p.Y = loss == Loss::mse ? MatD(MatD::Random(9, 2)) : MatD((MatD::Random(9, 2).array() > 0).cast<double>());
  return p;
}

}  // namespace

TEST_CASE("backpropagation matches finite differences", "[train]") {
  for (const Loss loss : {Loss::mse, Loss::bce})
    for (const Encoding encoding : {Encoding{}, Encoding{Encoding::Type::positional, 2}}) {
      Problem p = small_problem(encoding, loss);
      const LossGradient g = loss_gradient(p.net, p.X, p.Y, loss);
      CHECK(g.loss == Approx(reference_loss(p.net, p.X, p.Y, loss)).epsilon(1e-13));
      for (size_t l = 0; l < p.net.layers.size(); ++l) {
        auto check_entry = [&](double& parameter, double analytic) {
          const double h = 1e-6, saved = parameter;
          parameter = saved + h;
          const double up = reference_loss(p.net, p.X, p.Y, loss);
          parameter = saved - h;
          const double down = reference_loss(p.net, p.X, p.Y, loss);
          parameter = saved;
          CHECK(analytic == Approx((up - down) / (2 * h)).margin(1e-8).epsilon(1e-6));
        };
        Layer& layer = p.net.layers[l];
        for (Eigen::Index i = 0; i < layer.weight.rows(); ++i) {
          for (Eigen::Index j = 0; j < layer.weight.cols(); ++j) check_entry(layer.weight(i, j), g.layers[l].weight(i, j));
          check_entry(layer.bias[i], g.layers[l].bias[i]);
        }
      }
    }
}

TEST_CASE("initialisation is PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in))", "[train]") {
  const Network net = initial_network(2, {}, {2, 400, 300}, 3);
  const MatD& w = net.layers[1].weight;
  const double bound = 1 / std::sqrt(400.0);
  CHECK(w.cwiseAbs().maxCoeff() <= bound);
  CHECK(net.layers[1].bias.cwiseAbs().maxCoeff() <= bound);
  // 120,000 uniform draws: mean 0 and variance bound^2/3 to well within 1%.
  CHECK(w.mean() == Approx(0).margin(0.01 * bound));
  CHECK(w.array().square().mean() == Approx(bound * bound / 3).epsilon(0.01));
}

TEST_CASE("one optimizer step follows the update formula", "[train]") {
  TrainConfig config;
  config.task.kind = Task::Kind::sines;
  config.task.frequencies = {1};
  config.task.amplitudes = {1};
  config.task.samples = 16;
  config.hidden = {4};
  config.steps = 1;
  config.seed = 5;
  const Dataset data = make_dataset(config.task, config.seed);
  const Network start = initial_network(1, {}, {1, 4, 1}, config.seed);
  const LossGradient g = loss_gradient(start, data.inputs, data.targets, Loss::mse);

  SECTION("adam: the first step moves each parameter by lr g / (|g| + eps)") {
    config.lr = 0.01;
    const Network after = train(config, data).net;
    for (size_t l = 0; l < start.layers.size(); ++l) {
      const MatD& w0 = start.layers[l].weight;
      const MatD& gw = g.layers[l].weight;
      const MatD expected = w0.array() - config.lr * gw.array() / (gw.array().abs() + config.eps);
      CHECK((after.layers[l].weight - expected).cwiseAbs().maxCoeff() < 1e-15);
    }
  }
  SECTION("sgd: p - lr g") {
    config.optimizer = TrainConfig::Optimizer::sgd;
    config.lr = 0.1;
    const Network after = train(config, data).net;
    for (size_t l = 0; l < start.layers.size(); ++l) {
      const VecD expected = start.layers[l].bias - config.lr * g.layers[l].bias;
      CHECK((after.layers[l].bias - expected).cwiseAbs().maxCoeff() < 1e-15);
    }
  }
}

TEST_CASE("the sines target has exactly the preset's spectrum", "[train][dataset]") {
  for (const char* name : {"rahaman-sines", "rahaman-sines-increasing"}) {
    const TrainConfig c = preset(name);
    const Dataset data = make_dataset(c.task, 11);
    const Eigen::Index n = data.inputs.rows();
    REQUIRE(n == 200);
    CHECK(data.inputs(1, 0) == 1.0 / 200);
    // On 200 equispaced points the DFT at integer frequency k < 100 isolates A_k / 2.
    for (int k = 1; k < 60; ++k) {
      std::complex<double> sum = 0;
      for (Eigen::Index j = 0; j < n; ++j) sum += data.targets(j, 0) * std::polar(1.0, -2 * M_PI * k * j / n);
      const double amplitude = 2 * std::abs(sum) / n;
      double expected = 0;
      for (size_t i = 0; i < c.task.frequencies.size(); ++i)
        if (c.task.frequencies[i] == k) expected = c.task.amplitudes[i];
      CHECK(amplitude == Approx(expected).margin(1e-12));
    }
  }
}

TEST_CASE("flower inputs lie on gamma_L and classification targets are thresholded", "[train][dataset]") {
  const TrainConfig c = preset("rahaman-flower-classify");
  const Dataset data = make_dataset(c.task, 2);
  REQUIRE(data.inputs.rows() == 1000);
  for (Eigen::Index j = 0; j < 1000; j += 37) {
    const double z = j / 1000.0;
    CHECK(data.inputs.row(j).norm() == Approx(1 + std::sin(2 * M_PI * 20 * z) / 2).margin(1e-12));
    CHECK(std::cos(std::atan2(data.inputs(j, 1), data.inputs(j, 0)) - 2 * M_PI * z) == Approx(1).margin(1e-12));
    CHECK((data.targets(j, 0) == 0.0 || data.targets(j, 0) == 1.0));
  }
  // k = 200 on 1000 points: every period holds exactly 5 samples, so the labels repeat with
  // period 5, and sin(.) > 0.5 (a third of each period) takes 1 or 2 of the 5.
  for (Eigen::Index j = 0; j + 5 < 1000; ++j) CHECK(data.targets(j, 0) == data.targets(j + 5, 0));
  const double positives = data.targets.topRows(5).sum();
  CHECK((positives == 1 || positives == 2));
}

TEST_CASE("a PNG image becomes coordinates and RGB targets", "[train][dataset]") {
  const std::string path = (std::filesystem::temp_directory_path() / "relutope_test_image.png").string();
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 3, 2);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 0, 0);
  cairo_paint(cr);
  cairo_set_source_rgb(cr, 0, 0, 1);
  cairo_rectangle(cr, 2, 1, 1, 1);  // bottom-right pixel blue
  cairo_fill(cr);
  cairo_destroy(cr);
  cairo_surface_write_to_png(surface, path.c_str());
  cairo_surface_destroy(surface);

  Task task;
  task.kind = Task::Kind::image;
  task.image_path = path;
  const Dataset data = make_dataset(task, 0);
  REQUIRE(data.inputs.rows() == 6);
  CHECK(data.inputs(5, 0) == 1.0);
  CHECK(data.inputs(5, 1) == 1.0);
  CHECK(data.inputs(1, 0) == 0.5);
  CHECK(data.targets.row(0) == Eigen::RowVector3d(1, 0, 0));
  CHECK(data.targets.row(5) == Eigen::RowVector3d(0, 0, 1));
  std::filesystem::remove(path);

  task.image_path = path;  // now missing
  CHECK_THROWS_WITH(make_dataset(task, 0), Catch::Contains(path));
}

TEST_CASE("every preset's loss goes down in a few hundred steps", "[train][presets]") {
  for (const std::string& name : preset_names()) {
    TrainConfig c = preset(name);
    c.steps = name.rfind("rahaman-flower", 0) == 0 ? 60 : 200;
    c.snapshot_every = c.steps;
    double initial = 0;
    TrainObserver observer;
    observer.on_snapshot = [&](long step, const Network&, double loss) {
      if (step == 0) initial = loss;
    };
    const TrainResult result = train(c, make_dataset(c.task, c.seed), observer);
    INFO(name << ": " << initial << " -> " << result.final_loss);
    CHECK(result.final_loss < (1 - 1e-3) * initial);
  }
}

TEST_CASE("training is bit-for-bit deterministic for a seed", "[train]") {
  TrainConfig c = preset("lazzari-random-rgb");
  c.steps = 40;
  const Dataset data = make_dataset(c.task, c.seed);
  const Network a = train(c, data).net, b = train(c, data).net;
  for (size_t l = 0; l < a.layers.size(); ++l) {
    CHECK(a.layers[l].weight == b.layers[l].weight);
    CHECK(a.layers[l].bias == b.layers[l].bias);
  }
  c.seed = 1;
  CHECK(train(c, make_dataset(c.task, c.seed)).net.layers[0].weight != a.layers[0].weight);
}

TEST_CASE("bad configurations are refused", "[train]") {
  TrainConfig c = preset("rahaman-sines");
  c.lr = -1;
  CHECK_THROWS_AS(check_train_config(c, "cfg"), InputError);
  c = preset("rahaman-sines");
  c.loss = Loss::bce;  // sine targets are not in [0, 1]
  CHECK_THROWS_AS(check_train_config(c, "cfg"), InputError);
  CHECK_THROWS_WITH(preset("nope"), Catch::Contains("--preset") && Catch::Contains("rahaman-sines"));
}
