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
