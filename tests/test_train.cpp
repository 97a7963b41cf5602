// The trainer: gradients against finite differences of an independent loss, optimizer steps
// against their formulas, datasets against the papers' definitions, loss going down, determinism.
#include "helpers.hpp"

#include "relutope/train/dataset.hpp"
#include "relutope/measures/dynamics.hpp"
#include "relutope/error.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/train/train.hpp"
#include "train/thread_pool.hpp"

#include <cairo.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <bitset>
#include <cmath>
#include <complex>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

using namespace relutope;
using namespace relutope::test;
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

// torch.optim.Adam's step (torch 1.13, single-tensor path) on one parameter, written from its
// source independently of the trainer: exp_avg.mul_(beta1).add_(grad, alpha=1-beta1),
// exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2), denom = exp_avg_sq.sqrt() /
// sqrt(bias_correction2) + eps, param.addcdiv_(exp_avg, denom, value=-step_size). Rounded as
// torch's vectorised CPU kernels round: add_ with alpha is one fused multiply-add, as is
// addcmul's product and sum (checked against Debian's torch 1.13.1, bit for bit); addcdiv
// computes param + (value * exp_avg) / denom, left to right.
struct AdamReference {
  double m = 0, v = 0;
  double step(const TrainConfig& c, long t, double p, double g) {
    if (c.weight_decay != 0) g = std::fma(c.weight_decay, p, g);  // grad.add(param, alpha=weight_decay)
    m = std::fma(1 - c.beta1, g, m * c.beta1);
    v = std::fma((1 - c.beta2) * g, g, v * c.beta2);
    const double bias_correction1 = 1 - std::pow(c.beta1, static_cast<double>(t));
    const double bias_correction2 = 1 - std::pow(c.beta2, static_cast<double>(t));
    const double step_size = c.lr / bias_correction1;
    const double denom = std::sqrt(v) / std::sqrt(bias_correction2) + c.eps;
    return p + (-step_size * m) / denom;
  }
};

// A small task, two sines on 32 points, for a network of the given hidden widths.
TrainConfig two_sines(const std::vector<int>& hidden) {
  TrainConfig config;
  config.task.frequencies = {1, 3};
  config.task.amplitudes = {1, 0.5};
  config.task.samples = 32;
  config.hidden = hidden;
  return config;
}

// A config file in `dir` holding `text`; its path.
std::string config_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir / name;
  std::ofstream(path) << text;
  return path;
}

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

TEST_CASE("every preset's loss goes down in a few hundred steps", "[train][presets][slow]") {
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

namespace {

// The loss and gradient as the trainer computed them on one thread before it had threads (its
// code, kept as the reference): whole-matrix products, layer by layer. The threaded trainer cuts
// them into blocks, and must still equal this bit for bit.
LossGradient serial_loss_gradient(const Network& net, const MatD& X, const MatD& Y, Loss loss) {
  const MatD input = encode(net.encoding, X).transpose();
  const MatD target = Y.transpose();
  const size_t layers = net.layers.size();
  std::vector<MatD> z(layers), a(layers);
  const MatD* in = &input;
  for (size_t l = 0; l < layers; ++l) {
    const Layer& layer = net.layers[l];
    z[l].noalias() = layer.weight * *in;
    z[l].colwise() += layer.bias;
    if (layer.activation.has_kink()) activate(layer.activation, z[l], a[l]);
    in = layer.activation.has_kink() ? &a[l] : &z[l];
  }
  const MatD& out = *in;
  const double count = static_cast<double>(out.size());
  LossGradient result;
  MatD back;
  if (loss == Loss::mse) {
    MatD residual;
    residual.noalias() = out - target;
    back.noalias() = (2.0 / count) * residual;
    result.loss = residual.squaredNorm() / count;
  } else {
    const auto zz = out.array();
    const auto y = target.array();
    const double sum = (zz.max(0.0) - zz * y + (-zz.abs()).exp().log1p()).sum();
    back = ((zz.unaryExpr([](double v) {
              return v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v));
            }) - y) / count).matrix();
    result.loss = sum / count;
  }
  result.layers = net.layers;
  MatD delta;
  for (size_t l = layers; l-- > 0;) {
    backpropagate(net.layers[l].activation, z[l], back, delta);
    const MatD& previous = l ? (net.layers[l - 1].activation.has_kink() ? a[l - 1] : z[l - 1]) : input;
    result.layers[l].weight.noalias() = delta * previous.transpose();
    result.layers[l].bias = delta.rowwise().sum();
    if (l == 0) break;
    back.noalias() = net.layers[l].weight.transpose() * delta;
  }
  return result;
}

