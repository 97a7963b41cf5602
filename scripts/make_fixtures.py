#!/usr/bin/python3
"""Writes the deterministic test fixtures of tests/test_network_io.cpp and tests/test_cli.cpp.

    /usr/bin/python3 scripts/make_fixtures.py [OUTDIR]      (default: data/fixtures)

An oracle independent of relutope: PyTorch builds the networks and computes the expected outputs
in float64, numpy writes the .npz files, and Python writes the JSON networks itself.

data/fixtures/
  manifest.csv           network,points,expected: every good network file, the points to evaluate
                         it at and the stem of <stem>.expected.csv / <stem>.patterns.txt
  net_*.npz, net_*.json  good networks (float32 / float64, savez / savez_compressed, Fortran order,
                         keys with a common prefix, JSON with 17-digit and with shortest repr()
                         numbers, positional encoding)
  points_*.csv           evaluation points (repr(), so every coordinate reads back exactly)
  *.expected.csv         PyTorch float64 outputs, one point a line, repr() of each double
  *.patterns.txt         activation patterns, one point a line: one char per hidden neuron, layer
                         by layer, '1' where the pre-activation is > 0
  bad/                   files every reader must refuse with an InputError naming the file;
                         bad/points_*.csv are points files for the 2-input network net_a_f64.json

Every point is at least a margin away (relative to the magnitude of the terms) from every hidden
neuron's switching surface, or exactly on it (pre-activation exactly 0 in any summation order),
so that the patterns do not depend on rounding. The script is deterministic: running it again
writes the same bytes (zip member times are fixed).
"""
import io
import json
import math
import os
import sys
import zipfile

import numpy as np
import torch

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data",
                                                         "fixtures")
OUT = os.path.normpath(OUT)
BAD = os.path.join(OUT, "bad")
os.makedirs(BAD, exist_ok=True)

# numpy.savez writes zip members with the current time: fix it so that the bytes are reproducible.
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)
_orig_zipinfo_init = zipfile.ZipInfo.__init__


def _zipinfo_init(self, filename="NoName", date_time=_FIXED_TIME):
    _orig_zipinfo_init(self, filename, _FIXED_TIME)


zipfile.ZipInfo.__init__ = _zipinfo_init


def path(*parts):
    return os.path.join(OUT, *parts)


def write_bytes(name, data):
    with open(name, "wb") as f:
        f.write(data)


def write_text(name, text):
    with open(name, "w", newline="\n") as f:
        f.write(text)


# ---------------------------------------------------------------------------------------------
# Networks

def sequential(widths, seed):
    torch.manual_seed(seed)
    modules = []
    for i in range(len(widths) - 1):
        modules.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def float64_variant(net32, seed):
    """A float64 copy whose weights are not widened floats: each gets a float64 perturbation."""
    import copy
    net64 = copy.deepcopy(net32).double()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net64.parameters():
            p.add_(torch.rand(p.shape, generator=g, dtype=torch.float64) * 1e-3)
    return net64


def state_arrays(net, dtype):
    return {k: v.detach().numpy().astype(dtype) for k, v in net.state_dict().items()}


def linear_layers(net):
    return [m for m in net if isinstance(m, torch.nn.Linear)]


def fmt17(x):
    return "%.17g" % x


def network_json(net, input_dim, *, encoding=None, domain=None, meta=None, style="repr"):
    """The native relutope JSON of a Sequential's float64 weights, written by Python itself."""
    num = repr if style == "repr" else fmt17
    layers = []
    for lin in linear_layers(net):
        w = lin.weight.detach().double().numpy()
        b = lin.bias.detach().double().numpy()
        rows = ", ".join("[" + ", ".join(num(float(x)) for x in row) + "]" for row in w)
        layers.append('{"weight": [' + rows + '], "bias": [' + ", ".join(num(float(x)) for x in b) + "]}")
    enc = encoding or {"type": "identity"}
    text = ('{"format": "relutope.mlp", "version": 1, "input_dim": %d, "encoding": %s,\n "layers": [\n  %s]'
            % (input_dim, json.dumps(enc), ",\n  ".join(layers)))
    if domain is not None:
        text += ',\n "domain": ' + json.dumps(domain)
    text += ',\n "meta": ' + json.dumps(meta or {}, sort_keys=True) + "}\n"
    return text


def encode(x, L):
    """relutope's positional encoding: per l, [sin(2^l pi x_i) for i] + [cos(2^l pi x_i) for i]."""
    if L == 0:
        return x
    blocks = []
    for l in range(L):
        angle = (2.0 ** l * math.pi) * x
        blocks += [torch.sin(angle), torch.cos(angle)]
    return torch.cat(blocks, dim=1)


