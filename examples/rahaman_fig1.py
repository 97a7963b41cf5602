"""Rahaman et al. (2019) Fig. 1, computed exactly: the spectrum of a ReLU network over its training.

(a) equal amplitudes (rahaman-sines), (b) amplitudes increasing with the frequency
(rahaman-sines-increasing). Left of each: the normalised amplitudes 2|c(k_i)|/A_i of the network's
exact Fourier coefficients (Lemma 1 over its exact regions) by frequency and training step; right:
each layer's spectral norm. Beside the figure, how far the paper's estimate, the DFT of the
network's outputs at the 200 training points, lies from the exact values at the last step.

    /usr/bin/python3 examples/rahaman_fig1.py [--full] [--out DIR] [--runs DIR]
"""
import numpy as np
from matplotlib import pyplot as plt

import paper_runs
import relutope
import relutope.plot

PANELS = {"a": ("rahaman-sines", "equal amplitudes"), "b": ("rahaman-sines-increasing", "increasing amplitudes")}
QUICK = dict(steps=2000, every=200)
FULL = dict(steps=60_000, every=1000)  # the paper's 60,000 steps; a snapshot every 1,000 (61 of 5.5 MB)


def dft_amplitude(run, frequencies):
    """The paper's measurement at the run's last step: 2|Y(k_i)|/A_i with Y = np.fft.fft(f(z_j)) / N
    over the N training points z_j = j/N, and A_i = 2|fft(targets)(k_i)| / N (exact for a sum of
    sines of integer frequencies below N/2)."""
    outputs, targets = run.network(run.inputs)[:, 0], run.targets[:, 0]
    k = np.asarray(frequencies, dtype=int)
    return np.abs(np.fft.fft(outputs)[k]) / np.abs(np.fft.fft(targets)[k])


def figure(dynamics):
    """Fig. 1: a row of two-panel figures, (a) and (b), of SpectrumDynamics by panel letter."""
    fig = plt.figure(figsize=(9, 7.4), layout="constrained")
    for subfig, (letter, result) in zip(fig.subfigures(len(dynamics), 1), dynamics.items()):
        relutope.plot.spectrum_training(result, fig=subfig)
        subfig.suptitle(f"({letter}) {PANELS[letter][1]}")
    return fig


def main():
    parser = paper_runs.options(__file__, __doc__.splitlines()[0])
    args = parser.parse_args()
    settings = FULL if args.full else QUICK
    dynamics = {}
    for letter, (preset, _) in PANELS.items():
        run = paper_runs.trained(args, {"preset": preset}, **settings)
        dynamics[letter] = relutope.spectrum_dynamics(run.snapshots, progress=not args.quiet)
        exact = dynamics[letter].amplitude[-1]
        gap = np.abs(exact - dft_amplitude(run, dynamics[letter].frequencies))
        worst = int(np.argmax(gap))
        print(f"({letter}) {preset}, step {dynamics[letter].steps[-1]}: 2|c(k)|/A exact vs DFT of the "
              f"{len(run.inputs)} samples: max |difference| {gap[worst]:.2e} at k = {dynamics[letter].frequencies[worst]:g} "
              f"(exact {exact[worst]:.4f}), mean {gap.mean():.2e}")
    paper_runs.save(figure(dynamics), args, "rahaman_fig1")


if __name__ == "__main__":
    main()
