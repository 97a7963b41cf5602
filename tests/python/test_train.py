"""relutope.train: deterministic, equal to the command line bit for bit, snapshots where asked,
losses equal to the MSE that numpy computes from the returned networks and data, and a few Adam
steps close to torch.optim.Adam's from the same initial network."""
import json
import math

import numpy as np
import pytest
import torch

import relutope
from conftest import numpy_forward, run_cli


def weights(net):
    return [(l.weight.tobytes(), l.bias.tobytes(), l.activation) for l in net.layers]


def mse(net, x, y):
    W = [l.weight for l in net.layers]
    B = [l.bias for l in net.layers]
    out, _ = numpy_forward(W, B, x)
    return float(np.mean((out - y) ** 2))


@pytest.fixture(scope="module")
def sines50():
    return relutope.train(preset="rahaman-sines", steps=50, seed=0, snapshot_every=20, progress=False)


def test_deterministic_bit_for_bit(sines50):
    again = relutope.train(preset="rahaman-sines", steps=50, seed=0, progress=False)
    assert weights(again.network) == weights(sines50.network)
    assert again.batch_loss.tobytes() == sines50.batch_loss.tobytes()
    other = relutope.train(preset="rahaman-sines", steps=50, seed=1, progress=False)
    assert weights(other.network) != weights(sines50.network)


def test_threads_do_not_change_the_weights(sines50):
    one = relutope.train(preset="rahaman-sines", steps=50, seed=0, threads=1, progress=False)
    assert weights(one.network) == weights(sines50.network)


