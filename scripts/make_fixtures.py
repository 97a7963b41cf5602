#!/usr/bin/python3
"""Writes the deterministic test fixtures of tests/test_network_io.cpp and tests/test_cli.cpp.

    /usr/bin/python3 scripts/make_fixtures.py [OUTDIR]      (default: data/fixtures)

An oracle independent of relutope: PyTorch builds the networks and computes the expected outputs
with each module's own forward() in float64 (module.double()), torch.save and numpy write the
.pt and .npz files, and Python writes the JSON networks and the safetensors files itself (by the
format's specification: Debian has no safetensors package).

data/fixtures/
  manifest.csv           network,points,expected[,options]: every good network file, the points to
                         evaluate it at, the stem of <stem>.expected.csv / <stem>.patterns.txt, and
                         the read options it needs (quoted when they hold commas)
  net_*.npz, net_*.json  good networks (float32 / float64, savez / savez_compressed, Fortran order,
                         keys with a common prefix, JSON with 17-digit and with shortest repr()
                         numbers, positional encoding)
  net_*.pt, .pth,        state_dicts as users save them (torch.save, safetensors, npz): adjacent
  .safetensors           Linear modules (relu(x) - 1 among them), bias=False, float16, bfloat16,
                         fc1/fc2/out, features + classifier, input/hidden/output, a "module."
                         prefix, BatchNorm1d in eval mode, LeakyReLU, a ModuleList, strided views
  points_*.csv           evaluation points (repr(), so every coordinate reads back exactly)
  *.expected.csv         PyTorch float64 outputs, one point a line, repr() of each double
  *.patterns.txt         activation patterns, one point a line: one char per neuron of an activation
                         module, in order, '1' where its input is > 0
  bad/                   files every reader must refuse with an InputError naming the file (among
                         them pickles that would run `touch /tmp/relutope-fixture-pickle-ran`: built
                         opcode by opcode here, never loaded); bad/points_*.csv are points files
                         for the 2-input network net_a_f64.json

Every point is at least a margin away (relative to the magnitude of the terms) from every hidden
neuron's switching surface, or exactly on it (pre-activation exactly 0 in any summation order),
so that the patterns do not depend on rounding. The script is deterministic: running it again
writes the same bytes (zip member times are fixed).
"""
import collections
import io
import json
import math
import os
import pickle
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


def encode(x, L, order="nerf", include_input=False):
    """Positional encodings as their authors' code writes them, with sin(2^l pi x_i), cos(...):
    nerf         per level l: [sin of every x_i] + [cos of every x_i]      (NeRF)
    per-input    per level l, per input i: [sin, cos]                      (Lazzari & Liu)
    sines-first  [sin for every l, then i] + [cos for every l, then i]     (Tancik et al.)
    With include_input, x itself first (NeRF)."""
    if L == 0:
        return x
    sin = [torch.sin((2.0 ** l * math.pi) * x) for l in range(L)]  # each n x d
    cos = [torch.cos((2.0 ** l * math.pi) * x) for l in range(L)]
    if order == "nerf":
        blocks = [b for l in range(L) for b in (sin[l], cos[l])]
    elif order == "per-input":
        blocks = [c[:, i:i + 1] for l in range(L) for i in range(x.shape[1]) for c in (sin[l], cos[l])]
    elif order == "sines-first":
        blocks = sin + cos
    else:
        raise ValueError(order)
    return torch.cat(([x] if include_input else []) + blocks, dim=1)


def leaves(net):
    """The modules a network applies, in order: its `ops` if it has them (a forward() written by
    hand), else its leaf modules in registration order (Sequentials, nested or not)."""
    return list(net.ops) if hasattr(net, "ops") else [m for m in net.modules() if not list(m.children())]


