"""Distances of points to the region boundaries (Hanin & Rolnick 2019; Lazzari & Liu Fig. 9), the
training data kept beside the snapshots, and both over training (training_dynamics).

Independent routes: torch autograd for the neuron estimate (any encoding), and in 2D a brute force
in Fractions for the exact distance: the point's region as the intersection of its neurons'
half-planes, each zero line clipped to the region and the domain, the squared distance to the
nearest segment."""
import shutil
from fractions import Fraction

import numpy as np
import pytest
import torch

import relutope
from conftest import mlp


def torch_estimate(module, features):
    """min over hidden neurons of |z| / ||dz/dfeatures||, each z's gradient by autograd."""
    best = []
    for x in features:
        x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        h, found = x, np.inf
        for layer in module[:-1]:
            h = layer(h)
            if isinstance(layer, torch.nn.Linear):
                for z in h:
                    g = torch.autograd.grad(z, x, retain_graph=True)[0].norm().item()
                    if g > 0:
                        found = min(found, abs(z.item()) / g)
        best.append(found)
    return np.array(best)


def nerf_features(x, L):
    """The positional encoding, nerf order: per level, sin of every input, then cos of every input."""
    columns = []
    for level in range(L):
        columns += [np.sin(2**level * np.pi * x), np.cos(2**level * np.pi * x)]
    return np.concatenate(columns, axis=1)


def test_neuron_distances_equal_torch_autograd_for_coordinates_and_encodings():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, size=(25, 2))
    module = mlp([2, 7, 5, 1], seed=1)
    net = relutope.Network.from_torch(module, domain=[0, 1, 0, 1])
    assert np.allclose(relutope.neuron_distances(net, x), torch_estimate(module, x), rtol=1e-12)
    module = mlp([8, 6, 6, 2], seed=2)  # L = 2 on 2 inputs: 8 features
    net = relutope.Network.from_torch(module, encoding="positional:L=2", domain=[0, 1, 0, 1])
    assert np.allclose(relutope.neuron_distances(net, x), torch_estimate(module, nerf_features(x, 2)), rtol=1e-12)
    with pytest.raises(ValueError, match="points"):
        relutope.neuron_distances(net, np.zeros((3, 3)))


def exact_layers(module):
    return [([[Fraction(w) for w in row] for row in m.weight.tolist()], [Fraction(b) for b in m.bias.tolist()])
            for m in module if isinstance(m, torch.nn.Linear)]


def region_lines(layers, x):
    """The affine functions g.y + c of the hidden neurons on the region of x (Fractions), with the
    side (+1, -1) x lies on; neurons constant on the region are left out (they bound nothing)."""
    A = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]  # the map y -> A y + b into the layer's input
    b = [Fraction(0), Fraction(0)]
    lines = []
    for W, bias in layers[:-1]:
        G = [[sum(w[k] * A[k][j] for k in range(len(A))) for j in range(2)] for w in W]
        c = [sum(w[k] * b[k] for k in range(len(b))) + bj for w, bj in zip(W, bias)]
        z = [g[0] * x[0] + g[1] * x[1] + cj for g, cj in zip(G, c)]
        lines += [(g, cj, 1 if zj > 0 else -1) for g, cj, zj in zip(G, c, z) if g != [0, 0]]
        A = [g if zj > 0 else [Fraction(0), Fraction(0)] for g, zj in zip(G, z)]
        b = [cj if zj > 0 else Fraction(0) for cj, zj in zip(c, z)]
    return lines


