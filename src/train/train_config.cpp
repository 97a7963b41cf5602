#include "relutope/train/train_config.hpp"

#include "json_input.hpp"
#include "relutope/error.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace relutope {
namespace {

using nlohmann::json;

std::vector<double> arithmetic(double first, double step, int count) {
  std::vector<double> values;
  for (int i = 0; i < count; ++i) values.push_back(first + step * i);
  return values;
}

// Rahaman et al. Exp. 1 as their notebook runs it: 6 Linear layers of width 256, Adam 3e-4,
// full batch, 60,000 iterations, a snapshot every 100.
TrainConfig rahaman_sines(bool increasing) {
  TrainConfig c;
  c.preset = increasing ? "rahaman-sines-increasing" : "rahaman-sines";
  c.task.kind = Task::Kind::sines;
  c.task.frequencies = arithmetic(5, 5, 10);
  c.task.amplitudes = increasing ? arithmetic(0.1, 0.1, 10) : std::vector<double>(10, 1.0);
  c.task.samples = 200;
  c.hidden = {256, 256, 256, 256, 256};
  c.lr = 3e-4;
  c.batch_size = 0;
  c.steps = 60000;
  c.snapshot_every = 100;
  return c;
}

// Lazzari & Liu Sec. 3: 2 hidden layers of 128, Adam 1e-3, minibatches of 256, a 64x64 random
// RGB image; 1000 epochs of 16 minibatches (their Fig. 3a), a snapshot every 10 epochs.
TrainConfig lazzari(bool positional) {
  TrainConfig c;
  c.preset = positional ? "lazzari-random-rgb-pe" : "lazzari-random-rgb";
  c.task.kind = Task::Kind::random_rgb;
  c.hidden = {128, 128};
  if (positional) c.encoding = {Encoding::Type::positional, 8};
  c.lr = 1e-3;
  c.batch_size = 256;
  c.steps = 16000;
  c.snapshot_every = 160;
  return c;
}

// Rahaman et al. Exp. 5 (regression on the flower curve) and Exp. 6 (its thresholded single
// sine, BCE), with Exp. 1's network and optimizer.
TrainConfig rahaman_flower(bool classify) {
  TrainConfig c = rahaman_sines(false);
  c.preset = classify ? "rahaman-flower-classify" : "rahaman-flower";
  c.task.kind = classify ? Task::Kind::flower_classify : Task::Kind::flower;
  c.task.samples = 1000;
  if (classify) {
    c.task.frequencies = {200};
    c.task.amplitudes = {1.0};
    c.task.petals = 20;
    c.loss = TrainConfig::Loss::bce;
  } else {
    c.task.frequencies = arithmetic(20, 20, 10);
    c.task.amplitudes.assign(10, 1.0);
    c.task.petals = 10;
  }
  return c;
}

template <class T>
T get(const json& value, const std::string& key, const std::string& source) {
  try {
    return value.get<T>();
  } catch (const json::exception&) {
    throw InputError(source, "'" + key + "' has the wrong type (" + std::string(value.type_name()) + ")");
  }
}

// An integer key: a JSON integer (not 1.9, not 1e12) that T holds, so that nothing is truncated
// or wrapped on the way in; check_train_config judges the value.
template <class T>
T integer(const json& value, const std::string& key, const std::string& source) {
  using limits = std::numeric_limits<T>;
  if (!value.is_number_integer()) throw InputError(source, "'" + key + "' must be an integer, got " + value.dump());
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    if (v <= static_cast<std::uint64_t>(limits::max())) return static_cast<T>(v);
    throw InputError(source,
                     "'" + key + "' is " + value.dump() + ", above the largest allowed " + std::to_string(limits::max()));
  }
  const auto v = value.get<std::int64_t>();
  if (v >= static_cast<std::int64_t>(limits::min()) &&
      (v < 0 || static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(limits::max())))
    return static_cast<T>(v);
  throw InputError(source, "'" + key + "' is " + value.dump() + ", outside " + std::to_string(limits::min()) + ".." +
                               std::to_string(limits::max()));
}

const json& json_object(const json& value, const std::string& key, const std::string& source) {
  if (!value.is_object()) throw InputError(source, "'" + key + "' must be an object, got " + value.dump());
  return value;
}

