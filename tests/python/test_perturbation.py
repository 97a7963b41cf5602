"""Perturbation robustness (Rahaman et al. Exp. 2) against an independent route: the parameters
perturbed by torch itself (parameters_to_vector's order), the perturbed network's exact 1D
partition in Fractions and its Fourier integral in closed form in mpmath (oracle.py)."""
import copy

import matplotlib
import numpy as np
import pytest
import torch

import oracle
import relutope
from conftest import mlp

matplotlib.use("Agg")


def oracle_magnitudes(module, frequencies):
    """|c(k)| of output 0 on [0, 1] of a torch module, from its exact partition."""
    pieces = oracle.partition_1d(oracle.exact_layers_of_torch(module), 0, 1)
    return np.array([float(abs(oracle.coefficient_1d(pieces, 0, 1, k))) for k in frequencies])


def oracle_robustness(module, deltas, frequencies, directions):
    """Mean and standard deviation over the directions of |c_theta(k)| / |c_theta*(k)|, with
    theta = theta* + delta d / |d| set by torch's vector_to_parameters."""
    theta = torch.nn.utils.parameters_to_vector(module.parameters()).detach()
    reference = oracle_magnitudes(module, frequencies)
    ratios = np.empty((len(deltas), len(directions), len(frequencies)))
    for j, delta in enumerate(deltas):
        for s, d in enumerate(directions):
            moved = copy.deepcopy(module)
            unit = torch.tensor(d / np.linalg.norm(d), dtype=torch.float64)
            torch.nn.utils.vector_to_parameters(theta + delta * unit, moved.parameters())
            ratios[j, s] = oracle_magnitudes(moved, frequencies) / reference
    return ratios.mean(axis=1), ratios.std(axis=1), reference


def small_net():
    """1-6-5-1 with its kinks spread over [0, 1]."""
    return mlp([1, 6, 5, 1], seed=4, scale=0.5)


def test_robustness_against_the_independent_route():
    module = small_net()
    net = relutope.Network.from_torch(module, domain=[0, 1])
    deltas, frequencies = [0, 0.3, 1.0], [1, 2, 3.5]
    directions = np.random.default_rng(2).normal(size=(3, net.parameter_count)) * 7  # scaled to unit norm inside
    result = relutope.perturbation_robustness(net, deltas, frequencies, directions=directions, progress=False)
    mean, spread, reference = oracle_robustness(module, deltas, frequencies, directions)
    assert result.robustness.shape == result.spread.shape == (3, 3)
    np.testing.assert_allclose(result.reference, reference, rtol=1e-9)
    np.testing.assert_allclose(result.robustness, mean, rtol=1e-8)
    np.testing.assert_allclose(result.spread, spread, rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(result.deltas, deltas)
    np.testing.assert_array_equal(result.frequencies, frequencies)
    assert result.certified_digits >= 6
    # A perturbation this large moves the spectrum: not every ratio stays 1.
    assert np.abs(result.robustness[2] - 1).max() > 1e-3


def test_random_directions_are_reproducible_and_delta_zero_is_one():
    net = relutope.Network.from_torch(small_net(), domain=[0, 1])
    run = lambda seed: relutope.perturbation_robustness(net, [0, 0.2], [1, 2], samples=4, seed=seed,  # noqa: E731
                                                        progress=False)
    first, again, other = run(5), run(5), run(6)
    np.testing.assert_array_equal(first.robustness, again.robustness)
    np.testing.assert_array_equal(first.spread, again.spread)
    assert not np.array_equal(first.robustness[1], other.robustness[1])
    np.testing.assert_array_equal(first.robustness[0], [1.0, 1.0])
    np.testing.assert_array_equal(first.spread[0], [0.0, 0.0])


def test_domain_defaults_to_the_networks_then_unit_interval():
    module = small_net()
    net = relutope.Network.from_torch(module)
    assert net.domain is None
    result = relutope.perturbation_robustness(net, [0], [2], samples=1, progress=False)
    np.testing.assert_allclose(result.reference, oracle_magnitudes(module, [2]), rtol=1e-9)
    # On [0, 1/2], the coefficient is another integral.
    half = relutope.perturbation_robustness(net, [0], [2], samples=1, domain="0,1/2", progress=False)
    assert abs(half.reference[0] - result.reference[0]) > 1e-6


@pytest.mark.parametrize("call, fault", [
    (lambda net, two: relutope.perturbation_robustness(two, [0.1], [1]), "net:"),
    (lambda net, two: relutope.perturbation_robustness(net, [-0.1], [1]), "deltas:"),
    (lambda net, two: relutope.perturbation_robustness(net, [], [1]), "deltas:"),
    (lambda net, two: relutope.perturbation_robustness(net, [0.1], []), "frequencies:"),
    (lambda net, two: relutope.perturbation_robustness(net, [0.1], [1], samples=0), "samples:"),
    (lambda net, two: relutope.perturbation_robustness(net, [0.1], [1], directions=np.ones((2, 3))), "directions:"),
    (lambda net, two: relutope.perturbation_robustness(net, [0.1], [1], directions=np.zeros((1, net.parameter_count))),
     "directions:"),
    (lambda net, two: relutope.perturbation_robustness(net, [0.1], [1], domain=[0, 1, 0, 1]), "--domain:"),
])
def test_bad_input_is_a_one_line_value_error(call, fault):
    net = relutope.Network.from_torch(small_net(), domain=[0, 1])
    two = relutope.Network.from_torch(mlp([2, 4, 1], seed=1), domain=[0, 1, 0, 1])
    with pytest.raises(ValueError) as error:
        call(net, two)
    message = str(error.value)
    assert message.startswith(fault) and "\n" not in message, message


def test_plot_is_the_clipped_heatmap_delta_upwards():
    net = relutope.Network.from_torch(small_net(), domain=[0, 1])
    result = relutope.perturbation_robustness(net, [0, 0.5, 2], [1, 2, 3, 4], samples=3, progress=False)
    ax = relutope.plot.perturbation(result)
    image = ax.get_images()[0]
    shown = image.get_array()
    assert shown.shape == (3, 4)
    np.testing.assert_array_equal(shown, np.clip(result.robustness, 0, 1))
    np.testing.assert_array_equal(shown[0], 1)
    assert image.origin == "lower"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "0.5", "2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4"]
    assert "δ" in ax.get_ylabel() or "delta" in ax.get_ylabel()
