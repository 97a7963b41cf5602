"""Lazzari & Liu Fig. 6: the mean Hamming distance between the activation patterns of the 64 x 64
training pixels over training, coordinates against positional encoding: (a) over the pairs within
every 3x3 neighbourhood of the image, (b) over all pairs of pixels (globally).

    python3 examples/lazzari_fig6.py [--full] [--out DIR] [--runs DIR]
"""
from types import SimpleNamespace

from matplotlib import pyplot as plt

import relutope
import paper_runs
from paper_runs import LAZZARI_COLORS, LAZZARI_STEPS_PER_EPOCH as EPOCH


def figure(runs):
    """The figure of the runs {name: paper_runs.Run} (paper_runs.lazzari_runs)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    for name, run in runs.items():
        steps = [s.step for s in run.snapshots]
        hamming = [relutope.hamming_distances(s.network.patterns(run.inputs), 64, 64) for s in run.snapshots]
        dynamics = SimpleNamespace(steps=steps, hamming_local=[h.local for h in hamming],
                                   hamming_overall=[h.overall for h in hamming])  # the fields of TrainingDynamics
        for ax, field in zip(axes, ("hamming_local", "hamming_overall")):
            relutope.plot.dynamics(dynamics, field, ax, label=name, color=LAZZARI_COLORS[name],
                                   per=EPOCH)
    for ax, title in zip(axes, ("(a) local: 3x3 neighbourhoods", "(b) global: all pairs")):
        ax.set_title(title, fontsize="medium")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize="small")
    return fig


def main():
    args = paper_runs.options(__file__, __doc__.splitlines()[0]).parse_args()
    paper_runs.save(figure(paper_runs.lazzari_runs(args)), args, "lazzari_fig6")


if __name__ == "__main__":
    main()
