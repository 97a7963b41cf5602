"""Lazzari & Liu Fig. 3: training loss (a) and activation-region growth (b), coordinates vs encoding.

The paper counts only the regions its 4096 pixels use (the distinct patterns on the 64x64
grid). relutope also counts every region of the coordinate network in [0,1]^2, exactly: the
grid sees a fraction of them, so "utilized" regions and the network's regions tell different
stories. The encoding's regions are curved in the coordinates: only their sampled count exists.

    /usr/bin/python3 examples/lazzari_fig3.py [--full] [--out DIR] [--runs DIR]

Quick: 100 epochs (1,600 steps), a snapshot every 5 epochs; --full: the paper's 1000 epochs
(16,000 steps), a snapshot every 10.
"""
import matplotlib.pyplot as plt

import relutope
import relutope.plot
from paper_runs import LAZZARI_STEPS_PER_EPOCH as STEPS_PER_EPOCH, lazzari_runs, options, save

RESOLUTION = 64  # the sample grid: the paper's 64x64 image


def arguments(argv=None):
    return options(__file__, __doc__.splitlines()[0]).parse_args(argv)


def runs(args):
    """The two training runs, by name, every snapshot (paper_runs.lazzari_runs)."""
    return lazzari_runs(args, every_snapshot=True)


def figure(args):
    fig, (loss, growth) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for (name, run), color in zip(runs(args).items(), ("C0", "C1")):
        dynamics = relutope.training_dynamics(run.snapshots, sample=RESOLUTION, progress=not args.quiet)
        relutope.plot.training_loss(run.batch_loss, ax=loss, per=STEPS_PER_EPOCH, label=name, color=color)
        relutope.plot.region_growth(dynamics, ax=growth, per=STEPS_PER_EPOCH, label=name, color=color)
        for i in (0, -1):
            exact = f"{dynamics.regions[i]} exact regions, " if dynamics.regions[i] >= 0 else ""
            print(f"{name}, epoch {dynamics.steps[i] // STEPS_PER_EPOCH}: {exact}{dynamics.sampled[i]} patterns on the "
                  f"{RESOLUTION}x{RESOLUTION} grid")
    growth.axhline(RESOLUTION * RESOLUTION, color="0.55", linestyle=":", linewidth=0.8,
                   label=f"{RESOLUTION * RESOLUTION} pixels")
    loss.set_title("(a) Training Loss")
    growth.set_title("(b) Activation Region Growth")
    loss.legend()
    growth.legend(fontsize="small", loc="center right")  # clear of the curves, quick or full
    return fig


def main():
    args = arguments()
    save(figure(args), args, "lazzari_fig3")


if __name__ == "__main__":
    main()
