"""Lazzari & Liu Fig. 8: 2D slices of the activation regions of the encoding space of a trained
positional-encoding network (L = 8), exact. Each slice is the plane through the origin of the
32-dimensional encoding space along two of its components, every other component 0: "High" the
sines of the highest level, sin(2^7 pi x1) and sin(2^7 pi x2), "Low" those of the lowest,
sin(pi x1) and sin(pi x2), each over [-1, 1]^2. Left the first layer's regions (its hyperplane
arrangement on the plane), right those of both layers; each panel gives its exact region count.

Quick mode slices the 100-epoch run that Figs. 3, 5-7 and 10 analyse (paper_runs.lazzari_runs);
--full trains the paper's 5,000 epochs (80,000 steps).

    python3 examples/lazzari_fig8.py [--full] [--out DIR] [--runs DIR]
"""
import numpy as np
from matplotlib import pyplot as plt

import relutope
import paper_runs

BOX = [-1, 1, -1, 1]  # the range of a sine


def sines(net, level):
    """The encoding components sin(2^level pi x1), sin(2^level pi x2) of a 2-input network with the
    preset's encoding (order "nerf": per level the sines of every input, then the cosines)."""
    if net.input_dim != 2 or not net.encoding.startswith("positional:") or not net.encoding.endswith(":order=nerf"):
        raise ValueError(f"network: expected 2 inputs and a positional encoding in order nerf, got {net.encoding}")
    return 4 * level, 4 * level + 1


def first_layer(net):
    """The network's first layer and its ReLU alone (with the encoding): its regions are the first
    layer's hyperplane arrangement."""
    return relutope.Network.from_arrays([net.layers[0].weight], [net.layers[0].bias], ["relu"], encoding=net.encoding)


def figure(net, progress=False):
    """The figure of a trained positional-encoding network (lazzari-random-rgb-pe)."""
    levels = int(net.encoding.split(":")[1].removeprefix("L="))
    fig, axes = plt.subplots(2, 2, figsize=(8, 8.2), layout="constrained")
    panels = zip(axes.flat, "abcd", [("High", levels - 1, "first layer"), ("High", levels - 1, "both layers"),
                                     ("Low", 0, "first layer"), ("Low", 0, "both layers")])
    for ax, letter, (name, level, layers) in panels:
        i, j = sines(net, level)
        axis = np.eye(net.layers[0].weight.shape[1])  # the encoding space's unit vectors
        slice_ = (np.zeros(len(axis)), axis[i], axis[j])
        partition = relutope.regions(first_layer(net) if layers == "first layer" else net, BOX, slice=slice_,
                                     progress=progress)
        frequency = "\\pi" if level == 0 else f"2^{level}\\pi"
        relutope.plot.regions(partition, ax, linewidth=0.1,
                              labels=(f"$\\sin({frequency} x_1)$", f"$\\sin({frequency} x_2)$"))
        ax.set_title(f"({letter}) {name}, {layers}: {partition.count:,} regions", fontsize="medium")
    return fig


def main():
    args = paper_runs.options(__file__, __doc__.splitlines()[0]).parse_args()
    if args.full:
        preset = paper_runs.LAZZARI_RUNS["encoding L=8"]
        steps = 5_000 * paper_runs.LAZZARI_STEPS_PER_EPOCH
        net = paper_runs.trained(args, {"preset": preset}, steps=steps, every=steps).network
    else:
        net = paper_runs.lazzari_runs(args)["encoding L=8"].network
    paper_runs.save(figure(net, progress=not args.quiet), args, "lazzari_fig8")


if __name__ == "__main__":
    main()