def evaluate(net, x, L=0, **encoding):
    """PyTorch float64 evaluation: the module's own forward pass, the activation patterns (bit 1
    where an activation module's input is > 0) and the smallest relative margin of those inputs
    (|z| over the magnitude of the terms that make z)."""
    import copy
    net = copy.deepcopy(net).double().eval()
    h = encode(torch.tensor(x, dtype=torch.float64), L, **encoding)
    mag = h.abs()
    patterns = [""] * h.shape[0]
    margin = math.inf
    with torch.no_grad():
        values = net(h)
        for op in leaves(net):
            if isinstance(op, torch.nn.Linear):
                mag = mag @ op.weight.abs().T + (op.bias.abs() if op.bias is not None else 0)
            elif isinstance(op, torch.nn.BatchNorm1d):
                scale = op.weight / torch.sqrt(op.running_var + op.eps)
                mag = (mag + op.running_mean.abs()) * scale.abs() + op.bias.abs()
            elif isinstance(op, torch.nn.Identity):
                pass
            elif isinstance(op, (torch.nn.ReLU, torch.nn.LeakyReLU)):
                for p in range(h.shape[0]):
                    patterns[p] += "".join("1" if v > 0 else "0" for v in h[p].tolist())
                nonzero = h != 0
                if nonzero.any():
                    margin = min(margin, float((h.abs()[nonzero] / mag[nonzero]).min()))
            else:
                raise ValueError(f"no rule for {op}")
            h = op(h)
        assert torch.equal(h, values), "the walk through the modules is not the module's forward()"
    return values.numpy(), patterns, margin


def safe_points(nets, candidates, L=0, rel=1e-6, keep=None, **encoding):
    """The candidates at which, for every net, each hidden pre-activation is either exactly 0 or at
    least rel * its term magnitude away from 0 (patterns then cannot depend on the summation
    order, nor on the last ulps of sin and cos)."""
    chosen = [x for x in candidates if all(evaluate(net, [x], L, **encoding)[2] >= rel for net in nets)]
    return chosen[:keep] if keep else chosen


def write_points(name, points):
    write_text(path(name), "".join(",".join(repr(float(c)) for c in p) + "\n" for p in points))


def write_expected(stem, net, points, L=0, **encoding):
    values, patterns, _ = evaluate(net, points, L, **encoding)
    write_text(path(stem + ".expected.csv"), "".join(",".join(repr(float(v)) for v in row) + "\n" for row in values))
    write_text(path(stem + ".patterns.txt"), "".join(p + "\n" for p in patterns))


manifest = ["network,points,expected,options"]

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

# ---------------------------------------------------------------------------------------------
# State dicts as users save them: torch.save zip archives (.pt), safetensors, npz; every layout
# of issue 9. Each network's expected outputs are its own forward() in float64.

class Chain(torch.nn.Module):
    """Named submodules with a forward() written by hand: `steps` are (name, module) pairs,
    registered in that order, and activation modules applied between them (not registered, as a
    functional torch.relu would not be)."""

    def __init__(self, steps):
        super().__init__()
        for step in steps:
            if isinstance(step, tuple):
                self.add_module(*step)
        self.ops = [step[1] if isinstance(step, tuple) else step for step in steps]

    def forward(self, x):
        for op in self.ops:
            x = op(x)
        return x


class FeaturesClassifier(torch.nn.Module):
    def __init__(self, features, classifier):
        super().__init__()
        self.features, self.classifier = features, classifier

    def forward(self, x):
        return self.classifier(self.features(x))


class Wrapped(torch.nn.Module):
    """A model held as the attribute `module`, as DataParallel holds it: keys "module.<key>"."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x)


class LayerList(torch.nn.Module):
    """A ModuleList applied with torch.relu between its Linear modules: keys layers.0, layers.1,
    ... numbered without a gap, as a Sequential of Linear modules alone would be."""

    def __init__(self, layers):
        super().__init__()
        self.layers = torch.nn.ModuleList(layers)
        self.ops = [op for layer in self.layers[:-1] for op in (layer, relu())] + [self.layers[-1]]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)


def linear(n_in, n_out, bias=True):
    return torch.nn.Linear(n_in, n_out, bias=bias)


def relu():
    return torch.nn.ReLU()


def manifest_row(network, points, expected, options=""):
    return f"{network},{points},{expected}" + (f',"{options}"' if "," in options else f",{options}" if options else "")


def save_pt(name, net):
    """torch.save(state_dict): torch's zip format, the archive named after the file."""
    torch.save(net.state_dict(), path(name))


