#!/usr/bin/python3
"""Lazzari & Liu Fig. 9: the mean distance of the training points to the region boundaries over
training, full batch ("no mini-batches"), for coordinates and for positional encodings of low and
high frequency (L = 2, 5, 8).

Their 2 x 128 ReLU MLP (uniform init, Adam lr 1e-3) fits a 64x64 random RGB image. The distance
of a pixel to the nearest boundary is Hanin & Rolnick's min |z(x)| / ||grad z(x)|| (in the
encoding's feature space for an encoded network); for coordinates the exact distance to where the
activation pattern changes inside [0,1]^2 is drawn beside it (dashed): the two differ only where
the square clips a region. Lower frequency encodings contract the distance more.

    examples/lazzari_fig9.py            quick: 200 steps, a snapshot every 20
    examples/lazzari_fig9.py --full     1000 steps (1000 epochs), a snapshot every 50
"""
import sys

import numpy as np
from matplotlib import pyplot as plt

import relutope
from paper_runs import options, save, trained

ENCODINGS = (2, 5, 8)


def main():
    parser = options(__file__, __doc__.splitlines()[0])
    args = parser.parse_args()
    steps, every = (1000, 50) if args.full else (200, 20)
    runs = {"coordinates": {"preset": "lazzari-random-rgb", "batch_size": 0}}
    for L in ENCODINGS:
        runs[f"encoding L={L}"] = {"preset": "lazzari-random-rgb-pe", "batch_size": 0,
                                   "encoding": {"type": "positional", "L": L}}
    dynamics = []
    for label, config in runs.items():
        run = trained(args, config, steps=steps, every=every)
        d = relutope.training_dynamics(run.snapshots, run.inputs, sample=1, local=0, distant=0,
                                       progress=not args.quiet)
        dynamics.append(d)
        exact = "" if np.isnan(d.boundary_exact[0]) else \
            f", exact {d.boundary_exact[0]:.4g} -> {d.boundary_exact[-1]:.4g}"
        print(f"{label}: mean distance to the boundaries {d.boundary_estimate[0]:.4g} -> "
              f"{d.boundary_estimate[-1]:.4g} (neuron estimate){exact}, steps 0 -> {d.steps[-1]}")
    fig, ax = plt.subplots(figsize=(5, 3.6), layout="constrained")
    relutope.plot.boundary_distances(*dynamics, labels=list(runs), ax=ax)
    ax.set_title("full batch (no mini-batches)", fontsize="medium")
    save(fig, args, "lazzari_fig9")
    return 0


if __name__ == "__main__":
    sys.exit(main())
