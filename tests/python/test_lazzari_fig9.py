"""examples/lazzari_fig9.py in quick mode, end to end: it writes the figure, draws one curve per run
plus the exact distance of the coordinate run, and what it draws is training_dynamics' columns of
the runs it trained (read back from their snapshot directories alone)."""
import importlib
import pathlib
import sys

import numpy as np

import relutope

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def test_fig9_quick_mode_draws_the_runs_boundary_distances(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    example = importlib.import_module("lazzari_fig9")
    drawn = []
    save = example.save
    monkeypatch.setattr(example, "save", lambda fig, args, name: (drawn.append(fig), save(fig, args, name)))
    monkeypatch.setattr(sys, "argv", ["lazzari_fig9.py", "--out", str(tmp_path / "out"), "--runs",
                                      str(tmp_path / "runs"), "--quiet"])
    assert example.main() == 0
    for suffix in ("pdf", "png"):
        assert (tmp_path / "out" / f"lazzari_fig9.{suffix}").stat().st_size > 5_000
    (ax,) = drawn[0].axes
    lines = ax.get_lines()
    labels = [line.get_label() for line in lines]
    assert labels == ["coordinates, neuron estimate", "coordinates, exact", "encoding L=2", "encoding L=5",
                      "encoding L=8"]
    assert ax.get_xlabel() == "training step" and ax.get_yscale() == "log"
    coordinates = next((tmp_path / "runs").glob("lazzari-random-rgb-200-*")) / "snapshots"
    d = relutope.training_dynamics(coordinates, sample=1, local=0, distant=0, progress=False)
    assert np.array_equal(lines[0].get_xdata(), d.steps) and np.array_equal(lines[0].get_ydata(), d.boundary_estimate)
    assert np.array_equal(lines[1].get_ydata(), d.boundary_exact)
    assert np.all(d.boundary_estimate <= d.boundary_exact)