def test_equals_the_command_line_bit_for_bit(sines50, exe, tmp_path):
    out = tmp_path / "X.json"
    done = run_cli(exe, "train", "--preset", "rahaman-sines", "--steps", 50, "--seed", 0, "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    cli = relutope.load(out)
    assert weights(cli) == weights(sines50.network)
    assert cli.domain == sines50.network.domain


def test_snapshots_every_k_and_their_losses(sines50):
    r = sines50
    assert [s.step for s in r.snapshots] == [0, 20, 40, 50]
    assert weights(r.snapshots[-1].network) == weights(r.network)
    x, y = np.asarray(r.inputs, np.float64), np.asarray(r.targets, np.float64)
    assert x.shape == (200, 1) and y.shape == (200, 1)
    for s in r.snapshots:
        assert math.isclose(s.loss, mse(s.network, x, y), rel_tol=1e-12)
    assert math.isclose(r.final_loss, mse(r.network, x, y), rel_tol=1e-12)
    assert r.batch_loss.shape == (50,) and r.batch_loss.dtype == np.float64
    # full batch: the loss of step 1's batch is the initial network's loss on all data
    assert math.isclose(r.batch_loss[0], r.snapshots[0].loss, rel_tol=1e-12)
    assert r.final_loss < r.batch_loss[0]


def test_task_is_rahamans_sum_of_sines(sines50):
    """z = j/200; y = sum_i sin(2 pi k_i z + phi_i), k = 5..50, A_i = 1: a least-squares fit by sin
    and cos at those frequencies leaves nothing and has amplitude 1 at each."""
    z = np.asarray(sines50.inputs, np.float64)[:, 0]
    assert np.array_equal(z, np.arange(200) / 200)
    y = np.asarray(sines50.targets, np.float64)[:, 0]
    ks = np.arange(5, 55, 5)
    basis = np.column_stack([f(2 * np.pi * k * z) for k in ks for f in (np.sin, np.cos)])
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    assert np.max(np.abs(basis @ coef - y)) < 1e-12
    assert np.allclose(np.hypot(coef[0::2], coef[1::2]), 1, atol=1e-12)


def test_initialisation_is_torch_default_bounds(sines50):
    net0 = sines50.snapshots[0].network
    assert [l.weight.shape for l in net0.layers] == [(256, 1)] + [(256, 256)] * 4 + [(1, 256)]
    for l in net0.layers:
        bound = 1 / math.sqrt(l.weight.shape[1])
        assert np.max(np.abs(l.weight)) <= bound and np.max(np.abs(l.bias)) <= bound
        # uniform: the spread fills the interval
        assert np.max(np.abs(l.weight)) > 0.9 * bound or l.weight.size < 50


def test_first_adam_steps_match_torch(sines50):
    """From the same initial network and data, three steps of torch.optim.Adam(lr=3e-4) on the MSE."""
    net0 = sines50.snapshots[0].network
    layers = []
    for i, l in enumerate(net0.layers):
        lin = torch.nn.Linear(*l.weight.shape[::-1]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(l.weight))
            lin.bias.copy_(torch.from_numpy(l.bias))
        layers.append(lin)
        if i < len(net0.layers) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    x = torch.from_numpy(np.asarray(sines50.inputs, np.float64))
    y = torch.from_numpy(np.asarray(sines50.targets, np.float64))
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    for _ in range(3):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    ours = relutope.train(preset="rahaman-sines", steps=3, seed=0, progress=False).network
    for lin, l in zip([m for m in model if isinstance(m, torch.nn.Linear)], ours.layers):
        assert np.allclose(lin.weight.detach().numpy(), l.weight, rtol=0, atol=1e-12)
        assert np.allclose(lin.bias.detach().numpy(), l.bias, rtol=0, atol=1e-12)


def test_snapshot_directory_round_trip_and_cli(tmp_path, exe):
    d = tmp_path / "snaps"
    r = relutope.train(preset="rahaman-sines", steps=6, seed=3, snapshot_every=3, snapshots=d, progress=False)
    back = relutope.read_snapshots(d)
    assert [s.step for s in back] == [s.step for s in r.snapshots] == [0, 3, 6]
    for a, b in zip(back, r.snapshots):
        assert weights(a.network) == weights(b.network)
        assert math.isclose(a.loss, b.loss, rel_tol=1e-15)
    c = tmp_path / "cli"
    done = run_cli(exe, "train", "--preset", "rahaman-sines", "--steps", 6, "--seed", 3, "--snapshots", c, "--every", 3,
                   "--out", tmp_path / "o.json", "--quiet")
    assert done.returncode == 0, done.stderr
    assert [weights(s.network) for s in relutope.read_snapshots(c)] == [weights(s.network) for s in back]


def test_config_dict_equals_preset_and_file():
    a = relutope.train(config={"preset": "rahaman-sines", "steps": 5, "seed": 2}, progress=False)
    b = relutope.train(preset="rahaman-sines", steps=5, seed=2, progress=False)
    assert weights(a.network) == weights(b.network)


def test_config_file(tmp_path):
    cfg = {"preset": "lazzari-random-rgb", "hidden": [16, 16], "steps": 4, "seed": 5, "batch_size": 64}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    a = relutope.train(config=tmp_path / "c.json", progress=False)
    b = relutope.train(config=cfg, progress=False)
    assert weights(a.network) == weights(b.network)
    assert [l.weight.shape for l in a.network.layers] == [(16, 2), (16, 16), (3, 16)]
    assert a.batch_loss.shape == (4,)


def test_config_unknown_key_named():
    with pytest.raises(ValueError, match="bogus_key"):
        relutope.train(config={"preset": "rahaman-sines", "steps": 2, "bogus_key": 1}, progress=False)
    with pytest.raises(ValueError, match="nope"):
        relutope.train(config={"preset": "rahaman-sines", "task": {"kind": "sines", "nope": 2}}, progress=False)


def test_unknown_preset():
    with pytest.raises(ValueError, match="no-such-preset"):
        relutope.train(preset="no-such-preset", steps=1, progress=False)


def test_progress_callable_is_called():
    seen = []
    relutope.train(preset="rahaman-sines", steps=5, seed=0, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] == 5 or all(t == 5 for _, t in seen)


def test_spectrum_dynamics_of_the_snapshots():
    """Rahaman Fig. 1's amplitude 2|c(k_i)|/A_i, against relutope.spectrum of each snapshot (the
    spectrum itself is checked against quadrature in test_spectrum.py)."""
    run = relutope.train(config={"preset": "rahaman-sines", "hidden": [32, 32], "steps": 10, "snapshot_every": 5},
                         progress=False)
    dyn = relutope.spectrum_dynamics(run, progress=False)
    assert list(dyn.steps) == [0, 5, 10]
    assert list(dyn.frequencies) == list(range(5, 55, 5))
    for i, s in enumerate(run.snapshots):
        c = relutope.spectrum(s.network, [int(k) for k in dyn.frequencies], domain=(0, 1), progress=False)
        assert np.allclose(dyn.amplitude[i], 2 * np.abs(c.values[:, 0]), rtol=1e-12)
        norms = [np.linalg.norm(l.weight, 2) for l in s.network.layers]
        assert np.allclose(dyn.spectral_norms[i], norms, rtol=1e-9)


def test_spectrum_dynamics_of_your_own_checkpoints_on_their_domain():
    # One sine of frequency 1 on [-1, 1] made exactly by ReLUs is impossible; a hat is not: the
    # network's own domain must be the one integrated over, not [0, 1].
    hat = relutope.Network.from_arrays([np.array([[1.0], [1.0], [1.0]]), np.array([[1.0, -2.0, 1.0]])],
                                       [np.array([1.0, 0.0, -1.0]), None], domain=[-1, 1])
    on_own = relutope.spectrum_dynamics([(0, hat)], frequencies=[1], amplitudes=[1], progress=False)
    on_unit = relutope.spectrum_dynamics([(0, hat)], frequencies=[1], amplitudes=[1], domain=[0, 1], progress=False)
    expected_own = 2 * abs(relutope.spectrum(hat, [1], progress=False).values[0, 0])
    expected_unit = 2 * abs(relutope.spectrum(hat, [1], domain=[0, 1], progress=False).values[0, 0])
    assert on_own.amplitude[0, 0] == pytest.approx(expected_own, rel=1e-12)
    assert on_unit.amplitude[0, 0] == pytest.approx(expected_unit, rel=1e-12)
    assert expected_own != pytest.approx(expected_unit)
    assert on_own.steps.dtype == np.int64 and on_own.steps.tolist() == [0]
