#!/usr/bin/python3
"""The 3D network of bench/engine.sh: a 3 -> 64 -> 64 -> 1 ReLU MLP fitted in PyTorch to the
signed distance function of a torus in [-1,1]^3, saved as a state_dict (torch.save), the format
users hand to relutope.

The torus lies in the plane z = 0, around the z axis: major radius 0.5, minor radius 0.25,
sdf(x, y, z) = sqrt((sqrt(x^2 + y^2) - 0.5)^2 + z^2) - 0.25. Training: float32 (what users run),
torch.manual_seed(seed), Adam lr 1e-3 then 1e-4 for the last quarter, MSE on a fresh batch of
uniform points in [-1,1]^3 every step, one thread.

  sdf3d_train.py OUT.pt [--steps 4000] [--batch 1024] [--seed 0]

Prints one JSON document: {"network", "steps", "seconds", "final_loss" (MSE on 65,536 fixed test
points), "parameters", "torch"}.
"""
import argparse
import json
import time

import torch


def sdf_torus(p, major=0.5, minor=0.25):
    ring = torch.sqrt(p[:, 0] ** 2 + p[:, 1] ** 2) - major
    return (torch.sqrt(ring ** 2 + p[:, 2] ** 2) - minor).unsqueeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    model = torch.nn.Sequential(torch.nn.Linear(3, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(args.seed + 1)
    test = torch.rand(65536, 3, generator=torch.Generator().manual_seed(args.seed + 2)) * 2 - 1
    t0 = time.perf_counter()
    for step in range(args.steps):
        if step == (3 * args.steps) // 4:
            for group in opt.param_groups:
                group["lr"] = 1e-4
        x = torch.rand(args.batch, 3, generator=gen) * 2 - 1
        loss = torch.nn.functional.mse_loss(model(x), sdf_torus(x))
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        final = torch.nn.functional.mse_loss(model(test), sdf_torus(test)).item()
    torch.save(model.state_dict(), args.out)
    print(json.dumps({"network": args.out, "steps": args.steps, "seconds": seconds, "final_loss": final,
                      "parameters": sum(p.numel() for p in model.parameters()), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
