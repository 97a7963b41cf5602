"""Rahaman et al. (2019) Fig. 9: training accuracy on a binarized sine by its frequency and gamma_L's petals.

The network classifies [sin(2 pi k z + phi) > 0.5] on the flower curve gamma_L. Each cell is one
run of the rahaman-flower-classify preset (Exp. 6: the Exp. 1 network, Adam 3e-4, full batch of
N = 1000 points, BCE with logits) with the task's frequency and petals overridden; its accuracy is
that of the final network's logits (class 1 where the logit is > 0) on the training samples. More
petals make the same frequency easier to fit.

    /usr/bin/python3 examples/rahaman_fig9.py [--full] [--out DIR] [--runs DIR]
"""
import numpy as np
from matplotlib import pyplot as plt

import paper_runs
import relutope.plot

PRESET = "rahaman-flower-classify"
QUICK = dict(frequencies=(50, 100, 200), petals=(0, 10, 20), steps=400)
FULL = dict(frequencies=tuple(range(50, 401, 50)), petals=tuple(range(0, 21, 2)), steps=60_000)  # Exp. 6's grid


def accuracy(run):
    """The fraction of the training samples whose class the final network's logit gets right."""
    return float(np.mean((run.network(run.inputs)[:, 0] > 0) == (run.targets[:, 0] > 0.5)))


def accuracies(args, frequencies, petals, steps):
    """(len(petals), len(frequencies)) training accuracies, one run a cell (trained or from the run cache)."""
    return np.array([[accuracy(paper_runs.trained(args, {"preset": PRESET, "task": {"frequencies": [k], "petals": L}},
                                                  steps=steps, every=steps))
                      for k in frequencies] for L in petals])


def figure(accuracy, frequencies, petals):
    """Fig. 9: the heatmap of training accuracies."""
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * len(frequencies), 1.4 + 0.45 * len(petals)), layout="constrained")
    relutope.plot.accuracy_heatmap(accuracy, frequencies, petals, ax=ax)
    return fig


def main():
    parser = paper_runs.options(__file__, __doc__.splitlines()[0])
    args = parser.parse_args()
    settings = FULL if args.full else QUICK
    table = accuracies(args, **settings)
    print(f"training accuracy after {settings['steps']:,} steps (rows L, columns k):")
    print("  L \\ k " + "".join(f"{k:>7}" for k in settings["frequencies"]))
    for L, row in zip(settings["petals"], table):
        print(f"{L:>7} " + "".join(f"{a:>7.3f}" for a in row))
    paper_runs.save(figure(table, settings["frequencies"], settings["petals"]), args, "rahaman_fig9")


if __name__ == "__main__":
    main()