SAFETENSORS_DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.bfloat16: "BF16", torch.float16: "F16",
                      torch.int64: "I64", torch.int32: "I32"}
# The safetensors library lays tensors out by dtype (larger alignment first), then by name.
SAFETENSORS_RANK = {"I64": 0, "F64": 1, "F32": 2, "I32": 3, "BF16": 4, "F16": 5}


def safetensors_bytes(tensors, metadata=None):
    """A safetensors file written by the format's specification (Debian has no safetensors)."""
    names = sorted(tensors, key=lambda k: (SAFETENSORS_RANK[SAFETENSORS_DTYPES[tensors[k].dtype]], k))
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for k in names:
        t = tensors[k].detach().contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[k] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return len(text).to_bytes(8, "little") + text + b"".join(blobs)


def save_safetensors(name, net, metadata=None):
    write_bytes(path(name), safetensors_bytes(net.state_dict(), metadata))


def save_npz(name, net):
    """numpy.savez of the state_dict, in its order (as the CONTRACT's recipe writes it)."""
    np.savez(path(name), **{k: v.detach().numpy() for k, v in net.state_dict().items()})


def fixture(stem, net, points, saves, options=""):
    """Writes the expected outputs of `net` at `points` and the network files `saves` (suffix ->
    writer) as net_<stem><suffix>, each a manifest row."""
    write_expected(stem, net, points)
    for suffix, save in saves:
        save("net_" + stem + suffix, net)
        manifest.append(manifest_row("net_" + stem + suffix, points_name[id(points)], stem,
                                     options(suffix) if callable(options) else options))


def seeded(seed, make):
    torch.manual_seed(seed)
    return make()


rng2 = np.random.default_rng(5)
cand2 = [[0.25, -0.5], [-1.0, 0.75]] + [list(p) for p in rng2.uniform(-2, 2, (80, 2))]
cand1 = [[x] for x in np.linspace(-3, 3, 49).tolist()]

# f(x) = relu(x) - 1 as Sequential(Linear(1,3), ReLU(), Linear(3,1), Linear(1,3), ReLU(), Linear(3,1))
# (keys 0, 2, 3, 5): no ReLU between modules 2 and 3. Exact weights: 2 regions on [-1,2] (a kink at
# x = 0; the second ReLU's input relu(x) + 1 stays > 0), f(0) = -1, mean -1/3; with a ReLU between
# 2 and 3 it would be relu(relu(x) - 1): f(0) = 0, 3 regions, mean 1/6.
relu_minus_one = torch.nn.Sequential(linear(1, 3), relu(), linear(3, 1), linear(1, 3), relu(), linear(3, 1))
with torch.no_grad():
    for i, (w, b) in {0: ([[1], [0], [0]], [0, 0, 0]), 2: ([[1, 0, 0]], [-1]), 3: ([[1], [0], [0]], [2, 0, 0]),
                      5: ([[1, 0, 0]], [-2])}.items():
        relu_minus_one[i].weight.copy_(torch.tensor(w, dtype=torch.float32))
        relu_minus_one[i].bias.copy_(torch.tensor(b, dtype=torch.float32))
points_rm1 = [[-1.0], [-0.5], [0.0], [0.5], [1.0], [1.5], [2.0]]

adjacent = seeded(10, lambda: torch.nn.Sequential(linear(1, 3), relu(), linear(3, 1), linear(1, 3), relu(), linear(3, 1)))
nobias = seeded(11, lambda: torch.nn.Sequential(linear(2, 6, bias=False), relu(), linear(6, 4), relu(),
                                                 linear(4, 1, bias=False)))