def evaluate(net, x, L=0):
    """PyTorch float64 evaluation: outputs, patterns, and the smallest relative hidden margin."""
    import copy
    net = copy.deepcopy(net).double()
    h = encode(torch.tensor(x, dtype=torch.float64), L)
    mag = h.abs()
    patterns = [""] * h.shape[0]
    margin = math.inf
    lins = linear_layers(net)
    with torch.no_grad():
        for i, lin in enumerate(lins):
            z = lin(h)
            mag = mag @ lin.weight.abs().T + lin.bias.abs()
            if i + 1 < len(lins):
                for p in range(z.shape[0]):
                    patterns[p] += "".join("1" if v > 0 else "0" for v in z[p].tolist())
                nonzero = z != 0
                if nonzero.any():
                    margin = min(margin, float((z.abs()[nonzero] / mag[nonzero]).min()))
                h = torch.relu(z)
            else:
                return z.numpy(), patterns, margin


def safe_points(nets, candidates, L=0, rel=1e-6, keep=None):
    """The candidates at which, for every net, each hidden pre-activation is either exactly 0 or at
    least rel * its term magnitude away from 0 (patterns then cannot depend on the summation
    order, nor on the last ulps of sin and cos)."""
    chosen = [x for x in candidates if all(evaluate(net, [x], L)[2] >= rel for net in nets)]
    return chosen[:keep] if keep else chosen


def write_points(name, points):
    write_text(path(name), "".join(",".join(repr(float(c)) for c in p) + "\n" for p in points))


def write_expected(stem, net, points, L=0):
    values, patterns, _ = evaluate(net, points, L)
    write_text(path(stem + ".expected.csv"), "".join(",".join(repr(float(v)) for v in row) + "\n" for row in values))
    write_text(path(stem + ".patterns.txt"), "".join(p + "\n" for p in patterns))


manifest = ["network,points,expected"]

# Network A: 2 -> 5 -> 4 -> 3. Neuron 0 of layer 0 gets bias 0 so that at the origin its
# pre-activation is exactly 0 (pattern bit '0': not > 0) whatever the summation order.
net_a32 = sequential([2, 5, 4, 3], seed=0)
with torch.no_grad():
    net_a32[0].bias[0] = 0.0
net_a64 = float64_variant(net_a32, seed=100)
with torch.no_grad():
    net_a64[0].bias[0] = 0.0

rng = np.random.default_rng(1)
cand = [[0.0, 0.0], [1.0, -1.0], [0.5, 0.25], [-0.75, 0.125]] + [list(p) for p in rng.uniform(-2, 2, (40, 2))]
points_a = safe_points([net_a32, net_a64], cand, keep=10)
assert points_a[0] == [0.0, 0.0]
write_points("points_a.csv", points_a)

np.savez(path("net_a_f32.npz"), **state_arrays(net_a32, np.float32))
np.savez_compressed(path("net_a_f32_compressed.npz"), **state_arrays(net_a32, np.float32))
write_text(path("net_a_f32.json"), network_json(net_a32, 2, style="repr"))
write_expected("net_a_f32", net_a32, points_a)
for f in ["net_a_f32.npz", "net_a_f32_compressed.npz", "net_a_f32.json"]:
    manifest.append(f"{f},points_a.csv,net_a_f32")

np.savez(path("net_a_f64.npz"), **state_arrays(net_a64, np.float64))
np.savez_compressed(path("net_a_f64_compressed.npz"), **state_arrays(net_a64, np.float64))
fortran = state_arrays(net_a64, np.float64)
for k in fortran:
    if k.endswith(".weight"):
        fortran[k] = np.asfortranarray(fortran[k])
np.savez(path("net_a_f64_fortran.npz"), **fortran)
write_text(path("net_a_f64.json"),
           network_json(net_a64, 2, domain=[-2, 2, "-1/3", 0.1], meta={"source": "make_fixtures.py", "seed": 0},
                        style="17g"))
write_expected("net_a_f64", net_a64, points_a)
# The Sequential saved as an attribute of a module: every key has the prefix "net.".
np.savez(path("net_a_f64_prefixed.npz"), **{"net." + k: v for k, v in state_arrays(net_a64, np.float64).items()})
for f in ["net_a_f64.npz", "net_a_f64_compressed.npz", "net_a_f64_fortran.npz", "net_a_f64_prefixed.npz",
          "net_a_f64.json"]:
    manifest.append(f"{f},points_a.csv,net_a_f64")

