"""Lazzari & Liu Figs. 5-8 and 10 (examples/lazzari_fig*.py) run whole in quick mode, and each
figure plots what an independent computation gives for the final networks: a numpy forward pass
(with its own positional encoding), torch autograd for the per-pixel loss gradients, numpy SVDs,
and the exact region count of a line arrangement in Fractions."""
import itertools
import os
import pathlib
import subprocess
import sys
import types
from fractions import Fraction

import matplotlib
import numpy as np
import pytest
import torch

import relutope

matplotlib.use("Agg")

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

import lazzari_fig5  # noqa: E402
import lazzari_fig6  # noqa: E402
import lazzari_fig7  # noqa: E402
import lazzari_fig8  # noqa: E402
import lazzari_fig10  # noqa: E402
import paper_runs  # noqa: E402

WIDTH = 64  # the 64 x 64 image


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    """One run cache for the module: the examples and the tests train each run once."""
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def runs(runs_dir):
    """The quick runs the examples analyse, {name: Run}: coordinates, then encoding."""
    return paper_runs.lazzari_runs(types.SimpleNamespace(full=False, runs=runs_dir, threads=0, quiet=True))


def run_example(name, runs_dir, out):
    """Runs examples/<name>.py in quick mode and checks that it wrote its PDF and PNG."""
    done = subprocess.run([sys.executable, str(ROOT / "examples" / f"{name}.py"), "--out", str(out), "--runs",
                           str(runs_dir), "--quiet"], env=dict(os.environ, MPLBACKEND="Agg"), capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    for extension in ("pdf", "png"):
        assert (out / f"{name}.{extension}").stat().st_size > 10_000


def features(net, x):
    """The network's input features at the points x (n, 2): x itself, or the positional encoding
    written from its definition (order nerf: per level l, sin(2^l pi x_i) of every input, then cos)."""
    if net.encoding == "identity":
        return x
    levels = int(net.encoding.split(":")[1].removeprefix("L="))
    assert net.encoding == f"positional:L={levels}:order=nerf"
    return np.concatenate([f(2.0**level * np.pi * x) for level in range(levels) for f in (np.sin, np.cos)], axis=1)


def preactivations(net, a):
    """Each layer's pre-activations (n, width) in numpy, from the features a."""
    z = []
    for k, layer in enumerate(net.layers):
        z.append(a @ np.asarray(layer.weight).T + np.asarray(layer.bias))
        a = np.maximum(z[-1], 0)
    return z


def centres(resolution):
    """The centres of the R x R grid of cells of [0,1]^2."""
    c = (np.arange(resolution) + 0.5) / resolution
    return np.stack(np.meshgrid(c, c, indexing="ij"), axis=-1).reshape(-1, 2)


def last_points(ax):
    return [line.get_ydata()[-1] for line in ax.get_lines() if len(line.get_xdata()) > 2]


def gradient_cosines(net, x, y):
    """cos(i, j) between the gradients of pixel i's and pixel j's MSE loss wrt every weight and bias,
    from torch autograd: the gradient wrt layer l's (W, b) is (d a^T, d), d = dloss/dz the layer's
    pre-activation's, a its input; so <g_i, g_j> = sum_l (d_i.d_j)(a_i.a_j + 1)."""
    a = torch.tensor(features(net, x))
    inputs, outputs = [], []
    for k, layer in enumerate(net.layers):
        inputs.append(a.detach())
        z = a @ torch.tensor(np.asarray(layer.weight), requires_grad=True).T + torch.tensor(np.asarray(layer.bias))
        z.retain_grad()
        outputs.append(z)
        a = torch.relu(z) if k < len(net.layers) - 1 else z
    torch.nn.functional.mse_loss(a, torch.tensor(y), reduction="none").mean(dim=1).sum().backward()  # per pixel

    def dot(i, j):
        return sum((z.grad[i] * z.grad[j]).sum(1) * ((h[i] * h[j]).sum(1) + 1) for z, h in zip(outputs, inputs)).numpy()

    return lambda i, j: dot(i, j) / np.sqrt(dot(i, i) * dot(j, j))


def test_fig5_confusion_bounds_are_those_of_torch_gradients(runs, runs_dir, tmp_path):
    run_example("lazzari_fig5", runs_dir, tmp_path)
    fig = lazzari_fig5.figure(runs)
    axes = fig.axes
    assert len(axes) == 4
    for ax in axes[:2]:
        assert len(last_points(ax)) == 2 and ax.get_lines()[0].get_xdata()[-1] == 100  # epochs
    for name, run in runs.items():
        # The pixels paired are the library's draw; their cosines come from torch.
        drawn = relutope.gradient_confusion(run.network, run.inputs, run.targets, WIDTH, WIDTH, local=100, distant=10_000,
                                            progress=False)
        cosine = gradient_cosines(run.network, run.inputs, run.targets)
        for index, pairs, bound in ((0, drawn.local_pairs, drawn.local_bound), (1, drawn.distant_pairs, drawn.distant_bound)):
            cosines = cosine(*pairs.T)
            want = max(0.0, -np.min(cosines))
            assert want == pytest.approx(bound, rel=1e-9, abs=1e-12)
            plotted = axes[index].get_lines()[list(runs).index(name)]
            assert plotted.get_ydata()[-1] == pytest.approx(want, rel=1e-9, abs=1e-12)
            # (c), (d): the density of those cosines, unit area, with -eta marked.
            patch = [p for p in axes[2 + index].patches if p.get_label() == name][0]
            heights, edges = patch.get_data()[:2]
            counts, _ = np.histogram(cosines, bins=edges)
            assert np.sum(heights * np.diff(edges)) == pytest.approx(1)
            assert np.abs(heights * len(cosines) * np.diff(edges) - counts).max() <= 2  # cosines on a bin edge
            assert any(line.get_xdata()[0] == pytest.approx(-want) for line in axes[2 + index].get_lines())


def test_fig6_hamming_distances_are_a_brute_force_on_the_patterns(runs, runs_dir, tmp_path):
    run_example("lazzari_fig6", runs_dir, tmp_path)
    axes = lazzari_fig6.figure(runs).axes
    assert len(axes) == 2 and all(len(last_points(ax)) == 2 for ax in axes)
    for curve, run in enumerate(runs.values()):
        bits = run.network.patterns(run.inputs).reshape(WIDTH, WIDTH, -1).astype(int)  # [row, column, neuron]
        window = [(r, c) for r in range(3) for c in range(3)]
        at = lambda r, c: bits[r:WIDTH - 2 + r, c:WIDTH - 2 + c]  # noqa: E731  (the window's cell (r, c), every window)
        local = np.mean([np.sum(at(*p) != at(*q), axis=2) for p, q in itertools.combinations(window, 2)])
        n, active = WIDTH * WIDTH, bits.reshape(WIDTH * WIDTH, -1).sum(axis=0)
        overall = np.sum(active * (n - active)) / (n * (n - 1) / 2)  # each neuron splits the pairs it tells apart
        assert axes[0].get_lines()[curve].get_ydata()[-1] == pytest.approx(local, rel=1e-12)
        assert axes[1].get_lines()[curve].get_ydata()[-1] == pytest.approx(overall, rel=1e-12)


def test_fig7_hyperplane_cosines_are_those_of_the_weights(runs, runs_dir, tmp_path):
    run_example("lazzari_fig7", runs_dir, tmp_path)
    axes = lazzari_fig7.figure(runs).axes
    assert len(axes) == 2 and all(len(last_points(ax)) == 2 for ax in axes)
    for curve, run in enumerate(runs.values()):
        for ax, layer in zip(axes, run.network.layers):
            unit = np.asarray(layer.weight) / np.linalg.norm(layer.weight, axis=1, keepdims=True)
            cosines = np.abs((unit @ unit.T)[np.triu_indices(len(unit), 1)])
            assert ax.get_lines()[curve].get_ydata()[-1] == pytest.approx(cosines.mean(), rel=1e-12)
            band = ax.collections[curve].get_paths()[0].vertices[:, 1]
            assert np.isclose(band, np.quantile(cosines, 0.9), rtol=1e-12).any()


def arrangement_regions(lines, box):
    """Regions of the lines a s + b t + c = 0 (Fractions, general position) in the open box
    (s0, s1, t0, t1): 1 + the lines that cross it + their crossings inside it."""
    s0, s1, t0, t1 = box
    corners = [(s, t) for s in (s0, s1) for t in (t0, t1)]
    values = [[a * s + b * t + c for s, t in corners] for a, b, c in lines]
    crossing = [line for line, v in zip(lines, values) if min(v) < 0 < max(v)]
    points = set()
    for (a1, b1, c1), (a2, b2, c2) in itertools.combinations(crossing, 2):
        det = a1 * b2 - a2 * b1
        if det != 0:
            s, t = (b1 * c2 - b2 * c1) / det, (a2 * c1 - a1 * c2) / det
            if s0 < s < s1 and t0 < t < t1:
                assert (s, t) not in points  # general position: no three lines through a point
                points.add((s, t))
    return 1 + len(crossing) + len(points)


def test_fig8_first_layer_counts_are_the_line_arrangements(runs, runs_dir, tmp_path):
    run_example("lazzari_fig8", runs_dir, tmp_path)
    net = runs["encoding L=8"].network
    axes = lazzari_fig8.figure(net).axes
    assert len(axes) == 4
    weight, bias = np.asarray(net.layers[0].weight), np.asarray(net.layers[0].bias)
    grid = np.linspace(-1, 1, 402)[1:-1]  # points of the slice, away from its border
    s, t = (g.ravel() for g in np.meshgrid(grid, grid))
    for ax, (i, j), layers in zip(axes, [(28, 29), (28, 29), (0, 1), (0, 1)], ["first", "both", "first", "both"]):
        count = int(ax.get_title().split(": ")[1].split()[0].replace(",", ""))
        assert len(ax.collections[0].get_paths()) == count  # one polygon a region
        if layers == "first":  # the plane s e_i + t e_j: neuron k's line is W[k,i] s + W[k,j] t + b[k] = 0
            lines = [(Fraction(w[i]), Fraction(w[j]), Fraction(c)) for w, c in zip(weight, bias)]
            assert count == arrangement_regions(lines, (-1, 1, -1, 1))
        else:  # at least every pattern a fine grid of the slice meets
            a = np.zeros((len(s), weight.shape[1]))
            a[:, i], a[:, j] = s, t
            patterns = np.concatenate([z > 0 for z in preactivations(net, a)[:-1]], axis=1)
            assert count >= len(np.unique(patterns, axis=0)) > 0.5 * count


def test_fig10_norms_and_dead_neurons_against_numpy(runs, runs_dir, tmp_path):
    run_example("lazzari_fig10", runs_dir, tmp_path)
    axes = lazzari_fig10.figure(runs).axes
    assert len(axes) == 4
    (coordinates, encoding) = runs.values()
    for ax, run in zip(axes[:2], runs.values()):
        norms = [np.linalg.norm(np.asarray(layer.weight), 2) for layer in run.network.layers]
        assert last_points(ax) == pytest.approx(norms, rel=1e-9)
        assert last_points(axes[2])[list(runs.values()).index(run)] == pytest.approx(np.prod(norms), rel=1e-9)
    exact, sampled, encoding_sampled = last_points(axes[3])

    def never_active(net, points):
        return sum(int(np.sum(~(z > 0).any(axis=0))) for z in preactivations(net, features(net, points))[:-1])

    assert sampled == never_active(coordinates.network, centres(64))
    assert encoding_sampled == never_active(encoding.network, centres(64))
    # Exact: a first-layer neuron is dead iff w.x + b <= 0 at the four corners of [0,1]^2; a second-
    # layer one iff it is <= 0 at every vertex of the first layer's arrangement in the box, where
    # its maximum is. The vertices exactly in Fractions, the second layer at them in float64.
    net = coordinates.network
    weight, bias = np.asarray(net.layers[0].weight), np.asarray(net.layers[0].bias)
    lines = [(Fraction(w[0]), Fraction(w[1]), Fraction(c)) for w, c in zip(weight, bias)]
    corners = [(Fraction(s), Fraction(t)) for s in (0, 1) for t in (0, 1)]
    first_dead = sum(all(a * s + b * t + c <= 0 for s, t in corners) for a, b, c in lines)
    vertices = set(corners)
    for a, b, c in lines:  # where the lines meet the box's sides
        vertices |= {(s, -(a * s + c) / b) for s in (0, 1) if b != 0} | {(-(b * t + c) / a, t) for t in (0, 1) if a != 0}
    for (a1, b1, c1), (a2, b2, c2) in itertools.combinations(lines, 2):
        det = a1 * b2 - a2 * b1
        if det != 0:
            vertices.add(((b1 * c2 - b2 * c1) / det, (a2 * c1 - a1 * c2) / det))
    points = np.array([[float(s), float(t)] for s, t in vertices if 0 <= s <= 1 and 0 <= t <= 1])
    highest = preactivations(net, points)[1].max(axis=0)
    assert np.abs(highest).min() > 1e-9  # no neuron's maximum so near 0 that float64 could misjudge its sign
    assert exact == first_dead + np.sum(highest < 0)
    assert exact <= sampled


def test_plot_functions_draw_the_values_they_are_given():
    dynamics = types.SimpleNamespace(steps=np.array([0, 16, 32]), spectral_norms=np.array([[1.0, 2], [3, 4], [5, 6]]))
    ax = relutope.plot.dynamics(dynamics, "spectral_norms", per=16)
    assert [line.get_label() for line in ax.get_lines()] == ["layer 1", "layer 2"]
    assert ax.get_lines()[1].get_xdata().tolist() == [0, 1, 2] and ax.get_lines()[1].get_ydata().tolist() == [2, 4, 6]
    with pytest.raises(ValueError, match="field: 'weights'"):
        relutope.plot.dynamics(dynamics, "weights")
    confusion = types.SimpleNamespace(local=np.array([-0.5, 0.25, 0.75, np.nan]), local_bound=0.5)
    ax = relutope.plot.confusion_density(confusion, bins=4)
    heights, edges = ax.patches[0].get_data()[:2]
    assert heights.tolist() == [0, 2 / 3, 2 / 3, 2 / 3] and ax.get_lines()[0].get_xdata()[0] == -0.5  # bins 1/2 wide
    with pytest.raises(ValueError, match="pairs"):
        relutope.plot.confusion_density(confusion, pairs="all")
    ax = relutope.plot.spread([0, 10], [np.array([0.0, 1, 2]), np.array([1.0, 1, 1, 5])], quantiles=(0, 1))
    assert ax.get_lines()[0].get_ydata().tolist() == [1, 2]
    band = ax.collections[0].get_paths()[0].vertices
    assert {0, 1, 2, 5} <= set(band[:, 1].tolist())