long differing_gradients(const LossGradient& a, const LossGradient& b) {
  long n = same_bits(a.loss, b.loss) ? 0 : 1;
  for (size_t l = 0; l < a.layers.size(); ++l)
    n += differing_bits(a.layers[l].weight, b.layers[l].weight) + differing_bits(a.layers[l].bias, b.layers[l].bias);
  return n;
}

// Networks and batches that the threads cut into blocks: hundreds of points, not a multiple of
// the blocks' 8 columns; widths that are not multiples of Eigen's packets, and layers with 64 or
// more inputs, whose weights' gradient is cut into blocks of columns too; one output (Eigen's
// matrix-vector products) or several; both losses, an encoding, LeakyReLU.
std::vector<std::pair<std::string, Problem>> threaded_problems() {
  std::vector<std::pair<std::string, Problem>> problems;
  auto add = [&](const std::string& name, const Encoding& encoding, const std::vector<int>& hidden, int outputs,
                 Eigen::Index points, Loss loss, const Activation& activation) {
    Problem p;
    std::vector<int> widths{encoding.features(2)};
    widths.insert(widths.end(), hidden.begin(), hidden.end());
    widths.push_back(outputs);
    p.net = initial_network(2, encoding, widths, 5);
    for (size_t l = 0; l + 1 < p.net.layers.size(); ++l) p.net.layers[l].activation = activation;
    p.X = (MatD::Random(points, 2).array() * 0.5 + 0.5).matrix();
    p.Y = loss == Loss::mse ? MatD(MatD::Random(points, outputs))
                            : MatD((MatD::Random(points, outputs).array() > 0).cast<double>());
    problems.emplace_back(name, p);
  };
  add("mse, 2 -> 100 -> 75 -> 3 on 301 points", {}, {100, 75}, 3, 301, Loss::mse, Activation::relu());
  add("bce, positional L = 2 -> 37 -> 1 on 203 points, LeakyReLU", {Encoding::Type::positional, 2}, {37}, 1, 203,
      Loss::bce, Activation::leaky_relu(0.1));
  add("mse, 2 -> 64 x 3 -> 1 on 1000 points", {}, {64, 64, 64}, 1, 1000, Loss::mse, Activation::relu());
  return problems;
}

}  // namespace

TEST_CASE("the threaded gradient is the single-threaded code's, bit for bit", "[train][threads]") {
  for (const auto& [name, p] : threaded_problems())
    for (const Loss loss : {Loss::mse, Loss::bce}) {
      if (loss == Loss::bce && (p.Y.array() * (1 - p.Y.array())).abs().maxCoeff() > 0) continue;  // targets in {0,1}
      const LossGradient serial = serial_loss_gradient(p.net, p.X, p.Y, loss);
      for (int threads : {1, 2, 3, 4, 7}) {
        INFO(name << ", " << threads << " threads");
        const LossGradient threaded = loss_gradient(p.net, p.X, p.Y, loss, threads);
        CHECK(differing_gradients(threaded, serial) == 0);
        // Not only in the bits that matter: the gradient is a gradient.
        CHECK(threaded.loss == Approx(reference_loss(p.net, p.X, p.Y, loss)).epsilon(1e-12));
      }
    }
}

