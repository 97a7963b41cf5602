"""`relutope dynamics DIR` end to end: the built executable (path in RELUTOPE_EXE), which hands its
arguments to `python3 -m relutope dynamics`, on a tiny run trained by the executable itself. Its
columns against relutope.training_dynamics, the one-line errors, and the files it leaves behind."""
import csv
import json
import math
import os
import shutil
import subprocess

import numpy as np
import pytest

import relutope

EXE = os.environ.get("RELUTOPE_EXE")
pytestmark = pytest.mark.skipif(not EXE, reason="RELUTOPE_EXE names no relutope executable")
OPTIONS = ["--sample", "8", "--local", "3", "--distant", "20", "--seed", "4"]


def relutope_cli(*args, cwd):
    return subprocess.run([EXE, *map(str, args)], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def check_one_error_line(run, name, status=2):
    assert run.returncode == status, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("relutope: ") and name in run.stderr, run.stderr


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    top = tmp_path_factory.mktemp("cli")
    (top / "tiny.json").write_text(json.dumps({"preset": "lazzari-random-rgb", "hidden": [8, 8], "batch_size": 0,
                                               "task": {"width": 5, "height": 5}}))
    run = relutope_cli("train", "--config", "tiny.json", "--steps", "12", "--snapshots", "run", "--every", "6",
                       "--out", "net.json", "--quiet", cwd=top)
    assert run.returncode == 0, run.stderr
    return top / "run"


def test_the_table_and_its_files_hold_training_dynamics_columns(snapshots, tmp_path):
    run = relutope_cli("dynamics", snapshots, *OPTIONS, "--csv", "d.csv", "--json", "d.json", "--quiet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    expected = relutope.training_dynamics(snapshots, sample=8, local=3, distant=20, seed=4, progress=False)
    lines = run.stdout.splitlines()
    assert len(lines) == 1 + 3 and lines[0].split()[:2] == ["step", "loss"]  # steps 0, 6, 12
    assert "boundary_exact" in lines[0] and "boundary_estimate" in lines[0]
    with open(tmp_path / "d.csv") as f:
        rows = list(csv.DictReader(f))
    document = json.loads((tmp_path / "d.json").read_text())["snapshots"]
    columns = {"step": expected.steps, "regions": expected.regions, "sampled": expected.sampled,
               "dead_neurons": expected.dead_neurons, "norm_product": expected.norm_product,
               "spectral_norm_2": expected.spectral_norms[:, 1], "cosine_1": expected.hyperplane_cosine[:, 0],
               "hamming_local": expected.hamming_local, "confusion_distant": expected.confusion_distant,
               "boundary_exact": expected.boundary_exact, "boundary_estimate": expected.boundary_estimate}
    for name, values in columns.items():
        assert [float(row[name]) for row in rows] == values.tolist(), name  # the CSV's decimals read back exactly
        assert [entry[name] for entry in document] == values.tolist(), name
    assert np.all(np.isfinite(expected.boundary_exact)) and np.all(np.isfinite(expected.hamming_local))
    assert [int(line.split()[0]) for line in lines[1:]] == [0, 6, 12]
    assert math.isclose(float(lines[-1].split()[-1]), expected.boundary_estimate[-1], rel_tol=1e-3)


def test_help_and_the_top_level_help_name_the_command(tmp_path):
    run = relutope_cli("dynamics", "--help", cwd=tmp_path)
    assert run.returncode == 0 and "usage: relutope dynamics" in run.stdout and "--csv" in run.stdout
    assert "dynamics" in relutope_cli("--help", cwd=tmp_path).stdout


def test_bad_input_is_one_line_exit_2_and_nothing_written(snapshots, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    check_one_error_line(relutope_cli("dynamics", tmp_path / "missing", "--csv", "d.csv", cwd=out), "snapshots.csv")
    bad = tmp_path / "bad"
    shutil.copytree(snapshots, bad)
    (bad / "snapshots.csv").write_text("step,loss,file\n0,zero,step_000000000.json\n")
    check_one_error_line(relutope_cli("dynamics", bad, "--csv", "d.csv", "--json", "d.json", "--quiet", cwd=out),
                         "snapshots.csv: line 2")
    (bad / "snapshots.csv").write_text((snapshots / "snapshots.csv").read_text())
    (bad / "data.csv").write_text("x0,x1,y0,y1,y2\n0.5,0.5\n")
    check_one_error_line(relutope_cli("dynamics", bad, "--csv", "d.csv", "--quiet", cwd=out), "data.csv: line 2")
    check_one_error_line(relutope_cli("dynamics", snapshots, "--json", "no/d.json", cwd=out), "no/d.json")
    check_one_error_line(relutope_cli("dynamics", snapshots, "--sample", "0", cwd=out), "--sample")
    check_one_error_line(relutope_cli("dynamics", snapshots, "--loss", "l1", cwd=out), "--loss")
    assert list(out.iterdir()) == []  # no table files, no temporaries