def clipped_squared_distance(lines, x):
    """Squared distance from x to the nearest zero line's piece inside the region and [0,1]^2."""
    box = [([Fraction(1), Fraction(0)], Fraction(0), 1), ([Fraction(-1), Fraction(0)], Fraction(1), 1),
           ([Fraction(0), Fraction(1)], Fraction(0), 1), ([Fraction(0), Fraction(-1)], Fraction(1), 1)]
    best = None
    for i, (g, c, _) in enumerate(lines):
        n2 = g[0] ** 2 + g[1] ** 2
        p = [-c * g[0] / n2, -c * g[1] / n2]  # a point of the line
        d = [-g[1], g[0]]
        lo, hi = None, None
        for j, (h, e, side) in enumerate(lines + box):
            if j == i:
                continue
            a = side * (h[0] * d[0] + h[1] * d[1])  # side * (h.(p + t d) + e) >= 0
            r = side * (h[0] * p[0] + h[1] * p[1] + e)
            if a == 0:
                if r < 0:
                    lo, hi = 1, 0
                continue
            t = -r / a
            if a > 0:
                lo = t if lo is None else max(lo, t)
            else:
                hi = t if hi is None else min(hi, t)
        if lo is None or hi is None or lo > hi:
            continue
        t = ((x[0] - p[0]) * d[0] + (x[1] - p[1]) * d[1]) / n2  # the foot of the perpendicular, clamped
        t = min(max(t, lo), hi)
        q = [p[0] + t * d[0] - x[0], p[1] + t * d[1] - x[1]]
        squared = q[0] ** 2 + q[1] ** 2
        best = squared if best is None else min(best, squared)
    return best


def test_estimate_is_the_exact_distance_where_the_domain_does_not_clip_the_region():
    module = mlp([2, 6, 5, 1], seed=7, scale=0.3)
    net = relutope.Network.from_torch(module, domain=[0, 1, 0, 1])
    partition = relutope.regions(net, progress=False)
    assert partition.count > 6
    layers = exact_layers(module)
    points = np.random.default_rng(11).uniform(0, 1, size=(60, 2))
    got = partition.boundary_distance(points)
    estimate = relutope.neuron_distances(net, points)
    assert np.array_equal(estimate, got.neuron_estimate)
    equal = clipped = 0
    for x, exact, lower, upper, est in zip(points, got.distance, got.lower, got.upper, estimate):
        xq = [Fraction(v) for v in x]
        lines = region_lines(layers, xq)
        squared = clipped_squared_distance(lines, xq)
        assert squared is not None
        assert lower <= float(squared) ** 0.5 * (1 + 1e-15) and float(squared) ** 0.5 * (1 - 1e-15) <= upper
        # The estimate is the distance to the nearest zero line of the region, unclipped.
        unclipped = min(abs(g[0] * xq[0] + g[1] * xq[1] + c) / (g[0] ** 2 + g[1] ** 2) ** 0.5 for g, c, _ in lines)
        assert est == pytest.approx(float(unclipped), rel=1e-12)
        assert est <= exact * (1 + 1e-12)
        # Equal unless the perpendicular foot on that nearest line lies outside the domain.
        g, c, _ = min(lines, key=lambda line: abs(line[0][0] * xq[0] + line[0][1] * xq[1] + line[1]) ** 2
                      / (line[0][0] ** 2 + line[0][1] ** 2))
        s = (g[0] * xq[0] + g[1] * xq[1] + c) / (g[0] ** 2 + g[1] ** 2)
        foot = [xq[0] - s * g[0], xq[1] - s * g[1]]
        if all(0 <= v <= 1 for v in foot):
            assert est == pytest.approx(exact, rel=1e-12)
            equal += 1
        else:
            assert est < exact * (1 - 1e-12)
            clipped += 1
    assert equal > 10 and clipped > 0  # both cases occur


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("run") / "snapshots"
    result = relutope.train(config={"preset": "lazzari-random-rgb", "hidden": [10, 10], "steps": 20, "snapshot_every": 10,
                                    "batch_size": 0, "task": {"width": 6, "height": 6}}, snapshots=directory,
                            progress=False)
    return result, directory


def test_the_training_data_is_kept_beside_the_snapshots_bit_for_bit(run):
    result, directory = run
    inputs, targets = relutope.read_training_data(directory)
    assert inputs.tobytes() == result.inputs.tobytes() and targets.tobytes() == result.targets.tobytes()
    header = (directory / "data.csv").read_text().splitlines()[0]
    assert header == "x0,x1,y0,y1,y2"


