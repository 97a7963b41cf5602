"""Lazzari & Liu Fig. 4: the matrices of distances between the pixels' inputs.

(a) coordinates, |x_i - x_j|; (b), (c) positional encodings gamma of L = 5 and L = 16 levels,
|gamma(x_i) - gamma(x_j)| (the paper's Delta, Sec. 3), with gamma relutope's own encoding.
The encoding's distance depends on x_i - x_j only (its kernel is stationary: a strong
diagonal); the coordinates' distances spread out far from the diagonal.

    /usr/bin/python3 examples/lazzari_fig4.py [--full] [--out DIR]

The pixels are those of a G x G image at (c/(G-1), r/(G-1)), numbered r G + c as relutope.train
numbers an image's pixels: quick G = 16 (256 x 256 matrices), --full G = 32. No training.
"""
import matplotlib.pyplot as plt
import numpy as np

import relutope
from paper_runs import options, save

LEVELS = (5, 16)  # the paper's panels (b) and (c)


def arguments(argv=None):
    return options(__file__, __doc__.splitlines()[0]).parse_args(argv)


def pixels(side):
    """The coordinates (side^2, 2) of a side x side image's pixels, pixel (r, c) at row r side + c."""
    r, c = np.divmod(np.arange(side * side), side)
    return np.stack([c, r], axis=1) / (side - 1)


def encoded(points, levels):
    """gamma(points) by relutope's positional encoding: a network of one identity layer reads it."""
    width = 2 * levels * points.shape[1]
    encoding = relutope.Network.from_arrays([np.eye(width)], [np.zeros(width)], ["identity"],
                                            encoding=f"positional:L={levels}")
    return encoding(points)


def distances(features):
    """The matrix (n, n) of Euclidean distances between the rows of features (n, m)."""
    squares = np.zeros((len(features), len(features)))
    for column in features.T:  # one feature at a time: memory n^2, not n^2 m
        squares += (column[:, None] - column[None, :]) ** 2
    return np.sqrt(squares)


def figure(args):
    side = 32 if args.full else 16
    points = pixels(side)
    matrices = [("(a) Coordinates", distances(points))]
    matrices += [(f"({letter}) Encoding L={levels}", distances(encoded(points, levels)))
                 for letter, levels in zip("bc", LEVELS)]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.4), layout="constrained")
    for ax, (title, matrix) in zip(axes, matrices):
        drawn = ax.imshow(matrix, interpolation="nearest", cmap="viridis")
        fig.colorbar(drawn, ax=ax, shrink=0.8, label="distance")
        ax.set_title(title)
        ax.set_xlabel(f"pixel j (of {side}x{side})")
        ax.set_ylabel("pixel i")
    return fig


def main():
    args = arguments()
    save(figure(args), args, "lazzari_fig4")


if __name__ == "__main__":
    main()
