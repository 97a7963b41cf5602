"""Lazzari & Liu Fig. 1: the image a coordinate MLP learns from coordinates (a) and from their
positional encoding (b), beside the target.

The 2 x 128 networks of the paper's Sec. 3 (Adam 1e-3, minibatches of 256) regress the RGB
value of each pixel from its coordinates (c/(W-1), r/(H-1)) or from their encoding (L = 8).
The paper's picture is a natural image; no image ships with relutope, so by default the target
is a 64x64 test card drawn here (a sky gradient and a sun, smooth; hills with stripes 2 pixels
wide and a checkerboard of 2x2 squares, near the grid's highest frequency), written as PNG into
the run cache (as is a copy of --image). --image fits your own PNG instead.

    /usr/bin/python3 examples/lazzari_fig1.py [--full] [--image PNG] [--out DIR] [--runs DIR]

Quick: 4,000 steps; --full: 16,000 (the presets' 1000 epochs of a 64x64 image).
"""
import hashlib
import io
import os
import pathlib
import tempfile

import matplotlib.pyplot as plt
import numpy as np

import relutope.plot
from paper_runs import options, save, trained

NETWORKS = {"(a) Coordinates": "lazzari-random-rgb", "(b) Positional encoding L=8": "lazzari-random-rgb-pe"}


def arguments(argv=None):
    parser = options(__file__, __doc__.splitlines()[0])
    parser.add_argument("--image", type=pathlib.Path, help="the PNG to fit (default: a 64x64 test card)")
    return parser.parse_args(argv)


def test_card(side=64):
    """The default target: RGB (side, side, 3) in [0, 1], row 0 at the top."""
    r, c = np.mgrid[0:side, 0:side]
    x, y = c / (side - 1), r / (side - 1)
    rgb = np.stack([0.35 + 0.4 * y, 0.55 + 0.3 * y, 0.95 - 0.35 * y], axis=-1)  # sky, lighter towards the horizon
    rgb[(x - 0.72) ** 2 + (y - 0.24) ** 2 < 0.13 ** 2] = (1.0, 0.85, 0.2)  # the sun
    hills = y > 0.58 + 0.08 * np.sin(2 * np.pi * 1.3 * x + 0.5)
    stripes = (r // 2) % 2 == 1
    rgb[hills & stripes] = (0.2, 0.5, 0.2)
    rgb[hills & ~stripes] = (0.4, 0.72, 0.3)
    board = (c < side * 3 // 10) & (r >= side * 8 // 10)
    rgb[board] = np.where(((r // 2 + c // 2) % 2 == 0)[board, None], 0.95, 0.05)
    return rgb


def target_image(args):
    """The PNG to fit (--image, or the test card) as a copy in the run cache named by its content,
    so that the cached runs follow the image's content, not its file name."""
    if args.image is None:
        buffer = io.BytesIO()
        plt.imsave(buffer, test_card(), format="png")
        png = buffer.getvalue()
    else:
        try:
            png = args.image.read_bytes()
        except OSError as error:
            raise ValueError(f"--image: {args.image}: {error.strerror}") from None
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError(f"--image: {args.image}: not a PNG file")
    path = args.runs / f"target-{hashlib.sha256(png).hexdigest()[:12]}.png"
    if not path.exists():
        args.runs.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(prefix=".target-", suffix=".png", dir=args.runs)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(png)
            os.replace(staging, path)
        except BaseException:
            os.unlink(staging)
            raise
    return path


def runs(args):
    """The two training runs on the target, by panel title."""
    task = {"kind": "image", "image": str(target_image(args).resolve())}
    steps = 16000 if args.full else 4000
    return {title: trained(args, {"preset": preset, "task": task}, steps=steps, every=steps)
            for title, preset in NETWORKS.items()}


def figure(args):
    runs_ = runs(args)
    any_run = next(iter(runs_.values()))
    width, height = len(np.unique(any_run.inputs[:, 0])), len(np.unique(any_run.inputs[:, 1]))
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.8), layout="constrained")
    relutope.plot.image(any_run.targets, width, height, ax=axes[0])
    axes[0].set_title("Target")
    for ax, (title, run) in zip(axes[1:], runs_.items()):
        learned = np.clip(run.network(run.inputs), 0, 1)
        psnr = 10 * np.log10(1 / np.mean((learned - run.targets) ** 2))
        relutope.plot.image(learned, width, height, ax=ax)
        ax.set_title(f"{title}\nPSNR {psnr:.1f} dB")
        print(f"{title}: PSNR {psnr:.2f} dB after {run.snapshots[-1].step} steps")
    return fig


def main():
    args = arguments()
    try:
        fig = figure(args)
    except ValueError as error:  # a bad --image: one line, not a traceback
        raise SystemExit(f"lazzari_fig1: {error}") from None
    save(fig, args, "lazzari_fig1")


if __name__ == "__main__":
    main()
