"""The walkthrough (examples/walkthrough.py) runs whole in quick mode and draws what it says."""
import os
import pathlib
import subprocess
import sys

import matplotlib.image

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_walkthrough_runs_in_quick_mode(tmp_path):
    env = dict(os.environ, QUICK="1", MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "walkthrough.py"), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "activation regions" in done.stdout and "regions streamed" in done.stdout
    for name in ["regions.png", "spectrum.png", "spectrum-training.png"]:
        assert (tmp_path / name).stat().st_size > 10_000, name
    # The regions figure shows many regions: many distinct fill colours.
    pixels = matplotlib.image.imread(tmp_path / "regions.png")[..., :3].reshape(-1, 3)
    assert len({tuple(p) for p in (pixels * 255).round().astype(int)}) > 100