TEST_CASE("training on threads follows the single-threaded code step by step", "[train][threads]") {
  // Three Adam steps with the reference's gradient and the reference's Adam (checked bit for bit
  // against torch's above), on a full batch that the threads cut into blocks.
  TrainConfig config = two_sines({70, 20});
  config.task.samples = 300;
  config.steps = 3;
  config.seed = 4;
  const Dataset data = make_dataset(config.task, config.seed);
  Network expected = initial_network(1, {}, {1, 70, 20, 1}, config.seed);
  std::vector<std::vector<AdamReference>> state;
  for (const Layer& layer : expected.layers) state.emplace_back(layer.weight.size() + layer.bias.size());
  for (long t = 1; t <= config.steps; ++t) {
    const LossGradient g = serial_loss_gradient(expected, data.inputs, data.targets, Loss::mse);
    for (size_t l = 0; l < expected.layers.size(); ++l) {
      Layer& layer = expected.layers[l];
      const Eigen::Index w = layer.weight.size();
      for (Eigen::Index i = 0; i < w; ++i)
        layer.weight.data()[i] =
            state[l][static_cast<size_t>(i)].step(config, t, layer.weight.data()[i], g.layers[l].weight.data()[i]);
      for (Eigen::Index i = 0; i < layer.bias.size(); ++i)
        layer.bias[i] = state[l][static_cast<size_t>(w + i)].step(config, t, layer.bias[i], g.layers[l].bias[i]);
    }
  }
  for (int threads : {1, 2, 3}) {
    INFO(threads << " threads");
    CHECK(differing_weights(train(config, data, {}, "config", threads).net, expected) == 0);
  }
}

TEST_CASE("the trained network, losses and snapshots are the same to the bit on any number of threads",
          "[train][threads]") {
  struct Case {
    std::string name;
    TrainConfig config;
  };
  std::vector<Case> cases;
  {
    TrainConfig c = preset("lazzari-random-rgb");  // minibatches of 300: a short one ends each epoch
    c.hidden = {72, 40};
    c.batch_size = 300;
    c.steps = 20;
    c.snapshot_every = 7;
    cases.push_back({"lazzari-random-rgb, batches of 300", c});
  }
  {
    TrainConfig c = preset("rahaman-flower-classify");  // full batch of 1000, BCE, SGD with momentum
    c.hidden = {100, 20};
    c.optimizer = TrainConfig::Optimizer::sgd;
    c.lr = 0.05;
    c.momentum = 0.9;
    c.weight_decay = 1e-3;
    c.steps = 6;
    c.snapshot_every = 3;
    cases.push_back({"rahaman-flower-classify, SGD", c});
  }
  {
    TrainConfig c = preset("lazzari-random-rgb-pe");
    c.hidden = {24};
    c.activation = Activation::leaky_relu(0.1);
    c.batch_size = 512;
    c.steps = 10;
    c.snapshot_every = 5;
    cases.push_back({"lazzari-random-rgb-pe, LeakyReLU", c});
  }
  for (const Case& k : cases) {
    const Dataset data = make_dataset(k.config.task, k.config.seed);
    auto run = [&](int threads, std::vector<double>& snapshot_losses) {
      TrainObserver observer;
      observer.on_snapshot = [&](long, const Network&, double loss) { snapshot_losses.push_back(loss); };
      return train(k.config, data, observer, "config", threads);
    };
    std::vector<double> one_losses;
    const TrainResult one = run(1, one_losses);
    for (int threads : {2, 2, 3, 4}) {  // 2 twice: the same thread count twice gives the same too
      INFO(k.name << ", " << threads << " threads against 1");
      std::vector<double> losses;
      const TrainResult result = run(threads, losses);
      CHECK(differing_weights(result.net, one.net) == 0);
      CHECK(result.batch_loss == one.batch_loss);
      CHECK(same_bits(result.final_loss, one.final_loss));
      CHECK(losses == one_losses);
    }
  }
}

