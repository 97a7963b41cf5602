"""Pattern statistics (Lazzari & Liu Figs. 5-7) against numpy brute force and torch's autograd."""
import numpy as np
import pytest
import torch

import relutope
from conftest import mlp


def grid(width, height):
    """Pixel (r, c) at (c / (W - 1), r / (H - 1)), row r W + c: relutope.train's image layout."""
    r, c = np.divmod(np.arange(width * height), width)
    return np.stack([c / (width - 1), r / (height - 1)], axis=1)


def test_hamming_distances_equal_a_brute_force_over_the_pairs():
    model = mlp([2, 12, 9, 3], seed=4)
    net = relutope.Network.from_torch(model)
    width, height = 9, 7
    bits = net.patterns(grid(width, height)).astype(int)
    distance = lambda a, b: int(np.sum(bits[a] != bits[b]))  # noqa: E731
    n = width * height
    overall = np.mean([distance(a, b) for a in range(n) for b in range(a + 1, n)])
    local = np.mean([distance((r + i // 3 - 1) * width + c + i % 3 - 1, (r + j // 3 - 1) * width + c + j % 3 - 1)
                     for r in range(1, height - 1) for c in range(1, width - 1) for i in range(9) for j in range(i + 1, 9)])
    d = relutope.hamming_distances(bits.astype(bool), width, height)
    assert d.overall == pytest.approx(overall, rel=1e-13)
    assert d.local == pytest.approx(local, rel=1e-13)
    with pytest.raises(ValueError, match="patterns"):
        relutope.hamming_distances(bits[:-1].astype(bool), width, height)


def test_hyperplane_cosines_are_the_normalised_rows():
    model = mlp([2, 6, 5, 1], seed=1)
    cosines = relutope.hyperplane_cosines(relutope.Network.from_torch(model))
    weights = [m.weight.detach().numpy() for m in model if isinstance(m, torch.nn.Linear)]
    assert len(cosines) == 2
    for got, w in zip(cosines, weights):
        unit = w / np.linalg.norm(w, axis=1, keepdims=True)
        want = [unit[i] @ unit[j] for i in range(len(w)) for j in range(i + 1, len(w))]
        assert np.allclose(got, want, rtol=0, atol=1e-15)


def test_gradient_confusion_equals_torch_autograd_per_sample():
    model = mlp([2, 8, 8, 3], seed=2)
    net = relutope.Network.from_torch(model)
    width, height = 6, 5
    x = grid(width, height)
    y = np.random.default_rng(0).random((width * height, 3))
    confusion = relutope.gradient_confusion(net, x, y, width, height, local=3, distant=20, seed=5, progress=False)
    assert confusion.local.shape == (3 * 36,) and confusion.distant.shape == (20,)
    assert confusion.local_pairs.shape == (3 * 36, 2) and confusion.local_pairs.dtype == np.int64

    def gradient(i):  # torch's own per-sample MSE gradient, every parameter
        model.zero_grad()
        loss = torch.nn.functional.mse_loss(model(torch.tensor(x[i:i + 1])), torch.tensor(y[i:i + 1]))
        loss.backward()
        return torch.cat([p.grad.flatten() for p in model.parameters()]).numpy()

    for cosines, pairs in ((confusion.local, confusion.local_pairs), (confusion.distant, confusion.distant_pairs)):
        for cos, (i, j) in zip(cosines[:12], pairs[:12]):
            g, h = gradient(i), gradient(j)
            assert cos == pytest.approx(g @ h / np.sqrt((g @ g) * (h @ h)), abs=1e-12)
    assert confusion.local_bound == max(0.0, -np.nanmin(confusion.local))
    # Local pairs are neighbours; the same seed gives the same pairs.
    rows, cols = np.divmod(confusion.local_pairs, width)
    assert np.all(np.abs(rows[:, 0] - rows[:, 1]) <= 2) and np.all(np.abs(cols[:, 0] - cols[:, 1]) <= 2)
    again = relutope.gradient_confusion(net, x, y, width, height, local=3, distant=20, seed=5, progress=False)
    assert np.array_equal(again.local_pairs, confusion.local_pairs)


def test_training_dynamics_gathers_each_snapshots_measures():
    run = relutope.train(config={"preset": "lazzari-random-rgb", "hidden": [12, 12], "steps": 30, "snapshot_every": 15,
                                 "task": {"width": 8, "height": 8}}, progress=False)
    d = relutope.training_dynamics(run, sample=16, local=4, distant=40, seed=1, progress=False)
    assert d.steps.tolist() == [0, 15, 30] and d.resolution == 16
    for s, snapshot in enumerate(run.snapshots):
        net = snapshot.network
        partition = relutope.regions(net, sample=16, keep_regions=False, progress=False)
        assert d.regions[s] == partition.count and d.sampled[s] == partition.sampled.distinct_patterns
        assert d.dead_neurons[s] == len(partition.dead_neurons)
        norms = [np.linalg.svd(layer.weight, compute_uv=False)[0] for layer in net.layers]
        assert np.allclose(d.spectral_norms[s], norms, rtol=1e-12) and d.norm_product[s] == pytest.approx(np.prod(norms))
        hamming = relutope.hamming_distances(net.patterns(run.inputs), 8, 8)
        assert (d.hamming_local[s], d.hamming_overall[s]) == (hamming.local, hamming.overall)
        confusion = relutope.gradient_confusion(net, run.inputs, run.targets, 8, 8, local=4, distant=40, seed=1, progress=False)
        assert d.confusion_local[s] == confusion.local_bound and d.confusion_distant[s] == confusion.distant_bound
        assert np.allclose(d.hyperplane_cosine[s], [c.mean() for c in relutope.hyperplane_cosines(net)])
    assert np.array_equal(d.loss, [s.loss for s in run.snapshots])


def test_training_dynamics_without_a_pixel_grid_or_with_an_encoding():
    run = relutope.train("rahaman-sines", steps=4, snapshot_every=2, progress=False)  # 1D: no pixel grid
    d = relutope.training_dynamics(run, sample=50, progress=False)
    assert np.all(np.isnan(d.hamming_local)) and np.all(np.isnan(d.confusion_local)) and np.all(d.regions > 0)
    pe = relutope.train(config={"preset": "lazzari-random-rgb-pe", "hidden": [8, 8], "steps": 2, "snapshot_every": 2,
                                "task": {"width": 4, "height": 4}}, progress=False)
    d = relutope.training_dynamics(pe, sample=8, local=1, distant=4, progress=False)
    assert d.regions.tolist() == [-1, -1] and np.all(d.sampled >= 1) and np.all(np.isfinite(d.hamming_local))