# Network B: 1 -> 7 -> 1.
net_b32 = sequential([1, 7, 1], seed=1)
net_b64 = float64_variant(net_b32, seed=101)
cand_b = [[x] for x in np.linspace(-3, 3, 61).tolist()]
points_b = safe_points([net_b32, net_b64], cand_b)[::3]
write_points("points_b.csv", points_b)
np.savez(path("net_b_f32.npz"), **state_arrays(net_b32, np.float32))
write_expected("net_b_f32", net_b32, points_b)
manifest.append("net_b_f32.npz,points_b.csv,net_b_f32")
np.savez_compressed(path("net_b_f64_compressed.npz"), **state_arrays(net_b64, np.float64))
write_text(path("net_b_f64.json"), network_json(net_b64, 1, domain=[-3, 3], style="repr"))
write_expected("net_b_f64", net_b64, points_b)
manifest += ["net_b_f64_compressed.npz,points_b.csv,net_b_f64", "net_b_f64.json,points_b.csv,net_b_f64"]

# Network C: 2 inputs, positional encoding L = 2 (8 features) -> 6 -> 1, JSON only.
net_c = float64_variant(sequential([8, 6, 1], seed=2), seed=102)
cand_c = [list(p) for p in np.random.default_rng(3).uniform(0, 1, (30, 2))]
points_c = safe_points([net_c], cand_c, L=2, keep=8)
write_points("points_c.csv", points_c)
write_text(path("net_c_pe.json"),
           network_json(net_c, 2, encoding={"type": "positional", "L": 2}, domain=[0, 1, 0, 1], style="repr"))
write_expected("net_c_pe", net_c, points_c, L=2)
manifest.append("net_c_pe.json,points_c.csv,net_c_pe")

write_text(path("manifest.csv"), "\n".join(manifest) + "\n")

# ---------------------------------------------------------------------------------------------
# Bad inputs

def npy(array):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    return buf.getvalue()