half = seeded(12, lambda: torch.nn.Sequential(linear(2, 6), relu(), linear(6, 6), relu(), linear(6, 1))).half()
bhalf = seeded(13, lambda: torch.nn.Sequential(linear(2, 6), relu(), linear(6, 6), relu(), linear(6, 1))).bfloat16()
fc = seeded(14, lambda: Chain([("fc1", linear(2, 8)), relu(), ("fc2", linear(8, 8)), relu(), ("out", linear(8, 2))]))
features = seeded(15, lambda: FeaturesClassifier(torch.nn.Sequential(linear(2, 8), relu(), linear(8, 8), relu()),
                                                 torch.nn.Sequential(linear(8, 1))))
io_net = seeded(16, lambda: Chain([("input", linear(1, 6)), relu(), ("hidden", linear(6, 6)), relu(),
                                   ("output", linear(6, 1))]))
wrapped = seeded(17, lambda: Wrapped(torch.nn.Sequential(linear(2, 5), relu(), linear(5, 1))))
bn = seeded(18, lambda: torch.nn.Sequential(linear(2, 6), torch.nn.BatchNorm1d(6), relu(), linear(6, 4),
                                            torch.nn.BatchNorm1d(4), relu(), linear(4, 1)))
with torch.no_grad():  # running statistics and affine parameters as after training
    for m in bn:
        if isinstance(m, torch.nn.BatchNorm1d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.25, 4)
            m.weight.uniform_(0.5, 2)
            m.bias.uniform_(-0.5, 0.5)
            m.num_batches_tracked.fill_(100)
bn.eval()
leaky = seeded(19, lambda: torch.nn.Sequential(linear(2, 6), torch.nn.LeakyReLU(0.01), linear(6, 6),
                                               torch.nn.LeakyReLU(0.01), linear(6, 1)))
modulelist = seeded(20, lambda: LayerList([linear(2, 6), linear(6, 6), linear(6, 1)]))
# A state_dict whose tensors are views: a transposed weight and a bias at an offset in a larger
# storage (torch.save keeps the storage, the offset and the strides).
strided = seeded(21, lambda: torch.nn.Sequential(linear(2, 5), relu(), linear(5, 1)))
with torch.no_grad():
    strided[0].weight = torch.nn.Parameter(strided[0].weight.detach().t().contiguous().t())
    big = torch.zeros(12)
    big[4:9] = strided[0].bias.detach()
    strided[0].bias = torch.nn.Parameter(big[4:9])
assert not strided[0].weight.is_contiguous() and strided[0].bias.storage_offset() == 4

nets2 = [nobias, half, bhalf, fc, features, wrapped, bn, leaky, modulelist, strided]
points_2d = safe_points(nets2, cand2, keep=10)
points_1d = safe_points([adjacent, io_net], cand1)[::3]
write_points("points_2d.csv", points_2d)
write_points("points_1d.csv", points_1d)
write_points("points_relu_minus_one.csv", points_rm1)
points_name = {id(points_2d): "points_2d.csv", id(points_1d): "points_1d.csv", id(points_rm1): "points_relu_minus_one.csv",
               id(points_a): "points_a.csv"}

pt, npz, st = (".pt", save_pt), (".npz", save_npz), (".safetensors", save_safetensors)
fixture("relu_minus_one", relu_minus_one, points_rm1, [pt, npz, st])
fixture("adjacent", adjacent, points_1d, [pt, npz])
fixture("nobias", nobias, points_2d, [pt, npz, st])
fixture("f16", half, points_2d, [pt, npz, st])
fixture("bf16", bhalf, points_2d, [pt, st])
fixture("fc", fc, points_2d, [pt, npz, st], options=lambda suffix: "--layers fc1,fc2,out" if suffix == ".safetensors" else "")
fixture("features", features, points_2d, [pt], options="--layers features.0,features.2,classifier.0")
fixture("io", io_net, points_1d, [pt, (".pth", save_pt), st],
        options=lambda suffix: "--layers input,hidden,output" if suffix == ".safetensors" else "")
