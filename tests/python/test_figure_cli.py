"""`relutope figure ...` end to end: the built executable (path in RELUTOPE_EXE), which hands its
arguments to `python3 -m relutope figure`. Exit statuses, the one-line errors, the files it
leaves behind, and what the figures show."""
import json
import os
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from relutope.plot import region_colors

EXE = os.environ.get("RELUTOPE_EXE")
FIXTURES = Path(__file__).resolve().parents[1].parent / "data" / "fixtures"
pytestmark = pytest.mark.skipif(not EXE, reason="RELUTOPE_EXE names no relutope executable")


def relutope(*args, cwd):
    return subprocess.run([EXE, *map(str, args)], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def check_one_error_line(run, name, status=2):
    assert run.returncode == status, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.endswith("\n")
    assert run.stderr.startswith("relutope: ") and name in run.stderr


@pytest.fixture
def out(tmp_path):
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


def test_help_exits_0_for_figure_and_every_kind(out):
    for args in (["figure", "--help"], *(["figure", kind, "--help"] for kind in
                                          ("regions", "patterns", "fft-error", "decay", "spectrum-training"))):
        run = relutope(*args, cwd=out)
        assert run.returncode == 0 and "usage: relutope figure" in run.stdout, args


def test_figures_are_written_whole_in_the_suffixs_format_or_not_at_all(out):
    net = FIXTURES / "net_a_f64.json"
    run = relutope("figure", "regions", net, "--first-layer", "--grid", "8", "-o", out / "r.pdf", cwd=out)
    assert run.returncode == 0 and run.stdout.startswith(f"wrote {out / 'r.pdf'} (")
    assert (out / "r.pdf").read_bytes().startswith(b"%PDF")
    assert relutope("figure", "regions", net, "-o", out / "r.svg", cwd=out).returncode == 0
    assert b"<svg" in (out / "r.svg").read_bytes()
    assert relutope("figure", "regions", net, "-o", out / "r.png", cwd=out).returncode == 0
    assert (out / "r.png").read_bytes().startswith(b"\x89PNG")
    check_one_error_line(relutope("figure", "regions", net, "-o", out / "r.bmp", cwd=out), "r.bmp")
    check_one_error_line(relutope("figure", "regions", net, "-o", out / "no/r.pdf", cwd=out), "no/r.pdf")
    check_one_error_line(relutope("figure", "regions", net, "--max-regions", "1", "-o", out / "x.pdf", cwd=out),
                         "max", status=3)
    check_one_error_line(relutope("figure", "regions", net, "--no-such-option", "-o", out / "x.pdf", cwd=out),
                         "--no-such-option")
    assert sorted(p.name for p in out.iterdir()) == ["r.pdf", "r.png", "r.svg"]  # no temporaries, nothing half-written
    with open("/dev/full", "w") as full:  # stdout that cannot be written is an error too
        run = subprocess.run([EXE, "figure", "regions", net, "-o", out / "r.svg"], cwd=out, stdout=full,
                             stderr=subprocess.PIPE, text=True)
    check_one_error_line(run, "stdout: write failed")


def plot_area(image, colors):
    """The pixel box (rows, columns) covered by pixels of `colors` (the figure's data area)."""
    rgb = np.round(image[..., :3] * 255).astype(int)
    hit = np.zeros(rgb.shape[:2], dtype=bool)
    for color in np.round(colors * 255).astype(int):
        hit |= np.abs(rgb - color).max(axis=2) <= 1
    rows, columns = np.nonzero(hit)
    return rows.min(), rows.max(), columns.min(), columns.max()


def test_patterns_are_drawn_the_right_way_up_positional_encodings_too(out):
    # bit 0: x2 > 1/2 (the top half), bit 1: x1 > 3/4 (the right quarter)
    net = out / "two.json"
    net.write_text(json.dumps({"format": "relutope.mlp", "version": 1, "input_dim": 2,
                               "layers": [{"weight": [[0, 1], [1, 0]], "bias": [-0.5, -0.75]},
                                          {"weight": [[1, 1]], "bias": [0]}]}))
    png = out / "patterns.png"
    run = relutope("figure", "patterns", net, "--domain", "0,1,0,1", "--resolution", "8", "-o", png, cwd=out)
    assert run.returncode == 0, run.stderr
    assert "4 distinct activation patterns sampled on the 8 x 8 grid" in run.stdout
    image = matplotlib.image.imread(png)
    colors = region_colors(np.arange(4))  # numbered as first met: bottom left, top left, bottom right, top right
    top, bottom, left, right = plot_area(image, colors)

    def color(x, y):
        return np.round(image[int(bottom - y * (bottom - top)), int(left + x * (right - left)), :3] * 255)

    for (x, y), number in (((0.1, 0.1), 0), ((0.6, 0.3), 0), ((0.1, 0.9), 1), ((0.6, 0.7), 1), ((0.9, 0.1), 2),
                           ((0.8, 0.4), 2), ((0.9, 0.9), 3)):
        assert np.abs(color(x, y) - np.round(colors[number] * 255)).max() <= 1, (x, y)

    pe = FIXTURES / "net_c_pe.json"
    assert relutope("figure", "patterns", pe, "-o", out / "pe.svg", cwd=out).returncode == 0
    assert (out / "pe.svg").stat().st_size > 0
    check_one_error_line(relutope("figure", "patterns", pe, "--domain", "0,1", "-o", out / "x.pdf", cwd=out), "--domain")
    check_one_error_line(relutope("figure", "patterns", net, "-o", out / "x.pdf", cwd=out), str(net))  # no domain in it


def test_plane_through_draws_the_plane_written_by_hand(out):
    rng = np.random.default_rng(21)
    widths = [4, 6, 5, 1]
    layers = [{"weight": rng.uniform(-1, 1, (m, n)).tolist(), "bias": (rng.uniform(-1, 1, m) / 2).tolist()}
              for n, m in zip(widths, widths[1:])]
    net = out / "four.json"
    net.write_text(json.dumps({"format": "relutope.mlp", "version": 1, "input_dim": 4, "layers": layers}))
    points = out / "p.txt"
    points.write_text("0.1 0.2 -0.3 0.5\n0.7 -0.1 0.2 0.5\n0.1 0.9 0.4 -0.25\n")
    by_hand = relutope("regions", net, "--slice", "0.1,0.2,-0.3,0.5:0.6,-0.3,0.5,0:0,0.7,0.7,-0.75", "--domain",
                       "0,1,0,1", "--json", "-", "--quiet", cwd=out)
    count = json.loads(by_hand.stdout)["regions"]
    assert count > 5
    run = relutope("figure", "regions", net, "--plane-through", points, "-o", out / "r.svg", cwd=out)
    assert run.returncode == 0, run.stderr
    assert f"({count} regions)" in run.stdout
    points.write_text("0 0 0 0\n1 1 1 1\n2 2 2 2\n")
    check_one_error_line(relutope("figure", "regions", net, "--plane-through", points, "-o", out / "x.svg", cwd=out),
                         str(points))


def test_fft_error_and_decay_print_their_numbers(out):
    net = FIXTURES / "net_a_f64.json"
    run = relutope("figure", "fft-error", net, "--domain", "0,1,0,1", "--max-n", "64", "-o", out / "fft.png", cwd=out)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "N,rectangle_error,trapezoid_error" and lines[-1] == f"wrote {out / 'fft.png'}"
    rows = np.array([[float(x) for x in line.split(",")] for line in lines[1:-1]])
    assert len(rows) >= 2 and rows[-1, 0] <= 64 and np.all(rows[:, 1:] >= 0)
    # The legend's placement inside the axes: tests/python/test_plot.py, on the same code.
    run = relutope("figure", "decay", net, "--t-max", "8", "-o", out / "decay.png", cwd=out)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("fitted exponent ") and run.stdout.endswith(f"; wrote {out / 'decay.png'}\n")
    check_one_error_line(relutope("figure", "decay", net, "--freq", "1,2,3", "-o", out / "x.png", cwd=out), "--freq")
    check_one_error_line(relutope("figure", "fft-error", net, "-o", out / "x.png", cwd=out), "--freq")  # (1,1) is on no grid
    assert sorted(p.name for p in out.iterdir()) == ["decay.png", "fft.png"]


def test_spectrum_training_draws_the_snapshots_of_a_run(out):
    run = relutope("train", "--preset", "rahaman-sines", "--steps", "2", "--snapshots", out / "run", "--every", "1",
                   "--out", out / "net.json", cwd=out)
    assert run.returncode == 0, run.stderr
    run = relutope("figure", "spectrum-training", out / "run", "-o", out / "fig1.svg", "--quiet", cwd=out)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"wrote {out / 'fig1.svg'} (") and "10 frequencies" in run.stdout
    run = relutope("figure", "spectrum-training", out / "run", "--freq", "5 10", "--amplitudes", "1 1", "-o",
                   out / "two.pdf", cwd=out)
    assert run.returncode == 0 and "2 frequencies" in run.stdout, run.stderr
