"""relutope walkthrough: train in PyTorch, analyse exactly with relutope, draw with matplotlib.

A notebook in a plain file: each "# %%" line starts a cell (VS Code, Spyder and jupytext run them
one by one). Run it whole with Debian's Python after the README's set-up:

    /usr/bin/python3 examples/walkthrough.py [OUTDIR]   # figures in OUTDIR (default out/walkthrough)
    QUICK=1 /usr/bin/python3 examples/walkthrough.py    # fewer steps: the test suite runs it so
"""

# %%
import copy
import os
import sys
import time
from fractions import Fraction

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # files, not windows, when run as a script
import matplotlib.pyplot as plt
import numpy as np
import torch

import relutope
import relutope.plot

QUICK = os.environ.get("QUICK") == "1"
OUT = sys.argv[1] if len(sys.argv) > 1 else "out/walkthrough"
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)

# %% [markdown]
# ## 1. A coordinate MLP trained in PyTorch (Lazzari & Liu, Sec. 4)
# A 2 -> 64 -> 64 -> 3 ReLU network fits a 64x64 image of random RGB values: pixel (row r,
# column c) sits at (c/63, r/63) in [0,1]^2. Plain torch, float32, Adam: as users train.

# %%
side = 64
image = torch.rand(side, side, 3, generator=torch.Generator().manual_seed(0))
axis = torch.arange(side) / (side - 1)
coords = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), dim=-1).reshape(-1, 2)  # row-major over (r, c)
targets = image.reshape(-1, 3)
model = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                            torch.nn.Linear(64, 3))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
steps = 300 if QUICK else 5000
for step in range(steps):
    loss = ((model(coords) - targets) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"trained {steps} steps in torch, loss {loss.item():.4f}")

# %% [markdown]
# ## 2. The same function in relutope
# `from_torch` reads the weights exactly as stored; relutope's float64 evaluation is torch's in
# float64, and its exact analysis is of that very function.

# %%
net = relutope.Network.from_torch(model, domain=[0, 1, 0, 1])
x = torch.rand(1000, 2, dtype=torch.float64)
gap = np.abs(net(x.numpy()) - copy.deepcopy(model).double()(x).detach().numpy()).max()
print(net)
print(f"max |relutope - torch float64| on 1000 points: {gap:.1e}")
assert gap < 1e-12

# %% [markdown]
# ## 3. Exact activation regions against the paper's 64x64 sampling (Lazzari & Liu Fig. 2-3)

# %%
start = time.perf_counter()
partition = relutope.regions(net, sample=64)
seconds = time.perf_counter() - start
sampled = partition.sampled
print(f"{partition.count} activation regions, {partition.linear_pieces} linear pieces, exact, in {seconds:.2f} s")
print(f"the 64x64 grid sees {sampled.distinct_patterns} patterns: {100 * sampled.regions_found / partition.count:.1f}% "
      f"of the regions; the smallest it misses has area {float(sampled.smallest_missed or 0):.2e}")
assert sum(partition.exact_measure(r) for r in range(partition.count)) == 1  # the regions tile the square exactly

fig, axes = plt.subplots(1, 2, figsize=(10, 5), constrained_layout=True)
relutope.plot.regions(partition, ax=axes[0], first_layer=True)
axes[0].set_title("exact regions, first-layer lines")
relutope.plot.regions(partition, ax=axes[1], grid=64)
axes[1].set_title("exact regions, 64x64 sample grid")
fig.savefig(f"{OUT}/regions.png", dpi=150)

# %% [markdown]
# ## 4. Measures: Lipschitz constant, dead neurons, distance to the nearest region boundary

# %%
lipschitz = partition.lipschitz
print(f"Lipschitz constant {lipschitz.value:.{max(lipschitz.certified_digits, 1)}g} (certified digits: "
      f"{lipschitz.certified_digits}); product of the layers' spectral norms {lipschitz.product_of_norms:.4g} "
      f"(Rahaman et al. Eq. 7, an upper bound)")
print("dead neurons (layer, index):", partition.dead_neurons.tolist())
points = np.random.default_rng(0).random((4, 2))
distances = partition.boundary_distance(points)
for point, exact, estimate in zip(points, distances.distance, distances.neuron_estimate):
    print(f"  at {point.round(3)}: exact distance {exact:.3e}, neuron estimate |z|/|grad z| {estimate:.3e}")

# %% [markdown]
# ## 5. The spectrum in closed form, certified, against the FFT (Rahaman et al. Lemma 1)

# %%
spectrum = relutope.spectrum(net, 8, partition=partition, fft=64)
print(f"{spectrum.values.shape[0]} frequencies x 3 outputs; certified digits "
      f"{spectrum.certified_digits.min()}..{spectrum.certified_digits.max()}; FFT (N = 64) error up to "
      f"{np.nanmax(spectrum.fft_error):.1e}")
print("c((1, 2)) of the red output:", spectrum.re[spectrum.frequencies.tolist().index([1, 2]), 0], "+ i",
      spectrum.im[spectrum.frequencies.tolist().index([1, 2]), 0])
convergence = relutope.fft_convergence(net, [1, 1], partition=partition, max_n=256 if QUICK else 1024)
decay = relutope.ray_decay(net, [1, Fraction(37, 100)], partition=partition)
print(f"|c(t k)| decays as t^-{decay.exponent:.2f} along k = (1, 0.37) (Rahaman et al. Theorem 1)")

fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), constrained_layout=True)
relutope.plot.spectrum(spectrum, ax=axes[0])
relutope.plot.fft_error(convergence, ax=axes[1])
relutope.plot.decay(decay, ax=axes[2])
fig.savefig(f"{OUT}/spectrum.png", dpi=150)

# %% [markdown]
# ## 6. Spectral bias during training, exactly (Rahaman et al. Fig. 1)
# relutope's own trainer on the paper's sine mixture; the amplitude of each frequency k_i of the
# network's output, exact at every snapshot: low frequencies are learned first.

# %%
run = relutope.train("rahaman-sines", steps=400 if QUICK else 20000, snapshot_every=100 if QUICK else 500)
dynamics = relutope.spectrum_dynamics(run)
print(f"{len(run.snapshots)} snapshots; final amplitudes 2|c(k_i)|/A_i:", dynamics.amplitude[-1].round(2))
fig = relutope.plot.spectrum_training(dynamics)
fig.savefig(f"{OUT}/spectrum-training.png", dpi=150)

# %% [markdown]
# ## 7. Networks too large to hold: stream the regions
# A deeper network's regions one at a time; here, the distribution of their areas.

# %%
deep = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                           torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
deep_net = relutope.Network.from_torch(deep, domain=[-2, 2, -2, 2])
areas = []
for region in relutope.iter_regions(deep_net):
    x, y = region.vertices.T  # counter-clockwise polygon: the shoelace formula
    areas.append(0.5 * (x @ np.roll(y, -1) - y @ np.roll(x, -1)))
areas = np.array(areas)
print(f"{len(areas)} regions streamed; areas from {areas.min():.1e} to {areas.max():.1e}, median {np.median(areas):.1e}; "
      f"sum {areas.sum():.6f} (the box: 16)")
print(f"figures in {OUT}/")
