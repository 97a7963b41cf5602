"""Rahaman et al. Figs. 1 and 9 (examples/rahaman_fig1.py, rahaman_fig9.py) in quick mode, each
minutes of training, checked against independent computations: Fig. 1's last spectrum against
trapezoid quadrature of a numpy forward pass and its spectral norms against numpy's SVD; Fig. 9's
accuracies against numpy forward passes over the runs' data, and that data against gamma_L."""
import json
import re

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib import pyplot as plt

import paper_runs
import rahaman_fig1
import rahaman_fig9
import relutope
from conftest import cached_runs, layers_of, numpy_forward, run_example


def quadrature_amplitude(net, run, frequencies, intervals=2**16):
    """2|c(k_i)|/A_i with c(k) = integral over [0, 1] of f(z) exp(-2 pi i k z) dz by the trapezoid
    rule on a numpy forward pass (error ~ 1/intervals^2), A_i from the targets' DFT."""
    z = np.arange(intervals + 1) / intervals
    f, _ = numpy_forward(*layers_of(net), z[:, None])
    weights = np.full(intervals + 1, 1.0 / intervals)
    weights[[0, -1]] /= 2
    k = np.asarray(frequencies)
    c = (weights * f[:, 0]) @ np.exp(-2j * np.pi * np.outer(z, k))
    amplitude = 2 * np.abs(np.fft.fft(run.targets[:, 0])[k.astype(int)]) / len(run.targets)
    return 2 * np.abs(c) / amplitude


def test_fig1_exact_spectrum_and_norms_over_training(tmp_path):
    printed = run_example("rahaman_fig1", tmp_path / "out", tmp_path / "runs")
    dynamics, runs = {}, {}
    for letter, (preset, _) in rahaman_fig1.PANELS.items():
        runs[letter] = paper_runs.trained(cached_runs(tmp_path / "runs"), {"preset": preset}, **rahaman_fig1.QUICK)
        dynamics[letter] = relutope.spectrum_dynamics(runs[letter].snapshots, progress=False)
    fig = rahaman_fig1.figure(dynamics)
    snapshots = rahaman_fig1.QUICK["steps"] // rahaman_fig1.QUICK["every"] + 1
    assert len(fig.subfigs) == 2
    for subfig, (letter, run) in zip(fig.subfigs, runs.items()):
        assert [t.get_text() for t in subfig.texts] == [f"({letter}) {rahaman_fig1.PANELS[letter][1]}"]
        heat, norms = subfig.axes[:2]  # the heatmap and the spectral norms (then the colour bar)
        image = np.asarray(heat.images[0].get_array())
        assert image.shape == (snapshots, 10)
        # The last step's spectrum is the network's: quadrature of its numpy forward pass.
        expected = quadrature_amplitude(run.network, run, dynamics[letter].frequencies)
        np.testing.assert_allclose(image[-1], np.clip(expected, 0, 1), atol=1e-5)
        # The paper's estimate, the DFT of the 200 training outputs, is as far from it as printed.
        outputs, _ = numpy_forward(*layers_of(run.network), run.inputs)
        k = dynamics[letter].frequencies.astype(int)
        dft = np.abs(np.fft.fft(outputs[:, 0])[k]) / np.abs(np.fft.fft(run.targets[:, 0])[k])
        gap = float(re.search(rf"\({letter}\).*max \|difference\| (\S+)", printed).group(1))
        assert abs(gap - np.max(np.abs(expected - dft))) <= 0.01 * gap + 1e-5
        # One spectral-norm curve a layer, each the largest singular value (numpy's SVD) of every snapshot.
        lines = norms.get_lines()
        assert len(lines) == len(run.network.layers) == 6
        for layer, line in enumerate(lines):
            steps, values = line.get_data()
            np.testing.assert_array_equal(steps, [s.step for s in run.snapshots])
            expected_norms = [np.linalg.norm(s.network.layers[layer].weight, 2) for s in run.snapshots]
            np.testing.assert_allclose(values, expected_norms, rtol=1e-9)
    plt.close(fig)


def test_fig9_training_accuracies_of_the_binarized_sine_on_the_flower(tmp_path):
    quick = rahaman_fig9.QUICK
    run_example("rahaman_fig9", tmp_path / "out", tmp_path / "runs")
    table = rahaman_fig9.accuracies(cached_runs(tmp_path / "runs"), **quick)
    fig = rahaman_fig9.figure(table, quick["frequencies"], quick["petals"])
    image = np.asarray(fig.axes[0].images[0].get_array())
    assert image.shape == (len(quick["petals"]), len(quick["frequencies"]))
    directories = sorted((tmp_path / "runs").glob(f"{rahaman_fig9.PRESET}-{quick['steps']}-*"))
    assert len(directories) == image.size
    for directory in directories:
        task = json.loads((directory / "config.json").read_text())["task"]
        (k,), L = task["frequencies"], task["petals"]
        data = np.load(directory / "run.npz")
        inputs, targets = data["inputs"], data["targets"][:, 0]
        # The data: N = 1000 points gamma_L(z_i), z_i = i/1000, labelled by a sine of frequency k,
        # which changes class 2k times around the closed curve.
        z = np.arange(1000) / 1000
        radius = 1 + np.sin(2 * np.pi * L * z) / 2
        np.testing.assert_allclose(inputs, np.stack([radius * np.cos(2 * np.pi * z), radius * np.sin(2 * np.pi * z)], 1),
                                   atol=1e-12)
        assert set(np.unique(targets)) == {0.0, 1.0}
        assert np.sum(targets != np.roll(targets, 1)) == 2 * k
        # The cell: the final network's accuracy on that data, from a numpy forward pass.
        final = relutope.read_snapshots(directory / "snapshots")[-1]
        assert final.step == quick["steps"]
        logits, _ = numpy_forward(*layers_of(final.network), inputs)
        accuracy = np.mean((logits[:, 0] > 0) == (targets > 0.5))
        cell = quick["petals"].index(L), quick["frequencies"].index(k)
        assert image[cell] == accuracy, (k, L)
    plt.close(fig)
