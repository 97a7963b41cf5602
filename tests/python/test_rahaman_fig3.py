"""examples/rahaman_fig3.py: its average over the phases (the example end to end: slow/test_rahaman_fig3.py)."""
import importlib.util
import pathlib
import sys

import numpy as np

import relutope

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "rahaman_fig3.py"


def example_module():
    sys.path.insert(0, str(EXAMPLE.parent))  # its paper_runs
    spec = importlib.util.spec_from_file_location("rahaman_fig3", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_phase_average_pools_the_directions_of_every_run():
    example = example_module()
    make = lambda ratios, reference, digits: relutope.PerturbationRobustness(  # noqa: E731
        deltas=np.array([0.0, 1.0]), frequencies=np.array([10.0]), robustness=ratios.mean(axis=1),
        spread=ratios.std(axis=1), reference=np.array([reference]), certified_digits=digits)
    a = np.array([[[1.0], [1.0]], [[0.2], [0.6]]])  # (deltas, directions, frequencies)
    b = np.array([[[1.0], [1.0]], [[0.9], [0.1]]])
    average = example.phase_average([make(a, 2.0, 9), make(b, 4.0, 7)])
    both = np.concatenate([a, b], axis=1)
    np.testing.assert_allclose(average.robustness, both.mean(axis=1), rtol=1e-15)
    np.testing.assert_allclose(average.spread, both.std(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(average.reference, [3.0])
    assert average.certified_digits == 7
