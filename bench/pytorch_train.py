#!/usr/bin/python3
"""PyTorch side of bench/train_throughput.sh: the same two training tasks relutope's trainer runs
(`relutope train --preset ...`), written the way a PyTorch user would write them, timed on the CPU.

Tasks (see DESIGN.md section 6 and src/train_config.cpp, src/dataset.cpp):
  lazzari-random-rgb  2 -> 128 -> 128 -> 3 ReLU MLP, Adam lr 1e-3, MSE (mean), minibatches of 256
                      reshuffled every epoch over the 4096 pixel coordinates (c/63, r/63) of a
                      64x64 image with uniform random RGB targets.
  rahaman-sines       1 -> 256 x 5 hidden -> 1 ReLU MLP, Adam lr 3e-4, MSE (mean), full batch on the
                      200 points z = j/200 with target sum_{k=5,10,..,50} sin(2 pi k z + phi_k),
                      phi_k ~ U(0, 2 pi).

Both use nn.Linear's default initialisation and torch.optim.Adam's defaults (betas 0.9/0.999,
eps 1e-8), exactly what relutope reproduces. The data are drawn with torch's generator, so the
losses are not bit-identical to relutope's (different random streams) but are the same
distribution: compare them as "both trained to about the same loss", not digit for digit.

Minibatching: the loop slices a torch.randperm permutation per epoch (manual indexing), which is
the faster of the two idiomatic ways; `--loader dataloader` uses
DataLoader(TensorDataset(X, Y), batch_size=256, shuffle=True) instead (for the small 256 x 2
batches the DataLoader's per-sample collate costs more than the network; run both to see).

Prints one JSON object on stdout: {"preset", "dtype", "threads", "steps", "warmup", "seconds",
"steps_per_second", "final_loss", ...}.
"""
import argparse
import json
import math
import sys
import time

import torch
from torch import nn


def make_task(preset, seed):
    g = torch.Generator().manual_seed(seed)
    if preset == "lazzari-random-rgb":
        w = h = 64
        r, c = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")  # row-major pixels
        X = torch.stack([c.reshape(-1) / (w - 1), r.reshape(-1) / (h - 1)], dim=1)
        Y = torch.rand(w * h, 3, generator=g, dtype=torch.float64)
        widths, lr, batch = [2, 128, 128, 3], 1e-3, 256
    elif preset == "rahaman-sines":
        n = 200
        z = torch.arange(n, dtype=torch.float64) / n
        ks = torch.arange(5, 55, 5, dtype=torch.float64)
        phi = torch.rand(len(ks), generator=g, dtype=torch.float64) * 2 * math.pi
        X = z[:, None]
        Y = torch.sin(2 * math.pi * ks[None, :] * z[:, None] + phi[None, :]).sum(dim=1, keepdim=True)
        widths, lr, batch = [1, 256, 256, 256, 256, 256, 1], 3e-4, 0
    else:
        raise SystemExit(f"unknown preset {preset!r}")
    dtype = torch.get_default_dtype()
    return X.to(dtype), Y.to(dtype), widths, lr, batch


def mlp(widths):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def batches_randperm(X, Y, batch, g):
    """Minibatches reshuffled every epoch by slicing a random permutation (last batch may be short)."""
    n = X.shape[0]
    while True:
        perm = torch.randperm(n, generator=g)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            yield X[idx], Y[idx]


def batches_dataloader(X, Y, batch, g):
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y), batch_size=batch,
                                         shuffle=True, generator=g)
    while True:
        yield from loader


def batches_full(X, Y):
    while True:
        yield X, Y


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", required=True, choices=["lazzari-random-rgb", "rahaman-sines"])
    ap.add_argument("--steps", type=int, default=1000, help="timed optimizer steps")
    ap.add_argument("--warmup", type=int, default=50, help="untimed optimizer steps first")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    ap.add_argument("--loader", choices=["randperm", "dataloader"], default="randperm")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_default_dtype(torch.float64 if a.dtype == "float64" else torch.float32)
    torch.manual_seed(a.seed)
    X, Y, widths, lr, batch = make_task(a.preset, a.seed)
    model = mlp(widths)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    shuffle = torch.Generator().manual_seed(a.seed + 1)
    if batch:
        data = (batches_randperm if a.loader == "randperm" else batches_dataloader)(X, Y, batch, shuffle)
    else:
        data = batches_full(X, Y)

    def run(steps):
        for _ in range(steps):
            xb, yb = next(data)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        return loss

    run(a.warmup)
    t0 = time.perf_counter()
    last = run(a.steps)
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        final = loss_fn(model(X), Y).item()
    print(json.dumps({
        "preset": a.preset,
        "framework": f"pytorch {torch.__version__}",
        "dtype": a.dtype,
        "threads": torch.get_num_threads(),
        "loader": a.loader if batch else "full-batch",
        "steps": a.steps,
        "warmup": a.warmup,
        "seconds": seconds,
        "steps_per_second": a.steps / seconds,
        "last_batch_loss": last.item(),
        "final_loss": final,
        "total_steps": a.warmup + a.steps,
    }))


if __name__ == "__main__":
    sys.exit(main())
