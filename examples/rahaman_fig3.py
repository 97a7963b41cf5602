#!/usr/bin/env python3
"""Rahaman et al. (2019) Fig. 3, computed exactly: lower frequencies are more robust to random
perturbations of the parameters.

The paper's Experiment 2: a 6-layer, 256-unit ReLU network is trained on
lambda(z) = sum_i sin(2 pi k_i z + phi_i), k_i = 10, 15, ..., 50, on 200 points of [0, 1]; at the
trained parameters theta* it is perturbed to theta* + delta theta_hat (theta_hat a random unit
vector in parameter space), and the magnitudes |c_theta(k_i)| of the perturbed network's Fourier
coefficients, averaged over the directions and normalised by |c_theta*(k_i)|, are drawn against
delta, averaged over the phases phi (one training run per seed). Here every coefficient comes from
the perturbed network's exact regions and the certified closed-form spectrum, not from a DFT of
samples.

    python3 examples/rahaman_fig3.py [--full] [--out DIR] [--runs DIR]

Quick mode: one run (one set of phases) of 1,000 steps, 20 directions, 6 magnitudes. --full: the
paper's 60,000 steps, 100 directions, 5 runs (phases) averaged, 8 magnitudes.
"""
import dataclasses
import time

import numpy as np
from matplotlib import pyplot as plt

import paper_runs
import relutope

FREQUENCIES = [10, 15, 20, 25, 30, 35, 40, 45, 50]
TASK = {"preset": "rahaman-sines", "task": {"frequencies": FREQUENCIES, "amplitudes": [1.0] * len(FREQUENCIES)}}
QUICK = dict(steps=1000, samples=20, seeds=1, deltas=[0, 0.25, 0.5, 1, 2, 4])
FULL = dict(steps=60_000, samples=100, seeds=5, deltas=[0, 0.125, 0.25, 0.5, 1, 2, 4, 8])


def phase_average(results):
    """The robustness averaged over runs with different phases (the paper's average over phi):
    the mean of the means, the spread of all directions pooled (each run has as many), the
    reference |c_theta*(k_i)| averaged, the fewest certified digits."""
    mean = np.mean([r.robustness for r in results], axis=0)
    second_moment = np.mean([r.spread ** 2 + r.robustness ** 2 for r in results], axis=0)
    return dataclasses.replace(results[0], robustness=mean, spread=np.sqrt(np.maximum(second_moment - mean ** 2, 0)),
                               reference=np.mean([r.reference for r in results], axis=0),
                               certified_digits=min(r.certified_digits for r in results))


def robustness(args, settings):
    """The phase-averaged robustness of the runs trained with seeds 0, 1, ... (their phases)."""
    results = []
    for seed in range(settings["seeds"]):
        run = paper_runs.trained(args, TASK, steps=settings["steps"], every=settings["steps"], seed=seed)
        results.append(relutope.perturbation_robustness(run.network, settings["deltas"], FREQUENCIES,
                                                        samples=settings["samples"], seed=seed,
                                                        progress=not args.quiet))
    return phase_average(results)


def figure(result):
    """Rahaman et al. Fig. 3: the normalised spectrum against the perturbation magnitude."""
    fig, ax = plt.subplots(figsize=(5, 3.6), layout="constrained")
    relutope.plot.perturbation(result, ax=ax)
    return fig


def main():
    parser = paper_runs.options(__file__, "Rahaman et al. Fig. 3: robustness of each frequency to parameter perturbations")
    args = parser.parse_args()
    settings = FULL if args.full else QUICK
    start = time.perf_counter()
    result = robustness(args, settings)
    paper_runs.save(figure(result), args, "rahaman_fig3")
    print(f"{settings['seeds']} run(s) of {settings['steps']} steps, {settings['samples']} directions, "
          f"{len(result.deltas)} magnitudes: {time.perf_counter() - start:.1f} s; "
          f"every |c| certified to {result.certified_digits} digits")
    for delta, row in zip(result.deltas, result.robustness):
        print(f"delta {delta:g}: " + " ".join(f"{x:.2f}" for x in row))


if __name__ == "__main__":
    main()