fixture("wrapped", wrapped, points_2d, [pt, npz])
fixture("bn", bn, points_2d, [pt, npz])
fixture("leaky", leaky, points_2d, [pt], options="--activation leaky_relu:0.01")
fixture("modulelist", modulelist, points_2d, [pt], options="--activation relu")
fixture("strided", strided, points_2d, [pt])
# What a state_dict cannot show, stated with --activations: an nn.Identity in a gap of the
# numbering, a ReLU after the output layer.
identity_gap = seeded(22, lambda: torch.nn.Sequential(linear(2, 6), torch.nn.Identity(), linear(6, 5), relu(), linear(5, 1)))
output_relu = seeded(23, lambda: torch.nn.Sequential(linear(1, 6), relu(), linear(6, 1), relu()))
points_gap, points_out = safe_points([identity_gap], cand2, keep=10), safe_points([output_relu], cand1)[::3]
write_points("points_identity_gap.csv", points_gap)
write_points("points_output_relu.csv", points_out)
points_name.update({id(points_gap): "points_identity_gap.csv", id(points_out): "points_output_relu.csv"})
fixture("identity_gap", identity_gap, points_gap, [pt], options="--activations identity,relu,identity")
fixture("output_relu", output_relu, points_out, [pt], options="--activations relu,relu")


def save_parameters(name, net):
    """torch.save of an OrderedDict of nn.Parameter (torch._utils._rebuild_parameter)."""
    torch.save(collections.OrderedDict((k, torch.nn.Parameter(v)) for k, v in net.state_dict().items()), path(name))


def save_root_pickle(name, net):
    """A torch.save archive repacked with its members at the zip's root (data.pkl, data/0, ...)."""
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    repacked = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(repacked, "w") as target:
        for member in source.namelist():
            target.writestr(zipfile.ZipInfo(member.split("/", 1)[1], _FIXED_TIME), source.read(member))
    write_bytes(path(name), repacked.getvalue())


fixture("nobias_forms", nobias, points_2d, [("_parameters.pt", save_parameters), ("_root.pt", save_root_pickle)])

# Network A as torch.save and safetensors files: the same doubles as its JSON and npz.
for net, stem in [(net_a32, "net_a_f32"), (net_a64, "net_a_f64")]:
    for suffix, save in [pt, st]:
        save(stem + suffix, net)
        manifest.append(manifest_row(stem + suffix, "points_a.csv", stem))

# The encoding orders: one network per order (and NeRF's include_input), its features made by the
# order's own code above; JSON carries the encoding, and the .pt of the per-input one is what
# `convert --encoding positional:L=2:order=per-input` must turn into the same function.
points_pe = [list(p) for p in np.random.default_rng(6).uniform(0, 1, (40, 2))]
for order, include_input in [("nerf", True), ("per-input", False), ("sines-first", False)]:
    stem = "pe_" + order.replace("-", "_") + ("_input" if include_input else "")
    width = 8 + (2 if include_input else 0)
    net = seeded(30 + len(stem), lambda: torch.nn.Sequential(linear(width, 6), relu(), linear(6, 6), relu(), linear(6, 1)))
    chosen = safe_points([net], points_pe, L=2, keep=8, order=order, include_input=include_input)
    write_points("points_" + stem + ".csv", chosen)
    write_expected(stem, net, chosen, L=2, order=order, include_input=include_input)
    encoding = {"type": "positional", "L": 2, "order": order, "include_input": include_input}
    write_text(path("net_" + stem + ".json"), network_json(net, 2, encoding=encoding, domain=[0, 1, 0, 1]))
    manifest.append(manifest_row("net_" + stem + ".json", "points_" + stem + ".csv", stem))
    if order == "per-input":
        save_pt("net_" + stem + ".pt", net)

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
savez("bias_without_weight.npz", {"0.weight": tiny["0.weight"], "0.bias": tiny["0.bias"], "2.bias": tiny["2.bias"]})
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
# A header of 45,000 characters: the reader matched it with std::regex, which recursed once per
# character and overflowed the stack (found by fuzzing).
zip_members("long_header.npz", {"0.weight.npy": npy_raw("{'descr': '<f8', 'fortran_order': False, 'shape': (" +
                                                        "1, " * 15000 + "), }", bytes(8)),
                                "0.bias.npy": npy(np.zeros(1))})
