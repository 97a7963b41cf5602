"""Lazzari & Liu Figs. 1-4 (examples/lazzari_fig*.py) run whole in quick mode, and each figure
shows what an independent computation gives: numpy forward passes of the networks' weights, the
positional encoding from its formula (CONTRACT.md "Encodings"), distances in numpy. Also the
plot functions they use, on hand-made inputs."""
import importlib
import os
import pathlib
import re
import subprocess
import sys
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib import pyplot as plt
from matplotlib.collections import LineCollection

import relutope
from conftest import numpy_forward
from relutope import plot

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))  # the examples' own modules, for their figure() functions


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One run cache for the module: each example trains once, in its subprocess."""
    return tmp_path_factory.mktemp("runs")


def run_example(name, out, runs):
    """Runs examples/NAME.py in quick mode, checks it wrote its PDF and PNG, and returns its
    module and arguments (for the figure, built again from the run cache) and its stdout."""
    arguments = ["--out", str(out), "--runs", str(runs), "--quiet"]
    done = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *arguments],
                          env=dict(os.environ, MPLBACKEND="Agg"), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    for extension in ("pdf", "png"):
        assert (out / f"{name}.{extension}").stat().st_size > 10_000
    module = importlib.import_module(name)
    return module, module.arguments(arguments), done.stdout


def panels(fig):
    """The figure's panels (the axes with a title), colour bars left out."""
    return [ax for ax in fig.axes if ax.get_title()]


def numbers(text):
    return [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)]


def encode(x, levels):
    """gamma(x) by its formula, relutope's default order: per level, sin of every input, then cos."""
    parts = []
    for level in range(levels):
        parts += [np.sin(2.0**level * np.pi * x), np.cos(2.0**level * np.pi * x)]
    return np.concatenate(parts, axis=1)


def forward(net, x):
    """The network's outputs and patterns by numpy from its weights, its encoding applied first."""
    if net.encoding != "identity":
        x = encode(x, int(re.search(r"L=(\d+)", net.encoding).group(1)))
    return numpy_forward([layer.weight for layer in net.layers], [layer.bias for layer in net.layers], x)


def distinct(patterns):
    return len(np.unique(patterns, axis=0))


CENTRES = np.stack(np.meshgrid((np.arange(64) + 0.5) / 64, (np.arange(64) + 0.5) / 64), axis=-1).reshape(-1, 2)


# --- the examples -----------------------------------------------------------------------------------

def test_fig1_images_are_the_networks_outputs(tmp_path, runs):
    module, args, stdout = run_example("lazzari_fig1", tmp_path, runs)
    target, coordinates, encoding = panels(module.figure(args))
    assert [ax.get_title().split("\n")[0] for ax in (target, coordinates, encoding)] == [
        "Target", "(a) Coordinates", "(b) Positional encoding L=8"]
    # The target is the test card, as read back from its 8-bit PNG (matplotlib truncates to 8 bits).
    assert np.abs(target.images[0].get_array() - module.test_card()).max() <= 1 / 255 + 1e-12
    results = module.runs(args)
    inputs, targets = results["(a) Coordinates"].inputs, results["(a) Coordinates"].targets
    for ax, run in zip((coordinates, encoding), results.values()):
        learned = np.clip(forward(run.network, inputs)[0], 0, 1)
        assert np.abs(ax.images[0].get_array() - learned.reshape(64, 64, 3)).max() < 1e-9
        psnr = 10 * np.log10(1 / np.mean((learned - targets) ** 2))
        assert f"PSNR {psnr:.1f} dB" in ax.get_title()
    assert "PSNR" in stdout