def zip_members(name, members, compression=zipfile.ZIP_STORED):
    """A zip of raw members {name: bytes}, as numpy.savez lays it out."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for member, data in members.items():
            z.writestr(zipfile.ZipInfo(member, _FIXED_TIME), data)
    write_bytes(os.path.join(BAD, name), buf.getvalue())


def savez(name, arrays):
    np.savez(os.path.join(BAD, name), **arrays)


tiny = {"0.weight": np.array([[1.0, -1.0], [0.5, 2.0]]), "0.bias": np.array([0.0, 0.25]),
        "2.weight": np.array([[1.0, 1.0]]), "2.bias": np.array([-1.0])}

# A good archive cut in the middle: a local header but no central directory.
good = open(path("net_a_f64.npz"), "rb").read()
write_bytes(os.path.join(BAD, "truncated.npz"), good[:len(good) // 2])
# A member that is not a .npy (bad magic).
zip_members("bad_magic.npz", {"0.weight.npy": b"\x93NUMPX" + npy(tiny["0.weight"])[6:],
                              "0.bias.npy": npy(tiny["0.bias"])})
# A member whose data section is cut short: header says (2, 2) float64, 12 bytes follow.
zip_members("truncated_npy.npz", {"0.weight.npy": npy(tiny["0.weight"])[:-20], "0.bias.npy": npy(tiny["0.bias"])})
# A member whose stored bytes do not match the zip CRC (one data byte flipped).
ok = npy(tiny["0.weight"])
zip_members("bad_crc.npz", {"0.weight.npy": ok, "0.bias.npy": npy(tiny["0.bias"])})
crc = bytearray(open(os.path.join(BAD, "bad_crc.npz"), "rb").read())
at = bytes(crc).find(ok) + len(ok) - 3
crc[at] ^= 0x40
write_bytes(os.path.join(BAD, "bad_crc.npz"), bytes(crc))
savez("int64.npz", {"0.weight": np.array([[1, 2], [3, 4]], dtype=np.int64), "0.bias": np.array([0.0, 1.0])})
savez("big_endian.npz", {"0.weight": tiny["0.weight"].astype(">f8"), "0.bias": tiny["0.bias"]})
savez("shape_mismatch.npz", {"0.weight": np.ones((3, 5)), "0.bias": np.zeros(3),
                             "2.weight": np.ones((4, 4)), "2.bias": np.zeros(4)})
savez("missing_bias.npz", {"0.weight": tiny["0.weight"], "0.bias": tiny["0.bias"], "2.weight": tiny["2.weight"]})
savez("nan_weight.npz", {"0.weight": np.array([[1.0, np.nan]]), "0.bias": np.array([0.5])})
savez("inf_bias.npz", {"0.weight": np.array([[1.0, 2.0]]), "0.bias": np.array([np.inf])})
zip_members("empty_archive.npz", {})
savez("three_d.npz", {"0.weight": np.ones((2, 2, 1)), "0.bias": np.zeros(2)})
savez("unexpected_key.npz", {"0.weight": tiny["0.weight"], "0.bias": tiny["0.bias"], "optimizer": np.zeros(2)})
# A header whose shape does not fit in a long.
def npy_raw(header, data):
    """A version 1.0 .npy with a hand-written header dict (padded to 64 bytes as numpy does)."""
    header = header.encode("latin1")
    header += b" " * ((64 - (10 + len(header) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


hdr = npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", bytes(16))
zip_members("huge_shape.npz", {"0.weight.npy": npy(np.ones((1, 2))), "0.bias.npy": hdr})
# A shape whose element count wraps around 2^64 to 0 (4 * 2^62): no data, yet 4 x 2^62 entries.
wrap = npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4611686018427387904), }", b"")
zip_members("wrapping_shape.npz", {"0.weight.npy": wrap, "0.bias.npy": npy(np.zeros(4))})
# A key index that does not fit in a long.
savez("huge_index.npz", {"99999999999999999999.weight": np.ones((1, 2)), "99999999999999999999.bias": np.zeros(1)})
# A member whose zip headers (local and central) claim 0xF0000000 bytes (4 GB) of uncompressed
# data: the reader must not allocate the claim up front, and must refuse the mismatch.
zip_members("huge_size.npz", {"0.weight.npy": npy(tiny["0.weight"]), "0.bias.npy": npy(tiny["0.bias"])},
            zipfile.ZIP_DEFLATED)
huge = bytearray(open(os.path.join(BAD, "huge_size.npz"), "rb").read())
local, central = huge.find(b"PK\x03\x04"), huge.find(b"PK\x01\x02")
huge[local + 22:local + 26] = huge[central + 24:central + 28] = (0xF0000000).to_bytes(4, "little")
write_bytes(os.path.join(BAD, "huge_size.npz"), bytes(huge))
# Keys of two modules (a Sequential of Sequentials, or two submodules): the indices collide, so
# reading them as one Sequential would load another network.
savez("nested_prefix.npz", {"0.0.weight": tiny["0.weight"], "0.0.bias": tiny["0.bias"],
                            "1.0.weight": tiny["2.weight"], "1.0.bias": tiny["2.bias"]})
savez("mixed_prefix.npz", {"enc.0.weight": tiny["0.weight"], "enc.0.bias": tiny["0.bias"],
                           "dec.2.weight": tiny["2.weight"], "dec.2.bias": tiny["2.bias"]})
write_bytes(os.path.join(BAD, "empty_file.json"), b"")
rbytes = np.random.default_rng(7).integers(0, 256, 200, dtype=np.uint8).tobytes()
assert not rbytes.startswith(b"PK") and rbytes.lstrip(b" \t\r\n")[:1] != b"{"
write_bytes(os.path.join(BAD, "random.bin"), rbytes)

head = '{"format": "relutope.mlp", "version": 1, "input_dim": 2, "encoding": {"type": "identity"}, "layers": '
write_text(os.path.join(BAD, "malformed.json"), head + '[{"weight": [[1, 2]], "bias": [0]}, \n')
write_text(os.path.join(BAD, "wrong_format.json"),
           head.replace("relutope.mlp", "keras.sequential") + '[{"weight": [[1, 2]], "bias": [0]}]}\n')
write_text(os.path.join(BAD, "ragged.json"), head + '[{"weight": [[1, 2], [3]], "bias": [0, 0]}]}\n')
write_text(os.path.join(BAD, "overflow.json"), head + '[{"weight": [[1, 1e400]], "bias": [0]}]}\n')
write_text(os.path.join(BAD, "missing_bias.json"),
           head + '[{"weight": [[1, 2], [3, 4]], "bias": [0, 0]}, {"weight": [[1, 1]]}]}\n')
write_text(os.path.join(BAD, "string_weight.json"), head + '[{"weight": [[1, "2"]], "bias": [0]}]}\n')
write_text(os.path.join(BAD, "wrong_version.json"),
           head.replace('"version": 1', '"version": 2') + '[{"weight": [[1, 2]], "bias": [0]}]}\n')
write_text(os.path.join(BAD, "json_array.json"), '[{"weight": [[1, 2]], "bias": [0]}]\n')

# Points files for net_a_f64.json (2 inputs).
write_text(os.path.join(BAD, "points_wrong_columns.csv"), "0.5,0.25\n0.1,0.2,0.3\n")
write_text(os.path.join(BAD, "points_not_a_number.csv"), "0.5,0.25\n0.5,abc\n")
write_text(os.path.join(BAD, "points_trailing_comma.csv"), "0.5,0.25,\n")
write_text(os.path.join(BAD, "points_inf.csv"), "inf,0\n")
write_text(os.path.join(BAD, "points_empty.csv"), "# no points\n\n")
write_text(os.path.join(BAD, "points_mixed_separators.csv"), "0.5 0.25\n0.5 0.25,0.1\n")  # a comma splits at commas only

total = sum(os.path.getsize(os.path.join(d, f)) for d in (OUT, BAD) for f in os.listdir(d)
            if os.path.isfile(os.path.join(d, f)))
print(f"wrote {len(manifest) - 1} good network files and {len(os.listdir(BAD))} bad inputs to {OUT} "
      f"({total} bytes)")
