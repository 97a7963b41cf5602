"""examples/rahaman_fig8.py runs whole in quick mode: five panels, the figure files, and each
heatmap's last row is 2|c(k)|/A of the run's final network, recomputed here with flower_spectrum."""
import importlib.util
import pathlib

import numpy as np

import relutope

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_example():
    spec = importlib.util.spec_from_file_location("rahaman_fig8", ROOT / "examples" / "rahaman_fig8.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_fig8_quick_mode(tmp_path, capsys):
    example = load_example()
    args = ["--out", str(tmp_path / "fig"), "--runs", str(tmp_path / "runs"), "--quiet"]
    fig = example.main(args)
    for extension in ("pdf", "png"):
        assert (tmp_path / "fig" / f"rahaman_fig8.{extension}").stat().st_size > 10_000
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title()[:3] for ax in panels] == ["(a)", "(b)", "(c)", "(d)", "(e)"]
    assert len(panels[4].get_lines()) == len(example.PETALS)
    printed = capsys.readouterr().out
    assert printed.count("exact pieces along the curve") == len(example.PETALS)

    parsed = example.paper_runs.options(example.__file__, "").parse_args(args)
    steps, every = example.schedule(False)
    for ax, petals in zip(panels, example.PETALS):
        run = example.paper_runs.trained(parsed, example.config(petals, False), steps=steps, every=every)
        ks = list(range(20, 201, 20))
        c = relutope.flower_spectrum(run.network, petals, ks, precision=64, progress=False).values[:, 0]
        heat = ax.get_images()[0].get_array()
        assert heat.shape == (len(run.snapshots), len(ks))
        np.testing.assert_allclose(heat[-1], np.clip(2 * np.abs(c), 0, 1), rtol=1e-12, atol=0)