def test_fig1_refuses_a_file_that_is_not_a_png(tmp_path, runs):
    bad = tmp_path / "picture.png"
    bad.write_text("not an image")
    done = subprocess.run([sys.executable, str(EXAMPLES / "lazzari_fig1.py"), "--image", str(bad), "--out",
                           str(tmp_path / "out"), "--runs", str(runs), "--quiet"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"lazzari_fig1: --image: {bad}: not a PNG file"]
    assert not (tmp_path / "out").exists()


def test_fig2_counts_are_the_sampled_patterns(tmp_path, runs):
    module, args, _ = run_example("lazzari_fig2", tmp_path, runs)
    fig = module.figure(args)
    a, b, c, d = panels(fig)
    assert [ax.get_title()[:3] for ax in (a, b, c, d)] == ["(a)", "(b)", "(c)", "(d)"]
    coordinates, encoding = module.initial_networks(args)
    exact, sampled = numbers(a.get_title().split(":")[1])[:1] + numbers(a.get_title().split("\n")[1])[:1]
    assert sampled == distinct(forward(coordinates, CENTRES)[1])
    # Each region holds at least one of the points of a fine grid that fall in it.
    fine = np.stack(np.meshgrid(*[(np.arange(400) + 0.5) / 400] * 2), axis=-1).reshape(-1, 2)
    assert exact >= distinct(forward(coordinates, fine)[1]) > sampled
    assert numbers(b.get_title())[1:3] == [distinct(forward(encoding, CENTRES)[1]), 4096]
    # (c): one line for each first-layer neuron whose line crosses the square: signs differ at its corners.
    w, bias = coordinates.layers[0].weight, coordinates.layers[0].bias
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]) @ w.T + bias
    crossing = np.sum((corners.min(axis=0) < 0) & (corners.max(axis=0) > 0))
    lines = [collection for collection in c.collections if isinstance(collection, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == crossing
    assert len(d.collections) > 0  # the zero sets' contours


def test_fig3_curves_end_at_the_final_networks_counts(tmp_path, runs):
    module, args, stdout = run_example("lazzari_fig3", tmp_path, runs)
    loss, growth = panels(module.figure(args))
    assert loss.get_title() == "(a) Training Loss" and growth.get_title() == "(b) Activation Region Growth"
    assert len(loss.get_lines()) == 2
    curves = {line.get_label(): line.get_ydata() for line in growth.get_lines()}
    assert set(curves) == {"coordinates: exact regions", "coordinates: sampled, 64 per axis",
                           "encoding L=8: sampled, 64 per axis", "4096 pixels"}
    results = module.runs(args)
    coordinates, encoding = results["coordinates"].network, results["encoding L=8"].network
    assert curves["coordinates: sampled, 64 per axis"][-1] == distinct(forward(coordinates, CENTRES)[1])
    assert curves["coordinates: exact regions"][-1] >= curves["coordinates: sampled, 64 per axis"][-1]
    assert curves["encoding L=8: sampled, 64 per axis"][-1] == distinct(forward(encoding, CENTRES)[1])
    assert loss.get_lines()[0].get_xdata()[-1] == 100  # epochs
    assert "exact regions" in stdout


def test_fig4_matrices_are_the_distances(tmp_path, runs):
    module, args, _ = run_example("lazzari_fig4", tmp_path, runs)
    fig = module.figure(args)
    assert [ax.get_title() for ax in panels(fig)] == ["(a) Coordinates", "(b) Encoding L=5", "(c) Encoding L=16"]
    r, c = np.divmod(np.arange(256), 16)
    points = np.stack([c, r], axis=1) / 15
    for ax, features in zip(panels(fig), (points, encode(points, 5), encode(points, 16))):
        expected = np.sqrt(((features[:, None, :] - features[None, :, :]) ** 2).sum(axis=-1))
        assert np.abs(ax.images[0].get_array() - expected).max() < 1e-9


# --- the plot functions they use ----------------------------------------------------------------------

def test_image_puts_pixel_r_c_at_row_r_column_c():
    values = np.zeros((3 * 2, 3))
    values[1 * 3 + 2] = (1, 0, 0)  # pixel (row 1, column 2) of a 3 x 2 image
    values[0] = (2, -1, 0.5)  # clipped to [0, 1]
    drawn = plot.image(values, 3, 2).images[0].get_array()
    assert drawn.shape == (2, 3, 3)
    assert drawn[1, 2].tolist() == [1, 0, 0] and drawn[0, 0].tolist() == [1, 0, 0.5]
    with pytest.raises(ValueError, match="plot.image"):
        plot.image(values, 2, 2)


def test_first_layer_zero_sets_pass_through_the_sign_changes():
    # Neuron 0: x1 = 1/2 (a line); neuron 1: w = 0, no zero set; under the encoding (L = 1),
    # sin(pi x1) = 1/2: x1 = 1/6 and 5/6, two vertical curves.
    net = relutope.Network.from_arrays([[[1.0, 0.0], [0.0, 0.0]], [[1.0, 1.0]]], [[-0.5, 1.0], [0.0]],
                                       domain=[0, 1, 0, 1])
    lines = plot.first_layer(net).collections[0].get_segments()
    assert len(lines) == 1 and np.allclose(lines[0][:, 0], 0.5)
    encoded = relutope.Network.from_arrays([[[1.0, 0, 0, 0], [0, 0, 0, 0]], [[1.0, 1.0]]], [[-0.5, 1.0], [0.0]],
                                           encoding="positional:L=1", domain=[0, 1, 0, 1])
    ax = plot.first_layer(encoded, resolution=601)
    x = np.concatenate([path.vertices[:, 0] for contour in ax.collections for path in contour.get_paths()])
    assert np.all(np.minimum(abs(x - 1 / 6), abs(x - 5 / 6)) < 1e-3) and np.any(x < 0.5) and np.any(x > 0.5)


def test_training_loss_is_the_mean_of_each_epoch():
    line = plot.training_loss([4, 2, 1, 1, 9], per=2).get_lines()[0]
    assert line.get_xdata().tolist() == [1, 2] and line.get_ydata().tolist() == [3, 1]
    with pytest.raises(ValueError, match="no whole epoch"):
        plot.training_loss([1.0], per=2)


def test_region_growth_draws_exact_counts_only_where_they_exist():
    dynamics = SimpleNamespace(steps=np.array([0, 16, 32]), regions=np.array([10, 12, 15]), sampled=np.array([5, 6, 6]),
                               resolution=64)
    ax = plot.region_growth(dynamics, per=16, label="coordinates")
    exact, sampled = ax.get_lines()
    assert exact.get_xdata().tolist() == [0, 1, 2] and exact.get_ydata().tolist() == [10, 12, 15]
    assert sampled.get_ydata().tolist() == [5, 6, 6] and sampled.get_color() == exact.get_color()
    curved = SimpleNamespace(steps=dynamics.steps, regions=np.full(3, -1), sampled=dynamics.sampled, resolution=64)
    assert [line.get_label() for line in plot.region_growth(curved).get_lines()] == ["sampled, 64 per axis"]
