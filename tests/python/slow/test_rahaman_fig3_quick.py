"""examples/rahaman_fig3.py end to end in quick mode (about 2 CPU minutes: slow), and the content of its figure."""
import os
import pathlib
import subprocess
import sys

import matplotlib.image
import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # the fast tests' helpers
from test_rahaman_fig3 import EXAMPLE, example_module  # noqa: E402


def test_quick_mode_writes_fig3(tmp_path):
    out, runs = tmp_path / "out", tmp_path / "runs"
    done = subprocess.run([sys.executable, str(EXAMPLE), "--out", str(out), "--runs", str(runs), "--quiet"],
                          env=dict(os.environ, MPLBACKEND="Agg"), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "rahaman_fig3.pdf").read_bytes().startswith(b"%PDF")
    png = matplotlib.image.imread(out / "rahaman_fig3.png")
    assert png.shape[0] > 500 and png.shape[1] > 700
    assert "delta 0: " + " ".join(["1.00"] * 9) in done.stdout

    # The figure of the cached run (fewer directions, for time): one row per delta, one column per
    # frequency, delta = 0 the unperturbed network's own spectrum.
    example = example_module()
    args = example.paper_runs.options(str(EXAMPLE), "").parse_args(["--runs", str(runs), "--quiet"])
    settings = dict(example.QUICK, samples=2)
    result = example.robustness(args, settings)
    image = example.figure(result).axes[0].get_images()[0].get_array()
    assert image.shape == (len(settings["deltas"]), len(example.FREQUENCIES))
    np.testing.assert_array_equal(image[0], 1)
    assert len(list(runs.iterdir())) == 1  # trained once, then read from the run cache