def test_training_dynamics_of_a_directory_alone_has_its_boundary_distances(run):
    result, directory = run
    from_dir = relutope.training_dynamics(directory, sample=8, local=2, distant=10, progress=False)
    from_run = relutope.training_dynamics(result, sample=8, local=2, distant=10, progress=False)
    for name in ("boundary_exact", "boundary_estimate", "hamming_local", "confusion_local", "regions"):
        assert np.array_equal(getattr(from_dir, name), getattr(from_run, name), equal_nan=True), name
    # Independent routes for each snapshot's means: autograd for the estimate, the Fractions brute
    # force for the exact distance (every 6 x 6 training pixel, the exact squared distances).
    for s, snapshot in enumerate(result.snapshots):
        weights = [(layer.weight, layer.bias) for layer in snapshot.network.layers]
        module = torch.nn.Sequential(torch.nn.Linear(2, 10), torch.nn.ReLU(), torch.nn.Linear(10, 10), torch.nn.ReLU(),
                                     torch.nn.Linear(10, 3)).double()
        with torch.no_grad():
            for m, (w, b) in zip(module[::2], weights):
                m.weight.copy_(torch.from_numpy(w))
                m.bias.copy_(torch.from_numpy(b))
        assert from_dir.boundary_estimate[s] == pytest.approx(torch_estimate(module, result.inputs).mean(), rel=1e-12)
        layers = exact_layers(module)
        distances = []
        for x in result.inputs:
            xq = [Fraction(v) for v in x]
            squared = clipped_squared_distance(region_lines(layers, xq), xq)
            if squared is not None:
                distances.append(float(squared) ** 0.5)
        assert from_dir.boundary_exact[s] == pytest.approx(np.mean(distances), rel=1e-12)
    assert np.all(from_dir.boundary_estimate <= from_dir.boundary_exact * (1 + 1e-12))


def test_a_directory_without_data_still_reads_without_the_analyses_of_the_data(run, tmp_path):
    _, directory = run
    old = tmp_path / "old"
    shutil.copytree(directory, old)
    (old / "data.csv").unlink()
    assert relutope.read_training_data(old) is None
    d = relutope.training_dynamics(old, sample=8, progress=False)
    assert np.all(np.isnan(d.boundary_exact)) and np.all(np.isnan(d.boundary_estimate))
    assert np.all(np.isnan(d.hamming_local)) and np.all(d.regions > 0)
    (old / "data.csv").write_text("x0,x1,y0\n0.5,0.25\n")
    with pytest.raises(ValueError, match=r"data\.csv: line 2: expected 3 numbers"):
        relutope.training_dynamics(old, progress=False)


def test_positional_runs_have_the_estimate_in_the_encoding_space_and_no_exact_distance(tmp_path):
    result = relutope.train(config={"preset": "lazzari-random-rgb-pe", "hidden": [6, 6], "steps": 2, "snapshot_every": 2,
                                    "encoding": {"type": "positional", "L": 2}, "task": {"width": 4, "height": 4}},
                            snapshots=tmp_path / "pe", progress=False)
    d = relutope.training_dynamics(tmp_path / "pe", sample=8, local=1, distant=4, progress=False)
    assert np.all(np.isnan(d.boundary_exact))
    for s, snapshot in enumerate(result.snapshots):
        net = snapshot.network
        module = torch.nn.Sequential(torch.nn.Linear(8, 6), torch.nn.ReLU(), torch.nn.Linear(6, 6), torch.nn.ReLU(),
                                     torch.nn.Linear(6, 3)).double()
        with torch.no_grad():
            for m, layer in zip(module[::2], net.layers):
                m.weight.copy_(torch.from_numpy(layer.weight))
                m.bias.copy_(torch.from_numpy(layer.bias))
        expected = torch_estimate(module, nerf_features(result.inputs, 2)).mean()
        assert d.boundary_estimate[s] == pytest.approx(expected, rel=1e-12)
