"""Lazzari & Liu Fig. 7: the cosine similarity between the hyperplane normals of each hidden layer
(each neuron's weights) during training, coordinates against positional encoding: the mean of
|cos| over all pairs of neurons of the layer (0: orthogonal, 1: parallel), with the band between
its 10% and 90% quantiles; (a) the first layer, (b) the second.

    python3 examples/lazzari_fig7.py [--full] [--out DIR] [--runs DIR]
"""
from matplotlib import pyplot as plt

import relutope
import paper_runs
from paper_runs import LAZZARI_COLORS, LAZZARI_STEPS_PER_EPOCH as EPOCH


def figure(runs):
    """The figure of the runs {name: paper_runs.Run} (paper_runs.lazzari_runs)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), layout="constrained")
    for name, run in runs.items():
        steps = [s.step for s in run.snapshots]
        by_layer = zip(*(relutope.hyperplane_cosines(s.network) for s in run.snapshots))  # per layer: S arrays
        for ax, cosines in zip(axes, by_layer):
            relutope.plot.spread(steps, [abs(c) for c in cosines], ax, label=name, color=LAZZARI_COLORS[name],
                                 per=EPOCH)
    for ax, title in zip(axes, ("(a) first layer", "(b) second layer")):
        ax.set_title(title, fontsize="medium")
        ax.set_ylim(0, 1)
        ax.set_ylabel("|cosine similarity| of hyperplane normals")
        ax.legend(fontsize="small", title="mean, 10-90% band", title_fontsize="small")
    return fig


def main():
    args = paper_runs.options(__file__, __doc__.splitlines()[0]).parse_args()
    paper_runs.save(figure(paper_runs.lazzari_runs(args)), args, "lazzari_fig7")


if __name__ == "__main__":
    main()
