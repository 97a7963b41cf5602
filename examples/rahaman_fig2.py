"""Rahaman et al. (2019) Fig. 2, drawn exactly: the learnt function (green) over the target (blue) in training.

The run is Fig. 1's equal-amplitude one (rahaman-sines, shared through the run cache). The
network's graph is drawn between its exact breakpoints (relutope.regions in 1D), not from samples;
the target, a sum of sines of frequencies up to 50, is drawn from its 200 training samples by
band-limited (Fourier) interpolation, which gives it exactly since every k_i is below 200/2.

    /usr/bin/python3 examples/rahaman_fig2.py [--full] [--out DIR] [--runs DIR]
"""
import numpy as np
from matplotlib import pyplot as plt

import paper_runs
import relutope
import relutope.plot
from rahaman_fig1 import FULL, QUICK

PRESET = "rahaman-sines"
QUICK_PANELS = (200, 600, 1200, 2000)  # training steps shown, one panel each
FULL_PANELS = (1000, 5000, 20_000, 60_000)


def target_curve(run, points=4000):
    """The target on z = m/points, m = 0..points, from its N samples at z_j = j/N: the trigonometric
    interpolant (zero-padded inverse FFT), equal to the target when its frequencies are below N/2."""
    samples = run.targets[:, 0]
    values = np.fft.irfft(np.fft.rfft(samples), n=points) * points / len(samples)
    return np.arange(points + 1) / points, np.append(values, values[0])  # the target has period 1


def figure(run, steps, progress=False):
    """Fig. 2: one panel per training step in `steps` (each a snapshot of `run`), the network's exact graph over the target."""
    snapshots = {snapshot.step: snapshot for snapshot in run.snapshots}
    fig, axes = plt.subplots(1, len(steps), figsize=(3.2 * len(steps), 2.9), sharey=True, layout="constrained")
    target = target_curve(run)
    for ax, step in zip(axes, steps):
        partition = relutope.regions(snapshots[step].network, progress=progress)
        relutope.plot.learnt_function(partition, target, ax=ax)
        ax.set_title(f"iteration {step:,} ({partition.count:,} regions)")
    for ax in axes[1:]:
        ax.set_ylabel("")
    low, high = axes[0].get_ylim()
    axes[0].set_ylim(low, high + 0.25 * (high - low))  # room for the legend above the curves
    axes[0].legend(loc="upper center", ncols=2, fontsize="small", frameon=False)
    return fig


def main():
    parser = paper_runs.options(__file__, __doc__.splitlines()[0])
    args = parser.parse_args()
    run = paper_runs.trained(args, {"preset": PRESET}, **(FULL if args.full else QUICK))
    paper_runs.save(figure(run, FULL_PANELS if args.full else QUICK_PANELS, progress=not args.quiet), args,
                    "rahaman_fig2")


if __name__ == "__main__":
    main()