# A member name of 45,000 characters, likewise for the keys' regex.
zip_members("long_name.npz", {"x" * 45000 + "0.weight.npy": npy(np.ones((1, 1))), "0.bias.npy": npy(np.zeros(1))})
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
# An input_dim beyond int: read as 4294967297 mod 2^32 = 1, it loaded a 1-input network.
write_text(os.path.join(BAD, "wrapping_input_dim.json"),
           head.replace('"input_dim": 2', '"input_dim": 4294967297') + '[{"weight": [[1]], "bias": [0]}]}\n')
# 2 L d features with L = 30, d = 10^8 overflow an int (undefined behaviour; UBSan in fuzz_network).
write_text(os.path.join(BAD, "positional_overflow.json"),
           head.replace('"input_dim": 2', '"input_dim": 100000000')
               .replace('{"type": "identity"}', '{"type": "positional", "L": 30}') + '[{"weight": [[1]], "bias": [0]}]}\n')

# torch.save files. Pickles are built here opcode by opcode (protocol 2, as torch.save writes
# them) and never loaded: the malicious ones would run a command that creates PICKLE_RAN.
PICKLE_RAN = "/tmp/relutope-fixture-pickle-ran"


def p_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_str(text):
    data = text.encode()
    return b"X" + len(data).to_bytes(4, "little") + data


def p_int(n):
    return b"J" + n.to_bytes(4, "little", signed=True)


def p_tuple(*items):
    return b"(" + b"".join(items) + b"t"


def p_tensor(storage_type, key, numel, offset, size, stride):
    """torch._utils._rebuild_tensor_v2 of the storage data/<key>, as torch.save pickles a tensor."""
    pid = p_tuple(p_str("storage"), p_global("torch", storage_type), p_str(key), p_str("cpu"), p_int(numel))
    return (p_global("torch._utils", "_rebuild_tensor_v2") + b"(" + pid + b"Q" + p_int(offset) +
            p_tuple(*map(p_int, size)) + p_tuple(*map(p_int, stride)) + b"\x89" +
            p_global("collections", "OrderedDict") + b")R" + b"tR")


def p_state_dict(items):
    """An OrderedDict of (key, pickled value) pairs."""
    return (b"\x80\x02" + p_global("collections", "OrderedDict") + b")R(" +
            b"".join(p_str(k) + v for k, v in items) + b"u.")


def torch_zip(name, members):
    """A zip laid out as torch.save lays it out: <archive>/<member>, stored."""
    archive = os.path.splitext(name)[0]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for member, data in members.items():
            z.writestr(zipfile.ZipInfo(archive + "/" + member, (1980, 1, 1, 0, 0, 0)), data)
    write_bytes(os.path.join(BAD, name), buf.getvalue())


floats = np.arange(6, dtype=np.float32).tobytes()
good_members = {"data.pkl": p_state_dict([("0.weight", p_tensor("FloatStorage", "0", 6, 0, (3, 2), (2, 1))),
                                          ("0.bias", p_tensor("FloatStorage", "1", 3, 0, (3,), (1,)))]),
                "data/0": floats, "data/1": floats[:12], "version": b"3\n"}
