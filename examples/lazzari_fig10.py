"""Lazzari & Liu Fig. 10: the spectral norm (largest singular value) of each layer's weights over
training for coordinates in [0,1]^2 (a) and positional encoding L = 8 (b), their product (c), the
bound on the Lipschitz constant (Rahaman et al. Eq. 7), and the dead ReLU neurons (d): exact for
coordinates (inactive on the whole of [0,1]^2, from the exact regions) beside what the centres of
a 64 x 64 grid report (never active at any of them), and the sampled count for the encoding.

relutope's trainer normalises the coordinates to [0,1] only: the paper's wider normalising
intervals of (d) are not drawn.

    python3 examples/lazzari_fig10.py [--full] [--out DIR] [--runs DIR]
"""
from types import SimpleNamespace

from matplotlib import pyplot as plt

import relutope
import paper_runs
from paper_runs import LAZZARI_COLORS, LAZZARI_STEPS_PER_EPOCH as EPOCH

SAMPLE = 64  # the grid of the sampled dead-neuron count


def sampled_dead(net):
    """ReLU neurons never active at the centres of the SAMPLE x SAMPLE grid of cells of the domain."""
    return int((~relutope.sampled_patterns(net, resolution=SAMPLE, progress=False).any(axis=0)).sum())


def figure(runs, progress=False):
    """The figure of the runs {name: paper_runs.Run} (paper_runs.lazzari_runs): coordinates, encoding."""
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), layout="constrained")
    epoch = dict(per=EPOCH)
    for ax, letter, (name, run) in zip(axes[0], "ab", runs.items()):
        dynamics = relutope.training_dynamics(run.snapshots, run.inputs, run.targets, sample=SAMPLE, progress=progress)
        relutope.plot.dynamics(dynamics, "spectral_norms", ax, **epoch)
        ax.set_title(f"({letter}) {name}", fontsize="medium")
        color = LAZZARI_COLORS[name]
        relutope.plot.dynamics(dynamics, "norm_product", axes[1, 0], label=name, color=color, **epoch)
        if dynamics.regions[0] >= 0:  # exact regions: the dead neurons are exact, drawn beside the sampled count
            relutope.plot.dynamics(dynamics, "dead_neurons", axes[1, 1], label=f"{name}, exact", color=color, **epoch)
            dynamics = SimpleNamespace(steps=dynamics.steps, dead_neurons=[sampled_dead(s.network) for s in run.snapshots])
        relutope.plot.dynamics(dynamics, "dead_neurons", axes[1, 1], label=f"{name}, {SAMPLE}x{SAMPLE} sampled", color=color,
                               linestyle="--", **epoch)
    axes[1, 0].set_title("(c) product of the layers' spectral norms", fontsize="medium")
    axes[1, 1].set_title("(d) dead ReLU neurons (of 256)", fontsize="medium")
    for ax in axes.flat:
        ax.set_ylim(bottom=0)
        ax.legend(fontsize="small")
    return fig


def main():
    args = paper_runs.options(__file__, __doc__.splitlines()[0]).parse_args()
    paper_runs.save(figure(paper_runs.lazzari_runs(args), progress=not args.quiet), args, "lazzari_fig10")


if __name__ == "__main__":
    main()
