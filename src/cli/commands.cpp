#include "commands.hpp"

#include "output.hpp"
#include "relutope/error.hpp"
#include "relutope/network/network_io.hpp"
#include "relutope/points.hpp"
#include "read_options.hpp"
#include "python_command.hpp"
#include "regions_command.hpp"
#include "spectrum_command.hpp"
#include "train_command.hpp"

#include <memory>

namespace relutope::cli {
namespace {

std::string architecture(const Network& net) {
  std::string text = std::to_string(net.encoding.features(net.input_dim));
  for (const Layer& layer : net.layers) {
    text += " -> " + std::to_string(layer.weight.rows());
    if (layer.activation.kind != Activation::Kind::identity) text += " " + activation_name(layer.activation);
  }
  return text;
}


void info(const std::string& path, const ReadOptions& options, const std::string& json_target) {
  const Network net = read_network(path, options);
  nlohmann::json doc = {{"input_dim", net.input_dim},
                        {"output_dim", net.output_dim()},
                        {"widths", nlohmann::json::array()},
                        {"encoding", nlohmann::json::parse(encoding_json(net.encoding))},
                        {"hidden_neurons", net.hidden_neurons()},
                        {"parameters", net.parameter_count()},
                        {"domain", net.domain ? nlohmann::json::parse(domain_json(*net.domain)) : nlohmann::json(nullptr)},
                        {"meta", net.meta}};
  doc["widths"].push_back(net.encoding.features(net.input_dim));
  doc["activations"] = nlohmann::json::array();
  for (const Layer& layer : net.layers) {
    doc["widths"].push_back(layer.weight.rows());
    doc["activations"].push_back(activation_name(layer.activation));
  }
  write_json(doc, json_target);
  if (json_target == "-") return;
  std::cout << path << "\n"
            << "  architecture   " << architecture(net) << " (each width with the activation after it)\n"
            << "  inputs         " << net.input_dim << ", encoding " << encoding_spec(net.encoding) << "\n"
            << "  hidden neurons " << net.hidden_neurons() << "\n"
            << "  parameters     " << net.parameter_count() << "\n"
            << "  domain         " << (net.domain ? to_string(*net.domain) : "none (commands need --domain)") << "\n";
  for (const auto& [key, value] : net.meta) std::cout << "  " << key << ": " << value << "\n";
}

void convert(const std::string& in, const std::string& out, const ReadOptions& options, const std::string& domain) {
  Network net = read_network(in, options);
  if (!domain.empty()) {
    net.domain = parse_box(domain, "--domain");
    check_network(net, "--domain");
  }
  const NetworkFormat format = format_for_path(out);
  write_network(net, out, format);
  if (format == NetworkFormat::npz && (net.domain || !net.meta.empty()))
    std::cerr << "relutope: note: " << out << " keeps the weights only (an .npz has no domain or meta)\n";
}

void eval(const std::string& path, const ReadOptions& options, const std::string& points_path,
          const std::string& json_target) {
  const Network net = read_network(path, options);
  const Evaluation result = evaluate(net, read_points(points_path, net.input_dim));
  if (!json_target.empty()) {
    nlohmann::json values = nlohmann::json::array();
    for (Eigen::Index i = 0; i < result.values.rows(); ++i)
      values.push_back(std::vector<double>(result.values.row(i).begin(), result.values.row(i).end()));
    write_json({{"values", values}, {"patterns", result.patterns}}, json_target);
    return;
  }
  // CSV: the outputs in shortest round-trip form, then the pattern.
  for (Eigen::Index i = 0; i < result.values.rows(); ++i) {
    for (Eigen::Index j = 0; j < result.values.cols(); ++j) std::cout << shortest_decimal(result.values(i, j)) << ",";
    std::cout << result.patterns[static_cast<size_t>(i)] << "\n";
  }
}

}  // namespace

void add_commands(CLI::App& app, std::function<void()>& run) {
  // Options live as long as the app; the callbacks read them once parsing is done.
  struct Options {
    std::string net, out, points, json, domain;
    ReadFlags read;
  };
  auto o = std::make_shared<Options>();

  CLI::App* info_cmd = app.add_subcommand("info", "Architecture, parameter count, domain, encoding, provenance");
  info_cmd->add_option("NET", o->net, "Network file (.json, or a PyTorch state_dict: .npz, .pt/.pth, .safetensors)")->required();
  add_read_options(info_cmd, o->read);
  info_cmd->add_option("--json", o->json, "Also write the facts as JSON to FILE ('-' for stdout only)");
  info_cmd->callback([&run, o] { run = [o] { info(o->net, parse_read_options(o->read), o->json); }; });

  CLI::App* convert_cmd = app.add_subcommand("convert", "Convert between native JSON and PyTorch .npz (by OUT's suffix)");
  convert_cmd->add_option("IN", o->net, "Input network")->required();
  convert_cmd->add_option("OUT", o->out, "Output file: .npz writes a state_dict archive, anything else JSON")->required();
  convert_cmd->add_option("--domain", o->domain, "Attach the domain box a,b[,c,d,...] (exact decimals)");
  add_read_options(convert_cmd, o->read);
  convert_cmd->callback([&run, o] { run = [o] { convert(o->net, o->out, parse_read_options(o->read), o->domain); }; });

  CLI::App* eval_cmd = app.add_subcommand("eval", "Network outputs and activation patterns at points, in double precision");
  eval_cmd->add_option("NET", o->net, "Network file")->required();
  add_read_options(eval_cmd, o->read);
  eval_cmd->add_option("--points", o->points, "Points file: one point a line, coordinates separated by commas or whitespace")
      ->required();
  eval_cmd->add_option("--json", o->json,
                       "Write {\"values\", \"patterns\"} as JSON to FILE ('-': stdout); default: CSV on stdout");
  eval_cmd->callback([&run, o] { run = [o] { eval(o->net, parse_read_options(o->read), o->points, o->json); }; });

  add_train_command(app, run);
  add_regions_command(app, run);
  add_python_command(app, run, "figure", "Paper figures as vector PDF or SVG (or PNG)");
  add_python_command(app, run, "dynamics",
                     "Regions, norms, confusion, boundary distances over a run's snapshots, a row each");
  add_spectrum_command(app, run);
}

}  // namespace relutope::cli