# Code the pickle asks to run: a shell command, eval, a process, and a command after a tensor.
touch = "touch " + PICKLE_RAN
torch_zip("pickle_posix_system.pt", {**good_members, "data.pkl": b"\x80\x02" + p_global("posix", "system") + p_str(touch) + b"\x85R."})
torch_zip("pickle_builtins_eval.pt", {**good_members, "data.pkl": b"\x80\x02" + p_global("builtins", "eval") +
                                      p_str(f"__import__('os').system('{touch}')") + b"\x85R."})
torch_zip("pickle_subprocess.pt", {**good_members, "data.pkl": b"\x80\x02" + p_global("subprocess", "getoutput") + p_str(touch) + b"\x85R."})
torch_zip("pickle_late_global.pt", {**good_members, "data.pkl": good_members["data.pkl"][:-2] + p_str("x") +
                                    p_global("os", "system") + p_str(touch) + b"\x85Ru."})
# A view beyond its storage (3 x 2 from 4 floats), a stride beyond it, a missing storage, a
# storage shorter than its pickle says, a pickle cut short, a big-endian archive.
torch_zip("view_beyond_storage.pt", {**good_members, "data/0": floats[:16],
                                     "data.pkl": good_members["data.pkl"].replace(p_int(6), p_int(4), 1)})
torch_zip("stride_beyond_storage.pt", {**good_members, "data.pkl": p_state_dict(
    [("0.weight", p_tensor("FloatStorage", "0", 6, 0, (3, 2), (3, 1))), ("0.bias", p_tensor("FloatStorage", "1", 3, 0, (3,), (1,)))])})