TEST_CASE("ThreadPool runs every task once, loop after loop, and passes on a task's exception", "[train][threads]") {
  for (int threads : {1, 2, 5}) {
    internal::ThreadPool pool(threads);
    CHECK(pool.threads() == threads);
    for (int count : {0, 1, 2, 7, 300}) {
      std::vector<std::atomic<int>> runs(static_cast<size_t>(count));
      for (int loop = 0; loop < 50; ++loop) pool.run(count, [&](int i) { runs[static_cast<size_t>(i)]++; });
      for (int i = 0; i < count; ++i) CHECK(runs[static_cast<size_t>(i)] == 50);
    }
    std::atomic<int> ran{0};
    CHECK_THROWS_WITH(pool.run(40,
                               [&](int i) {
                                 ran++;
                                 if (i % 10 == 3) throw std::runtime_error("task " + std::to_string(i));
                               }),
                      Catch::StartsWith("task "));
    CHECK(ran >= 1);  // TBB may cancel the tasks not yet started
    std::atomic<int> after{0};
    pool.run(9, [&](int) { after++; });
    CHECK(after == 9);
  }
  CHECK(internal::thread_count(3) == 3);
  CHECK(internal::thread_count(0) >= 1);
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

TEST_CASE("two Adam steps equal torch's operations, rounding for rounding", "[train]") {
  // Bit for bit: the reference rounds exactly as the trainer is meant to, and neither leaves a
  // multiply next to an add for the compiler to fuse, so any difference is a fault in the order.
  TrainConfig config = two_sines({5, 4});
  config.steps = 2;
  config.seed = 9;
  const Dataset data = make_dataset(config.task, config.seed);
  for (const auto& [lr, weight_decay, beta1, beta2] :
       std::vector<std::tuple<double, double, double, double>>{{1e-2, 0.0, 0.9, 0.999}, {3e-2, 0.01, 0.8, 0.99}}) {
    config.lr = lr;
    config.weight_decay = weight_decay;
    config.beta1 = beta1;
    config.beta2 = beta2;
    INFO("lr " << lr << ", weight_decay " << weight_decay << ", betas " << beta1 << ", " << beta2);
    Network expected = initial_network(1, {}, {1, 5, 4, 1}, config.seed);
    std::vector<std::vector<AdamReference>> state;
    for (const Layer& layer : expected.layers) state.emplace_back(layer.weight.size() + layer.bias.size());
    for (long t = 1; t <= 2; ++t) {
      const LossGradient g = loss_gradient(expected, data.inputs, data.targets, Loss::mse);
      for (size_t l = 0; l < expected.layers.size(); ++l) {
        Layer& layer = expected.layers[l];
        const Eigen::Index w = layer.weight.size();
        for (Eigen::Index i = 0; i < w; ++i)
          layer.weight.data()[i] = state[l][static_cast<size_t>(i)].step(config, t, layer.weight.data()[i],
                                                                          g.layers[l].weight.data()[i]);
        for (Eigen::Index i = 0; i < layer.bias.size(); ++i)
          layer.bias[i] = state[l][static_cast<size_t>(w + i)].step(config, t, layer.bias[i], g.layers[l].bias[i]);
      }
    }
    const Network trained = train(config, data).net;
    CHECK(differing_weights(trained, expected) == 0);
    CHECK(differing_weights(trained, initial_network(1, {}, {1, 5, 4, 1}, config.seed)) > 0);
  }
}

TEST_CASE("minibatches: every sample once an epoch, the last batch short", "[train]") {
  // Sample i has target -M 4^i, so a batch's mean squared error times its size, over M^2, is
  // sum over its samples of 16^i (the network's outputs, of order 1, shift it by < 1e-3): its
  // hexadecimal digits are the batch's members. An lr far below the weights' ulps keeps the
  // network fixed.
  const int n = 7, batch = 3;
  const double M = 1e8;
  Dataset data;
  data.inputs.resize(n, 1);
  data.targets.resize(n, 1);
  for (int i = 0; i < n; ++i) {
    data.inputs(i, 0) = i / double(n);
    data.targets(i, 0) = -M * std::pow(4.0, i);
  }
  data.domain = parse_box("0,1", "test");
  TrainConfig config = two_sines({4});  // the data are ours, the task is only checked
  config.optimizer = TrainConfig::Optimizer::sgd;
  config.lr = 1e-300;
  config.batch_size = batch;
  config.steps = 3 * 3;  // three epochs of batches of 3, 3 and 1
  const TrainResult result = train(config, data);
  REQUIRE(result.batch_loss.size() == 9);
  std::set<unsigned long> first_batches;
  for (int epoch = 0; epoch < 3; ++epoch) {
    unsigned long seen = 0;
    for (int k = 0; k < 3; ++k) {
      const int size = k < 2 ? batch : n - 2 * batch;
      const double sum = result.batch_loss[static_cast<size_t>(3 * epoch + k)] * size / (M * M);
      const double members = std::round(sum);
      INFO("epoch " << epoch << ", batch " << k << ": " << sum);
      CHECK(std::abs(sum - members) < 1e-2);
      unsigned long mask = 0;
      auto digits = static_cast<unsigned long>(members);
      for (int i = 0; i < n; ++i, digits /= 16) {
        CHECK(digits % 16 <= 1);  // no sample twice in a batch
        if (digits % 16 == 1) mask |= 1ul << i;
      }
      CHECK(digits == 0);
      CHECK(std::bitset<n>(mask).count() == static_cast<size_t>(size));
      CHECK((seen & mask) == 0);  // no sample twice in an epoch
      seen |= mask;
      if (k == 0) first_batches.insert(mask);
    }
    CHECK(seen == (1ul << n) - 1);  // every sample once
  }
  CHECK(first_batches.size() > 1);  // reshuffled between epochs
}

TEST_CASE("regression: a diverging run stops at its first non-finite step", "[train]") {
  TrainConfig config = two_sines({16, 16});
  config.optimizer = TrainConfig::Optimizer::sgd;
  config.lr = 1e6;
  config.steps = 50;
  config.snapshot_every = 1;
  long last_snapshot = -1, last_step = 0;
  TrainObserver observer;
  observer.on_step = [&](long step, double loss) {
    CHECK(std::isfinite(loss));
    last_step = step;
  };
  observer.on_snapshot = [&](long step, const Network& net, double loss) {
    CHECK(std::isfinite(loss));
    CHECK_NOTHROW(check_network(net, "snapshot"));  // every weight finite
    last_snapshot = step;
  };
  const Dataset data = make_dataset(config.task, config.seed);
  std::string message;
  try {
    train(config, data, observer, "div.json");
  } catch (const InputError& e) {
    message = e.what();
  }
  const std::string head = "div.json: training diverged at step ";
  REQUIRE_THAT(message, Catch::StartsWith(head) && Catch::EndsWith("): lower the lr"));
  // Step N's batch loss, or the whole data's loss after step N, is the first that is not finite:
  // the snapshots stop at step N - 1.
  const long step = std::stol(message.substr(head.size()));
  INFO(message);
  CHECK(step > 1);
  CHECK(step < 50);
  CHECK(last_snapshot == step - 1);
  CHECK((last_step == step - 1 || last_step == step));
}

TEST_CASE("read_train_config reads a config file and names it in every fault", "[train][config]") {
  TempDir dir;
  SECTION("a preset with overrides") {
    const TrainConfig c = read_train_config(config_file(dir, "good.json", R"({"preset": "lazzari-random-rgb",
      "task": {"kind": "random-rgb", "width": 8, "height": 6}, "hidden": [7, 5],
      "encoding": {"type": "positional", "L": 3}, "optimizer": "sgd", "lr": 0.05, "momentum": 0.5,
      "weight_decay": 0.001, "loss": "bce", "batch_size": 16, "steps": 12, "seed": 18446744073709551615,
      "snapshot_every": 4})"));
    CHECK(c.preset == "lazzari-random-rgb");
    CHECK(c.task.kind == Task::Kind::random_rgb);
    CHECK(c.task.width == 8);
    CHECK(c.task.height == 6);
    CHECK(c.hidden == std::vector<int>{7, 5});
    CHECK(c.encoding == Encoding{Encoding::Type::positional, 3});
    CHECK(c.optimizer == TrainConfig::Optimizer::sgd);
    CHECK(c.lr == 0.05);
    CHECK(c.momentum == 0.5);
    CHECK(c.weight_decay == 0.001);
    CHECK(c.loss == Loss::bce);
    CHECK(c.batch_size == 16);
    CHECK(c.steps == 12);
    CHECK(c.seed == 18446744073709551615ull);
    CHECK(c.snapshot_every == 4);
  }
  SECTION("no preset: what the task needs, and hidden") {
    const TrainConfig c = read_train_config(config_file(
        dir, "bare.json", R"({"task": {"frequencies": [2, 4], "amplitudes": [1, 0.5], "samples": 40}, "hidden": [6]})"));
    CHECK(c.preset.empty());
    CHECK(c.task.kind == Task::Kind::sines);
    CHECK(c.task.samples == 40);
    const Dataset data = make_dataset(c.task, c.seed);
    CHECK(data.inputs.rows() == 40);
  }
  SECTION("unknown keys, wrong types, values out of range and inconsistent tasks") {
    for (const auto& [text, fault] : std::vector<std::pair<std::string, std::string>>{
             {R"({"preset": "rahaman-sines", "stepz": 5})", "unknown key 'stepz'"},
             {R"({"preset": "rahaman-sines", "task": {"sample": 5}})", "unknown key 'task.sample'"},
             {R"({"preset": "rahaman-sines", "encoding": null})", "'encoding' must be an object"},
             {R"({"preset": "rahaman-sines", "encoding": []})", "'encoding' must be an object"},
             {R"({"preset": "rahaman-sines", "encoding": 5})", "'encoding' must be an object"},
             {R"({"preset": "rahaman-sines", "task": null})", "'task' must be an object"},
             {R"({"preset": "rahaman-sines", "encoding": {"type": "positional", "L": 2.5}})", "'encoding.L' must be an integer"},
             {R"({"preset": "rahaman-sines", "hidden": [1.9]})", "'hidden[0]' must be an integer"},
             {R"({"preset": "rahaman-sines", "hidden": 4})", "'hidden' must be an array"},
             {R"({"preset": "rahaman-sines", "steps": 1.9})", "'steps' must be an integer"},
             {R"({"preset": "rahaman-sines", "steps": "5"})", "'steps' must be an integer"},
             {R"({"preset": "rahaman-sines", "seed": -1})", "'seed' is -1"},
             {R"({"preset": "rahaman-sines", "batch_size": 3000000000})", "'batch_size' is 3000000000"},
             {R"({"preset": "rahaman-sines", "task": {"samples": 1e12}})", "'task.samples' must be an integer"},
             {R"({"preset": "rahaman-sines", "task": {"samples": 1000000000000}})", "'task.samples' is 1000000000000"},
             {R"({"preset": "rahaman-sines", "task": {"samples": 1}})", "task.samples must be at least 2"},
             {R"({"preset": "rahaman-sines", "task": {"width": 7.5}})", "'task.width' must be an integer"},
             {R"({"preset": "rahaman-sines", "lr": "fast"})", "'lr' has the wrong type"},
             {R"({"preset": "rahaman-sines", "lr": -1})", "lr must be positive"},
             {R"({"preset": "rahaman-sines", "loss": "bce"})", "the bce loss needs targets in [0,1]"},
             {R"({"preset": "no-such"})", "unknown preset 'no-such'"},
             {R"({"task": {"kind": "sines", "frequencies": [1], "amplitudes": [1]}})", "at least one hidden layer"},
             {R"({"hidden": [4]})", "task.frequencies is empty"},
             {R"({"hidden": [4], "task": {"frequencies": [1, 2], "amplitudes": [1]}})", "differ in number"},
             {R"({"hidden": [4], "task": {"kind": "image"}})", "image path"},
             {R"({"hidden": [4], "task": {"kind": "random-rgb", "width": 1}})", "at least 2 x 2"},
             {R"([1, 2])", "expected a JSON object"},
             {R"({"preset": )", "malformed JSON"}}) {
      const std::string path = config_file(dir, "bad.json", text);
      INFO(text);
      CHECK_THROWS_WITH(read_train_config(path), Catch::StartsWith(path + ": ") && Catch::Contains(fault));
    }
  }
}

TEST_CASE("SnapshotWriter writes what read_snapshots reads, the index whole after every snapshot", "[train][snapshots]") {
  TempDir dir;
  const std::string run = (dir.path / "run").string();
  Network net;
  net.input_dim = 1;
  net.layers.push_back({MatD::Constant(2, 1, 0.5), VecD::Constant(2, -0.25), Activation::relu()});
  net.layers.push_back({MatD::Constant(1, 2, 1.5), VecD::Constant(1, 0), Activation::identity()});
  SnapshotWriter writer(run, "rahaman-sines", MatD::Constant(2, 1, 0.5), MatD::Constant(2, 1, 1.0));
  writer.add(0, net, 0.5);
  CHECK(read_snapshots(run).size() == 1);  // readable mid-run
  writer.add(100, net, 0.125);
  writer.write_losses({0.75, 0.5});
  const std::vector<Snapshot> snapshots = read_snapshots(run);
  REQUIRE(snapshots.size() == 2);
  CHECK(snapshots[1].step == 100);
  CHECK(snapshots[1].loss == 0.125);
  const Network back = read_network(snapshots[1].path);
  CHECK(back.meta.at("step") == "100");
  CHECK(back.meta.at("preset") == "rahaman-sines");
  CHECK(differing_weights(back, net) == 0);
  CHECK(lines_of((dir.path / "run" / "losses.csv").string()) == std::vector<std::string>{"step,batch_loss", "1,0.75", "2,0.5"});
  // a directory that cannot be made: a file stands in its way
  std::ofstream((dir.path / "file").string()) << "x";
  CHECK_THROWS_AS(SnapshotWriter((dir.path / "file" / "run").string(), "", MatD(0, 1), MatD(0, 1)), InputError);
}

TEST_CASE("The training data beside the snapshots reads back bit for bit; a malformed file is refused by line", "[train][snapshots]") {
  TempDir dir;
  const std::string run = (dir.path / "run").string();
  CHECK(!read_training_data(run));  // a directory of an older run: no data, no error
  TrainingData data{MatD(3, 2), MatD(3, 1)};
  data.inputs << 0.1, 1.0 / 3, -0.0, 5e-324, 1e300, 2.0 / 63;  // shortest decimals, a subnormal, -0
  data.targets << std::nextafter(1.0, 2.0), -7.25, 0.7;
  std::filesystem::create_directories(run);
  write_training_data(run, data);
  const std::string path = (dir.path / "run" / "data.csv").string();
  CHECK(lines_of(path).front() == "x0,x1,y0");
  const std::optional<TrainingData> back = read_training_data(run);
  REQUIRE(back);
  REQUIRE(back->inputs.rows() == 3);
  REQUIRE(back->inputs.cols() == 2);
  REQUIRE(back->targets.cols() == 1);
  for (Eigen::Index i = 0; i < 3; ++i) {
    for (Eigen::Index j = 0; j < 2; ++j) CHECK(std::memcmp(&back->inputs(i, j), &data.inputs(i, j), sizeof(double)) == 0);
    CHECK(std::memcmp(&back->targets(i, 0), &data.targets(i, 0), sizeof(double)) == 0);
  }
  for (const auto& [text, fault] : std::vector<std::pair<std::string, std::string>>{
           {"x0,y0\n0.5\n", "line 2: expected 2 numbers"},
           {"x0,y0\n0.5,abc\n", "line 2: 'abc' is not a finite number"},
           {"x0,y0\n0.5,nan\n", "line 2: 'nan' is not a finite number"},
           {"x0,y0\n0.5,1,\n", "line 2: expected 2 numbers"},
           {"a,b\n0.5,1\n", "line 1: expected the header"},
           {"x0,y0\n", "no samples"}}) {
    std::ofstream(path) << text;
    INFO(text);
    CHECK_THROWS_WITH(read_training_data(run), Catch::StartsWith(path + ": ") && Catch::Contains(fault));
  }
}

TEST_CASE("regression: a config nested 200000 levels deep is refused without overflowing the stack", "[train][config]") {
  // The message for a wrong "hidden" printed the value (nlohmann's dump()), which recursed once
  // per level and crashed relutope. Found reviewing the readers; the input is made here.
  TempDir dir;
  const std::string path =
      config_file(dir, "deep.json", R"({"hidden": [)" + std::string(200000, '[') + std::string(200000, ']') + "]}");
  CHECK_THROWS_WITH(read_train_config(path), Catch::StartsWith(path + ": JSON nested more than 100 levels deep"));
}

TEST_CASE("regression: a snapshot index with a malformed step or loss is refused", "[train][snapshots]") {
  // std::stol and std::stod read a prefix: "12abc" was step 12, "1e3" step 1 and "0.5x" a loss of
  // 0.5. Found reviewing the readers (fuzz_snapshots checks only for crashes).
  for (const std::string line : {"12abc,0.5,a.json", "1e3,0.5,a.json", "12,0.5x,a.json", ",0.5,a.json", "12,,a.json"}) {
    INFO(line);
    TempDir dir;
    std::ofstream(dir / "snapshots.csv") << "step,loss,file\n" << line << "\n";
    CHECK_THROWS_WITH(read_snapshots(dir.path.string()), dir / "snapshots.csv" + ": line 2: expected step,loss,file");
  }
  TempDir dir;
  std::ofstream(dir / "snapshots.csv") << "step,loss,file\n12,nan,a.json\n";  // a diverged run's last loss
  CHECK(read_snapshots(dir.path.string()).front().step == 12);
}
