"""Errors as Python exceptions with the command line's one-line messages: ValueError for bad input
(exit 2 on the command line), relutope.LimitError for limits (exit 3). Each fault is made once and
given to both; the Python message must equal the CLI's stderr line after "relutope: "."""
import json
import os
import pickle
import zipfile

import numpy as np
import pytest

import relutope
from conftest import mlp, run_cli

MARKER = "/tmp/relutope-pytest-pickle-ran"


def cli_message(exe, *args, status=2):
    done = run_cli(exe, *args)
    assert done.returncode == status, (done.returncode, done.stderr)
    lines = [l for l in done.stderr.splitlines() if l.startswith("relutope: ")]
    assert len(lines) == 1, done.stderr
    return lines[0][len("relutope: "):]


@pytest.fixture
def net_file(tmp_path):
    path = tmp_path / "net.json"
    relutope.Network.from_torch(mlp([2, 16, 16, 1], seed=1)).save(str(path))
    return path


def python_message(exc_type, call):
    with pytest.raises(exc_type) as info:
        call()
    return str(info.value)


# --- domains ---------------------------------------------------------------------------------

@pytest.mark.parametrize("domain", ["1,0", "0,0,0,1", "0,1", "a,b,0,1", "1,2,3", "0,1,0,1,0,1"])
def test_bad_domain_same_message_as_cli(net_file, domain, request):
    net = relutope.load(net_file)
    msg = python_message(ValueError, lambda: relutope.regions(net, domain, progress=False))
    assert msg.startswith("--domain: ")
    exe = os.environ.get("RELUTOPE_EXE")
    if exe:
        assert msg == cli_message(exe, "regions", net_file, "--domain", domain)


def test_bad_domain_as_a_sequence(net_file):
    net = relutope.load(net_file)
    a = python_message(ValueError, lambda: relutope.regions(net, [1, 0, 0, 1], progress=False))
    b = python_message(ValueError, lambda: relutope.regions(net, "1,0,0,1", progress=False))
    assert a == b
    with pytest.raises(ValueError):
        relutope.spectrum(net, [(1, 0)], domain="0,1,1,1", progress=False)
    with pytest.raises(ValueError):
        relutope.regions(net, [0, float("nan"), 0, 1], progress=False)


def test_no_domain_anywhere():
    net = relutope.Network.from_torch(mlp([2, 4, 1], seed=2))
    assert net.domain is None
    with pytest.raises(ValueError, match="domain"):
        relutope.regions(net, progress=False)


# --- files -----------------------------------------------------------------------------------

def write(path, text):
    path.write_text(text)
    return path


BAD_JSON = {
    "shape_mismatch": {"format": "relutope.mlp", "version": 1, "input_dim": 2, "encoding": {"type": "identity"},
                       "layers": [{"weight": [[1, 2], [3, 4], [5, 6]], "bias": [0, 0, 0]},
                                  {"weight": [[1, 2]], "bias": [0]}]},
    "bias_length": {"format": "relutope.mlp", "version": 1, "input_dim": 2, "encoding": {"type": "identity"},
                    "layers": [{"weight": [[1, 2]], "bias": [0, 1]}]},
    "unknown_encoding": {"format": "relutope.mlp", "version": 1, "input_dim": 2, "encoding": {"type": "wavelet"},
                         "layers": [{"weight": [[1, 2]], "bias": [0]}]},
    "unknown_key": {"format": "relutope.mlp", "version": 1, "input_dim": 2, "encoding": {"type": "identity"},
                    "layers": [{"weight": [[1, 2]], "bias": [0], "colour": "red"}]},
}


@pytest.mark.parametrize("fault", list(BAD_JSON))
def test_bad_json_file_same_message_as_cli(tmp_path, fault):
    path = write(tmp_path / f"{fault}.json", json.dumps(BAD_JSON[fault]))
    msg = python_message(ValueError, lambda: relutope.load(path))
    assert str(path) in msg or path.name in msg
    exe = os.environ.get("RELUTOPE_EXE")
    if exe:
        assert msg == cli_message(exe, "info", path)


