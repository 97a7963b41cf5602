"""Rahaman et al. (2019) Fig. 8, computed exactly: the spectrum of f o gamma_L over training for
networks trained on the flower curve gamma_L with L = 0, 4, 10, 16 petals (a-d), and their learning
curves (e).

The paper monitors a DFT of 1000 samples of z; here each 2|c(k)|/A is the certified Fourier
coefficient over the exact pieces of the curve (relutope.flower_spectrum). The run also prints, for
each final network, how far the paper's DFT estimate is from the exact coefficients.

    /usr/bin/python3 examples/rahaman_fig8.py [--full] [--out DIR] [--runs DIR] [--quiet]

Quick mode (default): 3 hidden layers of 32 instead of 5 of 256, 2,000 steps with a snapshot every
400 (the paper's data: N = 1000 points, k = 20, 40, ..., 200, A_i = 1; Adam 3e-4, full batch).
--full: the rahaman-flower preset's network, 60,000 steps, a snapshot every 2,000.
"""
import pathlib
import sys

import matplotlib.pyplot as plt
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import paper_runs  # noqa: E402

import relutope  # noqa: E402
import relutope.plot  # noqa: E402

PETALS = (0, 4, 10, 16)


def config(petals, full):
    """The training configuration of the run on gamma_L, L = petals."""
    c = {"preset": "rahaman-flower", "task": {"petals": petals}}
    return c if full else dict(c, hidden=[32, 32, 32])


def schedule(full):
    """(steps, snapshot interval)."""
    return (60_000, 2_000) if full else (2_000, 400)


def dft_error(net, petals, frequencies):
    """max over k of |DFT of 1000 samples - c(k)|, and the exact coefficients' largest |c(k)|."""
    z = np.arange(1000) / 1000
    r = 1 + np.sin(2 * np.pi * petals * z) / 2
    y = net(np.stack([r * np.cos(2 * np.pi * z), r * np.sin(2 * np.pi * z)], axis=1))[:, 0]
    exact = relutope.flower_spectrum(net, petals, frequencies, precision=64, progress=False).values[:, 0]
    return np.abs(np.fft.fft(y)[frequencies] / 1000 - exact).max(), np.abs(exact).max()


def main(argv=None):
    args = paper_runs.options(__file__, __doc__.splitlines()[0]).parse_args(argv)
    steps, every = schedule(args.full)
    fig = plt.figure(figsize=(17, 3.6), layout="constrained")
    axes = fig.subplots(1, 5)
    for ax, letter, petals in zip(axes, "abcd", PETALS):
        run = paper_runs.trained(args, config(petals, args.full), steps=steps, every=every)
        dynamics = relutope.flower_spectrum_dynamics(run.snapshots, petals, progress=not args.quiet)
        image = relutope.plot.spectrum_heatmap(dynamics, ax)
        ax.set_title(f"({letter}) L = {petals}")
        frequencies = [int(k) for k in dynamics.frequencies]
        error, largest = dft_error(run.network, petals, frequencies)
        pieces = relutope.flower_spectrum(run.network, petals, [0], progress=False).pieces
        print(f"L = {petals}: {pieces} exact pieces along the curve; DFT(1000) vs exact: max error {error:.2e} "
              f"(largest |c(k)| {largest:.2e})")
        axes[4].semilogy(np.arange(1, len(run.batch_loss) + 1), run.batch_loss, label=f"L = {petals}")
    fig.colorbar(image, ax=axes[:4], label="2|c(k)|/A", fraction=0.02)
    axes[4].set_title("(e)")
    axes[4].set_xlabel("training step")
    axes[4].set_ylabel("training MSE")
    axes[4].legend(fontsize="small")
    paper_runs.save(fig, args, "rahaman_fig8")
    return fig


if __name__ == "__main__":
    main()
