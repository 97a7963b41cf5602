// Evaluates relu(x) - 1 at x = 2 through the installed library.
#include <relutope/relutope.hpp>

int main() {
  relutope::Network net;
  net.input_dim = 1;
  net.layers = {{relutope::MatD::Ones(1, 1), relutope::VecD::Zero(1), relutope::Activation::relu()},
                {relutope::MatD::Ones(1, 1), -relutope::VecD::Ones(1), relutope::Activation::identity()}};
  relutope::check_network(net, "consumer");
  const auto result = relutope::evaluate(net, relutope::MatD::Constant(1, 1, 2.0));
  return result.values(0, 0) == 1.0 && result.patterns[0] == "1" ? 0 : 1;
}
