"""Lazzari & Liu Fig. 2: the activation regions at the beginning of training, exactly.

(a) coordinate inputs: the exact activation regions of the 2 x 128 network on [0,1]^2, each a
colour, with their exact count beside the count the paper's 64x64 sampling sees. (b) positional
encoding (L = 8): the regions are curved in the coordinates; the patterns of the 64x64 grid of
cell centres, every cell its own pattern, as the paper says. (c), (d) the first layer's
hyperplane arrangement: lines for coordinates, curves (the neurons' zero sets) for the encoding,
so dense that (d) shows a corner of 8x8 grid cells.

    /usr/bin/python3 examples/lazzari_fig2.py [--full] [--out DIR] [--runs DIR]

The networks are the presets' at initialisation (seed 0), the same as at step 0 of Fig. 3's
runs; --full only draws the encoding's zero sets on a finer grid.
"""
import matplotlib.pyplot as plt
import numpy as np

import relutope
import relutope.plot
from paper_runs import options, save, trained

RESOLUTION = 64  # the sample grid: the paper's 64x64 image
ZOOM = 8  # (d) shows the corner of ZOOM x ZOOM grid cells
PRESETS = ("lazzari-random-rgb", "lazzari-random-rgb-pe")


def arguments(argv=None):
    return options(__file__, __doc__.splitlines()[0]).parse_args(argv)


def initial_networks(args):
    """The coordinate and the positional-encoding network at step 0 (the presets' initialisation)."""
    return [trained(args, {"preset": preset}, steps=1, every=1).snapshots[0].network for preset in PRESETS]


def figure(args):
    coordinates, encoding = initial_networks(args)
    partition = relutope.regions(coordinates, sample=RESOLUTION, progress=not args.quiet)
    patterns = relutope.sampled_patterns(encoding, resolution=RESOLUTION, progress=not args.quiet)
    distinct = len(np.unique(patterns, axis=0))
    grid = f"{RESOLUTION}x{RESOLUTION}"
    print(f"coordinates: {partition.count} exact regions, {partition.sampled.distinct_patterns} on the {grid} grid; "
          f"encoding: {distinct} distinct patterns on the {RESOLUTION * RESOLUTION} cells")

    fig, axes = plt.subplots(2, 2, figsize=(8.5, 8.8), layout="constrained")
    relutope.plot.regions(partition, ax=axes[0, 0], linewidth=0.1)
    axes[0, 0].set_title(f"(a) coordinates: {partition.count:,} regions (exact)\n"
                         f"{partition.sampled.distinct_patterns:,} seen on the {grid} grid")
    relutope.plot.patterns(patterns, RESOLUTION, encoding.domain, ax=axes[0, 1])
    axes[0, 1].set_title(f"(b) encoding L=8: {distinct:,} patterns\non the {RESOLUTION * RESOLUTION:,} cells "
                         f"of the {grid} grid")
    relutope.plot.first_layer(coordinates, ax=axes[1, 0])
    axes[1, 0].set_title("(c) coordinates: first-layer hyperplanes")
    # The encoding's zero sets oscillate with period 1/2^(L-1) = 1/128: on the whole square they
    # fill it black, so (d) shows its corner of 8x8 pixels, with the sample grid's centres.
    corner = ZOOM / RESOLUTION
    relutope.plot.first_layer(encoding, ax=axes[1, 1], domain=[0, corner, 0, corner], linewidth=0.3,
                              resolution=512 if args.full else 256)
    centres = (np.arange(ZOOM) + 0.5) / RESOLUTION
    axes[1, 1].plot(*np.meshgrid(centres, centres), "o", color="C3", markersize=3)
    axes[1, 1].set_title(f"(d) encoding: first-layer hyperplanes\nin [0, {ZOOM}/{RESOLUTION}]$^2$, "
                         f"{ZOOM}x{ZOOM} grid cells (red: centres)")
    return fig


def main():
    args = arguments()
    save(figure(args), args, "lazzari_fig2")


if __name__ == "__main__":
    main()
