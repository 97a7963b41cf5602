"""Rahaman et al. Fig. 2 (examples/rahaman_fig2.py) in quick mode, and the plot functions it shares
with Fig. 9, checked against numpy: the drawn curves are the network's forward pass and the
target's samples, the heatmap's cells the accuracies given."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib import pyplot as plt

import paper_runs
import rahaman_fig2
from conftest import cached_runs, layers_of, numpy_forward, run_example
from relutope import plot


def test_fig2_draws_the_networks_exact_graph_over_the_target(tmp_path):
    run_example("rahaman_fig2", tmp_path / "out", tmp_path / "runs")
    run = paper_runs.trained(cached_runs(tmp_path / "runs"), {"preset": rahaman_fig2.PRESET}, **rahaman_fig2.QUICK)
    fig = rahaman_fig2.figure(run, rahaman_fig2.QUICK_PANELS)
    axes = fig.axes
    assert len(axes) == len(rahaman_fig2.QUICK_PANELS)
    networks = {snapshot.step: snapshot.network for snapshot in run.snapshots}
    for ax, step in zip(axes, rahaman_fig2.QUICK_PANELS):
        assert f"iteration {step:,}" in ax.get_title()
        target, learnt = ax.get_lines()
        assert learnt.get_color() == "tab:green" and target.get_color() == "tab:blue"
        # The green curve passes through the network's values at its breakpoints and ends.
        z, y = learnt.get_data()
        assert z[0] == 0 and z[-1] == 1 and np.all(np.diff(z) >= 0)
        expected, _ = numpy_forward(*layers_of(networks[step]), z[:, None])
        np.testing.assert_allclose(y, expected[:, 0], rtol=1e-9, atol=1e-9)
        # Between two breakpoints the network is affine: its value at a midpoint is on the chord.
        middle = (z[:-1] + z[1:]) / 2
        chord, _ = numpy_forward(*layers_of(networks[step]), middle[:, None])
        np.testing.assert_allclose((y[:-1] + y[1:]) / 2, chord[:, 0], rtol=1e-9, atol=1e-9)
        # The blue curve passes through the 200 training targets at z_j = j/200.
        zt, yt = target.get_data()
        samples = np.searchsorted(zt, run.inputs[:, 0])
        np.testing.assert_allclose(zt[samples], run.inputs[:, 0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(yt[samples], run.targets[:, 0], rtol=0, atol=1e-9)
    plt.close(fig)


def test_fig2_target_is_the_sum_of_sines_between_the_samples():
    # A known band-limited target: the interpolant equals it everywhere, not only at the samples.
    z = np.arange(200) / 200
    sines = lambda x: np.sin(2 * np.pi * 5 * x + 1) + 0.3 * np.sin(2 * np.pi * 50 * x + 2)  # noqa: E731
    run = type("Run", (), {"targets": sines(z)[:, None]})
    x, y = rahaman_fig2.target_curve(run, points=1000)
    np.testing.assert_allclose(y, sines(x), atol=1e-12)


def test_accuracy_heatmap_cells_and_labels():
    accuracy = np.array([[0.6, 0.7], [0.9, 1.0], [0.55, 0.8]])
    ax = plot.accuracy_heatmap(accuracy, [50, 100], [0, 10, 20])
    np.testing.assert_array_equal(ax.images[0].get_array(), accuracy)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["50", "100"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0", "10", "20"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{a:.2f}" for a in accuracy.ravel())
    plt.close(ax.figure)


def test_what_the_rahaman_plots_cannot_show_is_refused():
    with pytest.raises(ValueError, match="accuracy_heatmap.*shape"):
        plot.accuracy_heatmap(np.zeros((2, 3)), [50, 100], [0, 10, 20])
    with pytest.raises(ValueError, match="learnt_function.*2D"):
        plot.learnt_function(type("Partition", (), {"dim": 2}))