torch_zip("missing_storage.pt", {k: v for k, v in good_members.items() if k != "data/1"})
torch_zip("short_storage.pt", {**good_members, "data/0": floats[:20]})
torch_zip("truncated_pickle.pt", {**good_members, "data.pkl": good_members["data.pkl"][:-30]})
torch_zip("big_endian.pt", {**good_members, "byteorder": b"big"})
torch_zip("int32_weight.pt", {**good_members, "data.pkl": good_members["data.pkl"].replace(b"FloatStorage", b"IntStorage", 1)})
torch_zip("nan_weight.pt", {**good_members, "data/0": np.array([0, 1, np.nan, 3, 4, 5], dtype=np.float32).tobytes()})
torch_zip("unknown_opcode.pt", {**good_members, "data.pkl": good_members["data.pkl"][:-1] + b"\x95."})
# Files torch itself writes that hold no state_dict of Linear and BatchNorm1d modules.
good_pt = open(path("net_nobias.pt"), "rb").read()
write_bytes(os.path.join(BAD, "truncated.pt"), good_pt[:len(good_pt) // 2])
torch.manual_seed(30)
torch.save(torch.nn.Sequential(linear(2, 3), relu(), linear(3, 1)), os.path.join(BAD, "whole_module.pt"))
torch.save(torch.ones(3), os.path.join(BAD, "tensor_not_dict.pt"))
torch.save(torch.nn.Sequential(linear(2, 3), relu(), torch.nn.BatchNorm1d(3), linear(3, 1)).state_dict(),
           os.path.join(BAD, "batchnorm_after_relu.pt"))
torch.save(torch.nn.Sequential(linear(2, 3), torch.nn.LayerNorm(3), relu(), linear(3, 1)).state_dict(),
           os.path.join(BAD, "layernorm.pt"))
torch.save(torch.nn.Sequential(linear(2, 3), relu(), linear(4, 1)).state_dict(), os.path.join(BAD, "shape_mismatch.pt"))
torch.save({"0.weight": torch.ones(2, 2, dtype=torch.int64), "0.bias": torch.zeros(2)}, os.path.join(BAD, "int64_weight.pt"))
# torch.save's legacy format (torch < 1.6): a bare pickle of a magic number, then more pickles.
write_bytes(os.path.join(BAD, "legacy.pt"), pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2) +
            pickle.dumps(1001, protocol=2) + pickle.dumps({"protocol_version": 1001, "little_endian": True}, protocol=2))

# safetensors files.
st_good = safetensors_bytes({"0.weight": torch.ones(3, 2), "0.bias": torch.zeros(3)})
hlen = int.from_bytes(st_good[:8], "little")


def st_raw(name, header, data):
    text = json.dumps(header).encode()
    write_bytes(os.path.join(BAD, name), len(text).to_bytes(8, "little") + text + data)


write_bytes(os.path.join(BAD, "truncated.safetensors"), st_good[:8 + hlen + 10])
write_bytes(os.path.join(BAD, "header_beyond_file.safetensors"), st_good[:8 + hlen // 2])
write_bytes(os.path.join(BAD, "huge_header.safetensors"), (1 << 40).to_bytes(8, "little") + b'{"0.weight": {}}')
st_raw("overlap.safetensors", {"0.weight": {"dtype": "F32", "shape": [1, 2], "data_offsets": [0, 8]},
                               "0.bias": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, bytes(8))
st_raw("hole.safetensors", {"0.weight": {"dtype": "F32", "shape": [1, 2], "data_offsets": [4, 12]},
                            "0.bias": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]}}, bytes(16))
st_raw("offsets_beyond_data.safetensors", {"0.weight": {"dtype": "F32", "shape": [1, 2], "data_offsets": [0, 8]},
                                           "0.bias": {"dtype": "F32", "shape": [1], "data_offsets": [8, 400]}}, bytes(12))
st_raw("size_mismatch.safetensors", {"0.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 8]},
                                     "0.bias": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}, bytes(16))
st_raw("int32.safetensors", {"0.weight": {"dtype": "I32", "shape": [1, 2], "data_offsets": [0, 8]},
                             "0.bias": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}, bytes(12))
st_raw("unknown_dtype.safetensors", {"0.weight": {"dtype": "F8_E4M3", "shape": [1, 2], "data_offsets": [0, 2]},
                                     "0.bias": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}, bytes(6))
st_raw("nan_weight.safetensors", {"0.weight": {"dtype": "F32", "shape": [1, 2], "data_offsets": [0, 8]},
                                  "0.bias": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}},
       np.array([1, np.nan, 0], dtype=np.float32).tobytes())
write_bytes(os.path.join(BAD, "duplicate_key.safetensors"), st_good.replace(b'"0.bias"', b'"0.weight"', 1))
write_bytes(os.path.join(BAD, "malformed_header.safetensors"), st_good.replace(b'"data_offsets"', b'"data_offsets" ', 1)[:8 + hlen - 1] + b"[" + st_good[8 + hlen:])

# Points files for net_a_f64.json (2 inputs).
write_text(os.path.join(BAD, "points_wrong_columns.csv"), "0.5,0.25\n0.1,0.2,0.3\n")
write_text(os.path.join(BAD, "points_not_a_number.csv"), "0.5,0.25\n0.5,abc\n")
write_text(os.path.join(BAD, "points_trailing_comma.csv"), "0.5,0.25,\n")
write_text(os.path.join(BAD, "points_inf.csv"), "inf,0\n")
write_text(os.path.join(BAD, "points_empty.csv"), "# no points\n\n")
write_text(os.path.join(BAD, "points_mixed_separators.csv"), "0.5 0.25\n0.5 0.25,0.1\n")  # a comma splits at commas only

total = sum(os.path.getsize(os.path.join(d, f)) for d in (OUT, BAD) for f in os.listdir(d)
            if os.path.isfile(os.path.join(d, f)))
# A training checkpoint: the state_dict sits in one of its keys.
torch.save({"epoch": 3, "model_state_dict": nobias.state_dict()}, os.path.join(BAD, "checkpoint.pt"))

print(f"wrote {len(manifest) - 1} good network files and {len(os.listdir(BAD))} bad inputs to {OUT} "
      f"({total} bytes)")