void check_keys(const json& object, const std::set<std::string>& allowed, const std::string& where,
                const std::string& source) {
  for (const auto& item : object.items())
    if (!allowed.count(item.key())) throw InputError(source, "unknown key '" + where + item.key() + "'");
}

Task::Kind task_kind(const std::string& name, const std::string& source) {
  if (name == "sines") return Task::Kind::sines;
  if (name == "flower") return Task::Kind::flower;
  if (name == "flower-classify") return Task::Kind::flower_classify;
  if (name == "random-rgb") return Task::Kind::random_rgb;
  if (name == "image") return Task::Kind::image;
  throw InputError(source, "unknown task kind '" + name + "' (sines, flower, flower-classify, random-rgb, image)");
}

void apply_task(const json& t, Task& task, const std::string& source) {
  check_keys(json_object(t, "task", source),
             {"kind", "frequencies", "amplitudes", "samples", "petals", "threshold", "width", "height", "image"}, "task.",
             source);
  if (t.contains("kind")) task.kind = task_kind(get<std::string>(t["kind"], "task.kind", source), source);
  if (t.contains("frequencies")) task.frequencies = get<std::vector<double>>(t["frequencies"], "task.frequencies", source);
  if (t.contains("amplitudes")) task.amplitudes = get<std::vector<double>>(t["amplitudes"], "task.amplitudes", source);
  if (t.contains("samples")) task.samples = integer<int>(t["samples"], "task.samples", source);
  if (t.contains("petals")) task.petals = integer<int>(t["petals"], "task.petals", source);
  if (t.contains("threshold")) task.threshold = get<double>(t["threshold"], "task.threshold", source);
  if (t.contains("width")) task.width = integer<int>(t["width"], "task.width", source);
  if (t.contains("height")) task.height = integer<int>(t["height"], "task.height", source);
  if (t.contains("image")) task.image_path = get<std::string>(t["image"], "task.image", source);
}

}  // namespace

std::vector<std::string> preset_names() {
  return {"rahaman-sines", "rahaman-sines-increasing", "lazzari-random-rgb", "lazzari-random-rgb-pe",
          "rahaman-flower", "rahaman-flower-classify"};
}

TrainConfig preset(const std::string& name) {
  if (name == "rahaman-sines") return rahaman_sines(false);
  if (name == "rahaman-sines-increasing") return rahaman_sines(true);
  if (name == "lazzari-random-rgb") return lazzari(false);
  if (name == "lazzari-random-rgb-pe") return lazzari(true);
  if (name == "rahaman-flower") return rahaman_flower(false);
  if (name == "rahaman-flower-classify") return rahaman_flower(true);
  std::string known;
  for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("--preset", "unknown preset '" + name + "' (known: " + known + ")");
}