def test_garbage_and_truncated_files(tmp_path):
    exe = os.environ.get("RELUTOPE_EXE")
    good = tmp_path / "good.npz"
    np.savez(good, **{k: v.numpy() for k, v in mlp([2, 4, 1], seed=3).state_dict().items()})
    data = good.read_bytes()
    for name, content in [("garbage.bin", b"\x00hello world" * 10), ("cut.npz", data[: len(data) // 2]),
                          ("empty.json", b""), ("cut.json", b'{"format": "relutope.mlp", "layers": [')]:
        path = tmp_path / name
        path.write_bytes(content)
        msg = python_message(ValueError, lambda: relutope.load(path))
        if exe:
            assert msg == cli_message(exe, "info", path)
    missing = tmp_path / "missing.json"
    with pytest.raises((ValueError, OSError)):
        relutope.load(missing)


def test_unknown_encoding_same_message_as_cli(tmp_path):
    path = tmp_path / "sd.npz"
    np.savez(path, **{k: v.numpy() for k, v in mlp([2, 4, 1], seed=3).state_dict().items()})
    msg = python_message(ValueError, lambda: relutope.load(path, encoding="fourier:L=3"))
    assert msg.startswith("--encoding: ")
    exe = os.environ.get("RELUTOPE_EXE")
    if exe:
        assert msg == cli_message(exe, "regions", path, "--domain", "0,1,0,1", "--encoding", "fourier:L=3")


def test_unknown_encoding_from_torch_same_message_as_load(tmp_path):
    path = tmp_path / "sd.npz"
    np.savez(path, **{k: v.numpy() for k, v in mlp([2, 4, 1], seed=3).state_dict().items()})
    msg = python_message(ValueError, lambda: relutope.load(path, encoding="fourier:L=3"))
    other = python_message(ValueError, lambda: relutope.Network.from_torch(mlp([2, 4, 1], seed=3), encoding="fourier:L=3"))
    assert other == msg


def test_nan_weights_same_message_as_cli(tmp_path):
    sd = {k: v.numpy().copy() for k, v in mlp([2, 4, 4, 1], seed=4).state_dict().items()}
    sd["2.bias"][1] = np.nan
    path = tmp_path / "nan.npz"
    np.savez(path, **sd)
    msg = python_message(ValueError, lambda: relutope.load(path))
    assert "2.bias" in msg
    exe = os.environ.get("RELUTOPE_EXE")
    if exe:
        assert msg == cli_message(exe, "info", path)


class RunsCode:
    """Unpickling this would run `touch MARKER` (pickle names posix.system)."""

    def __reduce__(self):
        return (os.system, ("touch " + MARKER,))


def torch_zip(path, data_pkl):
    """A zip laid out as torch.save lays it out: <archive>/data.pkl, <archive>/version."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/version", b"3\n")
    return path


def test_pickle_asking_to_run_code_is_refused(tmp_path):
    if os.path.exists(MARKER):
        os.remove(MARKER)
    payload = pickle.dumps(RunsCode(), protocol=2)
    assert b"posix\nsystem" in payload
    path = torch_zip(tmp_path / "evil.pt", payload)
    msg = python_message(ValueError, lambda: relutope.load(path))
    assert "posix.system" in msg
    sd = torch_zip(tmp_path / "late.pt", pickle.dumps({"0.weight": RunsCode()}, protocol=2))
    msg2 = python_message(ValueError, lambda: relutope.load(sd))
    assert "posix.system" in msg2
    exe = os.environ.get("RELUTOPE_EXE")
    if exe:
        assert msg == cli_message(exe, "info", path)
        assert msg2 == cli_message(exe, "info", sd)
    assert not os.path.exists(MARKER), "the pickle ran"


# --- limits ----------------------------------------------------------------------------------

def test_max_regions_limit_error(net_file):
    net = relutope.load(net_file)
    assert issubclass(relutope.LimitError, RuntimeError)
    assert relutope.regions(net, "-1,1,-1,1", progress=False).count > 10
    msg = python_message(relutope.LimitError, lambda: relutope.regions(net, "-1,1,-1,1", max_regions=10, progress=False))
    with pytest.raises(relutope.LimitError):
        list(relutope.iter_regions(net, "-1,1,-1,1", max_regions=10, progress=False))
    with pytest.raises(relutope.LimitError):
        relutope.spectrum(net, [(1, 0)], domain="-1,1,-1,1", max_regions=10, progress=False)
    exe = os.environ.get("RELUTOPE_EXE")
    if exe:
        assert msg == cli_message(exe, "regions", net_file, "--domain", "-1,1,-1,1", "--max-regions", 10, "--quiet", status=3)


def test_time_limit_error(tmp_path):
    import time

    net = relutope.Network.from_torch(mlp([2, 128, 128, 128, 1], seed=5))
    start = time.monotonic()
    with pytest.raises(relutope.LimitError, match="time limit"):
        relutope.regions(net, "-8,8,-8,8", time_limit=0.2, progress=False)
    assert time.monotonic() - start < 5
    exe = os.environ.get("RELUTOPE_EXE")
    if exe:
        path = tmp_path / "big.json"
        net.save(str(path))
        cli = cli_message(exe, "regions", path, "--domain", "-8,8,-8,8", "--time-limit", "0.2", "--quiet", status=3)
        assert cli.startswith("time limit")


def test_bad_arguments():
    net = relutope.Network.from_torch(mlp([2, 4, 1], seed=6), domain=[0, 1, 0, 1])
    with pytest.raises(ValueError):
        relutope.regions(net, sample=0, progress=False)
    with pytest.raises(ValueError):
        net(np.zeros((3, 5)))
    with pytest.raises(ValueError):
        net.patterns(np.zeros((3, 1)))
    with pytest.raises(ValueError):
        relutope.spectrum(net, [(1, 0, 0)], progress=False)
    with pytest.raises(ValueError):
        relutope.spectrum(net, [(1, 0)], route="nonsense", progress=False)
    with pytest.raises(ValueError):
        relutope.regions(net, slice=((0, 0), (1, 0, 0)), domain=(0, 1), progress=False)


# --- the same answers as the command line ------------------------------------------------------

def cli_json(exe, *args):
    done = run_cli(exe, *args, "--json", "-")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_regions_and_spectrum_equal_the_command_line(net_file, exe):
    net = relutope.load(net_file)
    box = "-1,1,-1,1"
    doc = cli_json(exe, "regions", net_file, "--domain", box, "--sample", 20, "--quiet")
    p = relutope.regions(net, box, sample=20, progress=False)
    assert (p.count, p.linear_pieces) == (doc["regions"], doc["linear_pieces"])
    assert sorted(map(tuple, p.dead_neurons.tolist())) == sorted(map(tuple, doc["dead_neurons"]))
    assert p.sampled.distinct_patterns == doc["sampled"]["patterns"]
    assert p.lipschitz.value == doc["lipschitz"]["value"] and p.lipschitz.region == doc["lipschitz"]["region"]
    freqs = ["1,0", "1/2,-1", "0,3"]
    for route in ("edges", "regions"):
        doc = cli_json(exe, "spectrum", net_file, "--domain", box, "--freq", *freqs, "--fft", 32, "--route", route)
        s = relutope.spectrum(net, freqs, domain=box, fft=32, route=route, progress=False)
        for i, c in enumerate(doc["coefficients"]):
            assert (s.re[i, 0], s.im[i, 0], s.certified_digits[i, 0]) == (c["re"], c["im"], c["certified_digits"])
            f = doc["fft"]["coefficients"][i]
            assert s.fft[i, 0] == complex(f["re"], f["im"]) and s.fft_error[i, 0] == f["abs_error"]


def _small():
    net = relutope.Network.from_torch(mlp([2, 6, 5, 1], seed=2), domain=(0, 1, 0, 1))
    return net, relutope.regions(net, progress=False)


BAD_CALLS = {
    "lemma1 output": (ValueError, lambda net, p: relutope.lemma1_terms(p, (1, 0), out=3)),
    "lemma1 at k = 0": (ValueError, lambda net, p: relutope.lemma1_terms(p, (0, 0))),
    "fft_convergence output": (ValueError, lambda net, p: relutope.fft_convergence(net, (1, 0), out=2, max_n=16,
                                                                                   progress=False)),
    "fft_convergence off grid": (ValueError, lambda net, p: relutope.fft_convergence(net, ("1/3", 0), max_n=16,
                                                                                     progress=False)),
    "ray_decay t <= 0": (ValueError, lambda net, p: relutope.ray_decay(net, (1, 0), t=[-1, 1], progress=False)),
    "precision": (ValueError, lambda net, p: relutope.spectrum(net, [(1, 0)], precision=10, progress=False)),
    "frequency_grid dim": (ValueError, lambda net, p: relutope.frequency_grid(0, 1)),
    "frequency_grid K": (ValueError, lambda net, p: relutope.frequency_grid(2, -1)),
    "nan frequency": (ValueError, lambda net, p: relutope.spectrum(net, [(float("nan"), 0)], progress=False)),
    "3-input spectrum": (ValueError, lambda net, p: relutope.spectrum(relutope.Network.from_torch(mlp([3, 4, 1], seed=1)),
                                                                      [(1, 0, 0)], domain=(0, 1, 0, 1, 0, 1),
                                                                      progress=False)),
    "fft N": (ValueError, lambda net, p: relutope.spectrum(net, [(1, 0)], fft=-3, progress=False)),
    "region index": (IndexError, lambda net, p: p[p.count]),
    "exact_measure index": (IndexError, lambda net, p: p.exact_measure(10 ** 6)),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_calls(name):
    exc, call = BAD_CALLS[name]
    net, p = _small()
    with pytest.raises(exc):
        call(net, p)


def test_points_outside_the_domain():
    net, p = _small()
    assert p.locate(np.array([[5.0, 5.0], [0.5, 0.5]]))[0] == -1
    d = p.boundary_distance(np.array([[5.0, 5.0]]))
    assert d.region[0] == -1 and np.isnan(d.distance[0])


# --- found by a first user: each a one-line refusal, not a crash, a truncation or a silent default ----------------

def test_non_finite_points_are_refused():
    net = relutope.Network.from_arrays([np.eye(2), np.ones((1, 2))], domain=[-1, 1, -1, 1])
    partition = relutope.regions(net, progress=False)
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="points: holds a NaN or infinite value"):
            partition.locate(np.array([[bad, 0.0]]))
        with pytest.raises(ValueError, match="points: holds a NaN or infinite value"):
            partition.boundary_distance(np.array([[0.0, bad]]))
        with pytest.raises(ValueError, match="x: holds a NaN or infinite value"):
            net(np.array([[bad, 0.0]]))


def test_integer_arguments_are_integers():
    net = relutope.Network.from_arrays([np.eye(2), np.ones((1, 2))], domain=[-1, 1, -1, 1])
    with pytest.raises(ValueError, match="--steps"):
        relutope.train("rahaman-sines", steps=0, progress=False)
    with pytest.raises(TypeError, match="--fft"):
        relutope.spectrum(net, 1, fft=2.5, progress=False)
    with pytest.raises(TypeError, match="freqs"):
        relutope.spectrum(net, 2.0, progress=False)
    with pytest.raises(TypeError, match="--resolution"):
        relutope.sampled_patterns(net, resolution=2.7)
    assert relutope.spectrum(net, np.int64(1), progress=False).values.shape == (9, 1)


def test_a_preset_and_a_config_are_not_both_taken():
    with pytest.raises(ValueError, match="not both"):
        relutope.train("rahaman-sines", config={"preset": "lazzari-random-rgb"}, progress=False)


def test_a_partition_of_another_domain_than_the_networks_is_refused():
    net = relutope.Network.from_torch(mlp([2, 6, 5, 1], seed=2), domain=[0, 1, 0, 1])
    other = relutope.regions(net, domain=[0, 2, 0, 2], progress=False)
    with pytest.raises(ValueError, match="partition: it was enumerated on the domain 0,2,0,2"):
        relutope.spectrum(net, [[1, 1]], partition=other, progress=False)


def test_ray_decay_needs_two_values_of_t():
    net = relutope.Network.from_arrays([np.eye(2), np.ones((1, 2))], domain=[-1, 1, -1, 1])
    with pytest.raises(ValueError, match="two different t"):
        relutope.ray_decay(net, [1, 0], t=[2, 2], progress=False)


def test_names_given_as_the_command_lines_text(tmp_path):
    import torch

    model = mlp([2, 3, 1], seed=0)
    torch.save(model.state_dict(), tmp_path / "m.pt")
    as_list = relutope.load(tmp_path / "m.pt", activations=["relu", "identity"])
    as_text = relutope.load(tmp_path / "m.pt", activations="relu,identity")
    x = np.random.default_rng(0).random((5, 2))
    assert np.array_equal(as_list(x), as_text(x))
