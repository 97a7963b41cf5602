"""Lazzari & Liu Fig. 5: gradient confusion over training, coordinates against positional encoding.

(a) the confusion bound eta (cos >= -eta for every pair, Sankararaman et al. 2020) over the pairs
within 100 local 3x3 neighbourhoods of the image, (b) over 10,000 distant random pairs, at each
snapshot; (c) and (d) the densities of those cosines at the end of training. The cosines are
between the per-pixel MSE loss gradients with respect to every weight and bias.

    python3 examples/lazzari_fig5.py [--full] [--out DIR] [--runs DIR]
"""
from matplotlib import pyplot as plt

import relutope
import paper_runs
from paper_runs import LAZZARI_COLORS, LAZZARI_STEPS_PER_EPOCH as EPOCH

LOCAL, DISTANT = 100, 10_000  # the paper's neighbourhoods and distant pairs


def figure(runs, progress=False):
    """The figure of the runs {name: paper_runs.Run} (paper_runs.lazzari_runs)."""
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), layout="constrained")
    for name, run in runs.items():
        style = dict(label=name, color=LAZZARI_COLORS[name])
        dynamics = relutope.training_dynamics(run.snapshots, run.inputs, run.targets, local=LOCAL, distant=DISTANT,
                                              progress=progress)
        relutope.plot.dynamics(dynamics, "confusion_local", axes[0, 0], per=EPOCH, **style)
        relutope.plot.dynamics(dynamics, "confusion_distant", axes[0, 1], per=EPOCH, **style)
        final = relutope.gradient_confusion(run.network, run.inputs, run.targets, 64, 64, local=LOCAL, distant=DISTANT,
                                            progress=progress)
        relutope.plot.confusion_density(final, axes[1, 0], pairs="local", **style)
        relutope.plot.confusion_density(final, axes[1, 1], pairs="distant", **style)
    titles = [f"(a) local: {LOCAL} 3x3 neighbourhoods", f"(b) distant: {DISTANT:,} pairs",
              "(c) density, local pairs (end of training)", "(d) density, distant pairs (end of training)"]
    for ax, title in zip(axes.flat, titles):
        ax.set_title(title, fontsize="medium")
        ax.legend(fontsize="small")
    return fig


def main():
    args = paper_runs.options(__file__, __doc__.splitlines()[0]).parse_args()
    runs = paper_runs.lazzari_runs(args)
    paper_runs.save(figure(runs, progress=not args.quiet), args, "lazzari_fig5")


if __name__ == "__main__":
    main()