namespace {
// The configuration of a JSON document; `path` names it in errors.
TrainConfig train_config(const json& doc, const std::string& path) {
  if (!doc.is_object()) throw InputError(path, "expected a JSON object");
  check_keys(doc, {"preset", "task", "hidden", "encoding", "activation", "optimizer", "lr", "betas", "eps", "momentum",
                   "weight_decay", "loss", "batch_size", "steps", "seed", "snapshot_every"}, "", path);
  TrainConfig c;
  if (doc.contains("preset")) {
    try {
      c = preset(get<std::string>(doc["preset"], "preset", path));
    } catch (const InputError& e) {
      throw InputError(path, e.what());
    }
  }
  if (doc.contains("task")) apply_task(doc["task"], c.task, path);
  if (doc.contains("hidden")) {
    const json& hidden = doc["hidden"];
    if (!hidden.is_array()) throw InputError(path, "'hidden' must be an array of widths, got " + hidden.dump());
    c.hidden.clear();
    for (size_t i = 0; i < hidden.size(); ++i)
      c.hidden.push_back(integer<int>(hidden[i], "hidden[" + std::to_string(i) + "]", path));
  }
  if (doc.contains("encoding")) {
    const json& e = json_object(doc["encoding"], "encoding", path);
    check_keys(e, {"type", "L", "order", "include_input"}, "encoding.", path);
    const std::string type = get<std::string>(e.value("type", json("identity")), "encoding.type", path);
    if (type == "identity") c.encoding = {};
    else if (type == "positional") c.encoding = {Encoding::Type::positional, integer<int>(e.value("L", json(8)), "encoding.L", path)};
    else throw InputError(path, "unknown encoding type '" + type + "' (identity or positional)");
    if (e.contains("order")) c.encoding.order = parse_order(get<std::string>(e["order"], "encoding.order", path), path);
    if (e.contains("include_input")) c.encoding.include_input = get<bool>(e["include_input"], "encoding.include_input", path);
  }
  if (doc.contains("activation")) c.activation = parse_activation(get<std::string>(doc["activation"], "activation", path), path);
  if (doc.contains("optimizer")) {
    const std::string name = get<std::string>(doc["optimizer"], "optimizer", path);
    if (name == "adam") c.optimizer = TrainConfig::Optimizer::adam;
    else if (name == "sgd") c.optimizer = TrainConfig::Optimizer::sgd;
    else throw InputError(path, "unknown optimizer '" + name + "' (adam or sgd)");
  }
  if (doc.contains("lr")) c.lr = get<double>(doc["lr"], "lr", path);
  if (doc.contains("betas")) {
    const auto betas = get<std::vector<double>>(doc["betas"], "betas", path);
    if (betas.size() != 2) throw InputError(path, "'betas' must hold two numbers");
    c.beta1 = betas[0];
    c.beta2 = betas[1];
  }
  if (doc.contains("eps")) c.eps = get<double>(doc["eps"], "eps", path);
  if (doc.contains("momentum")) c.momentum = get<double>(doc["momentum"], "momentum", path);
  if (doc.contains("weight_decay")) c.weight_decay = get<double>(doc["weight_decay"], "weight_decay", path);
  if (doc.contains("loss")) {
    const std::string name = get<std::string>(doc["loss"], "loss", path);
    if (name == "mse") c.loss = TrainConfig::Loss::mse;
    else if (name == "bce") c.loss = TrainConfig::Loss::bce;
    else throw InputError(path, "unknown loss '" + name + "' (mse or bce)");
  }
  if (doc.contains("batch_size")) c.batch_size = integer<int>(doc["batch_size"], "batch_size", path);
  if (doc.contains("steps")) c.steps = integer<long>(doc["steps"], "steps", path);
  if (doc.contains("seed")) c.seed = integer<std::uint64_t>(doc["seed"], "seed", path);
  if (doc.contains("snapshot_every")) c.snapshot_every = integer<long>(doc["snapshot_every"], "snapshot_every", path);
  check_train_config(c, path);
  return c;
}
}  // namespace

TrainConfig read_train_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot open the file");
  return train_config(internal::parse_json(in, path), path);
}

TrainConfig parse_train_config(const std::string& text, const std::string& source) {
  std::istringstream in(text);
  return train_config(internal::parse_json(in, source), source);
}

void check_train_config(const TrainConfig& c, const std::string& source) {
  auto require = [&](bool ok, const std::string& fault) {
    if (!ok) throw InputError(source, fault);
  };
  require(!c.hidden.empty(), "at least one hidden layer is needed ('hidden')");
  for (int w : c.hidden) require(w >= 1, "hidden widths must be positive");
  require(c.encoding.type == Encoding::Type::identity || (c.encoding.L >= 1 && c.encoding.L <= 30),
          "positional encoding needs L in 1..30");
  require(std::isfinite(c.lr) && c.lr > 0, "lr must be positive");
  require(c.beta1 >= 0 && c.beta1 < 1 && c.beta2 >= 0 && c.beta2 < 1, "betas must lie in [0, 1)");
  require(c.eps > 0, "eps must be positive");
  require(c.momentum >= 0 && c.momentum < 1, "momentum must lie in [0, 1)");
  require(c.weight_decay >= 0, "weight_decay must be non-negative");
  require(c.batch_size >= 0, "batch_size must be non-negative (0: full batch)");
  require(c.steps >= 1, "steps must be at least 1");
  require(c.snapshot_every >= 0, "snapshot_every must be non-negative");
  const bool binary = c.task.kind == Task::Kind::flower_classify;
  require(c.loss != TrainConfig::Loss::bce || binary || c.task.kind == Task::Kind::random_rgb ||
              c.task.kind == Task::Kind::image,
          "the bce loss needs targets in [0,1] (flower-classify, random-rgb or image tasks)");
  check_task(c.task, source);
}

}  // namespace relutope
