"""Shared fixtures of the Python tests: small torch networks with fixed seeds, and the command line.

The oracles (exact evaluation, exact 1D/2D partitions, Fourier integrals) live in oracle.py.
"""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))  # oracle.py, for the test modules


def mlp(sizes, seed, dtype=torch.float64, leaky=None, scale=None):
    """nn.Sequential Linear/ReLU (or LeakyReLU(leaky)) of the given sizes, torch's default init
    under a fixed seed; `scale` multiplies every bias (to move the kinks into the domain)."""
    torch.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU() if leaky is None else nn.LeakyReLU(leaky))
    module = nn.Sequential(*layers).to(dtype)
    if scale is not None:
        with torch.no_grad():
            for m in module:
                if isinstance(m, nn.Linear):
                    m.bias.mul_(scale)
    return module


@pytest.fixture
def net_1d():
    """1-16-16-1, float64, with kinks spread over [-1, 1]."""
    return mlp([1, 16, 16, 1], seed=1)


@pytest.fixture
def net_2d():
    """2-6-5-1 (the brute-force size), float64."""
    return mlp([2, 6, 5, 1], seed=2)


@pytest.fixture
def net_2d_float32():
    return mlp([2, 8, 8, 2], seed=3, dtype=torch.float32)


@pytest.fixture(scope="session")
def exe():
    """The command line at $RELUTOPE_EXE, or skip."""
    path = os.environ.get("RELUTOPE_EXE")
    if not path:
        pytest.skip("RELUTOPE_EXE is not set")
    path = shutil.which(path) or path
    if not os.path.exists(path):
        pytest.skip(f"RELUTOPE_EXE={path} does not exist")
    return path


def run_cli(exe, *args, cwd=None):
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


def torch_forward64(module, x):
    """torch's own float64 forward pass of a copy of `module`, at points x (n, d) -> (n, out)."""
    import copy

    m = copy.deepcopy(module).double()
    with torch.no_grad():
        return m(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()


def torch_patterns(module, x):
    """(pre-activation > 0) at every ReLU/LeakyReLU module (the neurons with a kink), in order, via
    forward hooks on a float64 copy: the input of an activation module is its pre-activation."""
    import copy

    m = copy.deepcopy(module).double()
    seen = []
    acts = [sub for sub in m.modules() if isinstance(sub, (nn.ReLU, nn.LeakyReLU))]
    hooks = [a.register_forward_hook(lambda mod, inp, out: seen.append(inp[0] > 0)) for a in acts]
    with torch.no_grad():
        m(torch.as_tensor(np.asarray(x, dtype=np.float64)))
    for h in hooks:
        h.remove()
    return torch.cat(seen, dim=1).numpy() if seen else np.zeros((len(x), 0), bool)


def numpy_forward(weights, biases, x, slope=0.0):
    """A plain numpy float64 forward pass and its patterns (z > 0 of the hidden layers)."""
    h = np.asarray(x, dtype=np.float64)
    bits = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        z = h @ np.asarray(W, np.float64).T + np.asarray(b, np.float64)
        if i < len(weights) - 1:
            bits.append(z > 0)
            h = np.where(z > 0, z, slope * z)
        else:
            h = z
    return h, (np.concatenate(bits, axis=1) if bits else np.zeros((len(h), 0), bool))


def arrays_of(module):
    lin = [m for m in module.modules() if isinstance(m, nn.Linear)]
    return ([m.weight.detach().double().numpy() for m in lin], [m.bias.detach().double().numpy() for m in lin])


# --- the paper examples (examples/*.py), run as users run them ------------------------------------

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "examples")
sys.path.insert(0, EXAMPLES)  # their figure functions and paper_runs, which the tests call on the runs they made


def run_example(name, out, runs):
    """Runs examples/NAME.py in quick mode, figures to `out`, training runs cached in `runs`, and
    checks that it wrote its PDF and PNG; returns what it printed."""
    done = subprocess.run([sys.executable, os.path.join(EXAMPLES, f"{name}.py"), "--out", str(out), "--runs", str(runs),
                           "--quiet"], capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stderr[-2000:]
    for extension in ("pdf", "png"):
        assert os.path.getsize(os.path.join(out, f"{name}.{extension}")) > 10_000
    return done.stdout


def cached_runs(runs):
    """What paper_runs.trained needs of the command line to read the runs cached in `runs`."""
    import argparse

    return argparse.Namespace(runs=runs, threads=0, quiet=True)


def layers_of(net):
    """A relutope.Network's weights and biases as numpy arrays, for numpy_forward."""
    return [layer.weight for layer in net.layers], [layer.bias for layer in net.layers]
