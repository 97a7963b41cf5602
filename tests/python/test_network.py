"""Networks in: torch modules, state dicts, numpy arrays and every file format, against torch's own
float64 forward pass and an exact (Fraction) evaluation.

Bound used for "a few ulps": outputs of relutope and of torch's float64 forward pass are two
float64 evaluations of the same exact function with possibly different summation orders, so each
differs from the exact value by at most gamma * S(x), where S(x) is the same forward pass run on
|W|, |b|, |x| (the magnitude of the computation) and gamma = n eps / (1 - n eps) with n the
longest chain of roundings (sum of fan-ins + depth). We check |relutope - torch| <= 2 gamma S(x),
|relutope - exact| <= gamma S(x), and report the largest difference in ulps of the value.
"""
import json
import struct
from fractions import Fraction

import numpy as np
import pytest
import torch
from torch import nn

import oracle
import relutope
from conftest import arrays_of, mlp, torch_forward64, torch_patterns

EPS = np.finfo(np.float64).eps


def magnitude(module, x):
    """S(x): the forward pass on |W|, |b| and |x| with every activation replaced by |.|."""
    h = np.abs(np.asarray(x, np.float64))
    lin = [m for m in module.modules() if isinstance(m, nn.Linear)]
    for m in lin:
        W = np.abs(m.weight.detach().double().numpy())
        b = np.abs(m.bias.detach().double().numpy()) if m.bias is not None else 0
        h = h @ W.T + b
    return h


def gamma(module):
    lin = [m for m in module.modules() if isinstance(m, nn.Linear)]
    n = sum(m.in_features + 2 for m in lin)
    return n * EPS / (1 - n * EPS)


def points(d, n=200, seed=0, lo=-2.0, hi=2.0):
    rng = np.random.default_rng(seed)
    return rng.uniform(lo, hi, size=(n, d))


def check_matches_torch(net, module, x):
    got = net(x)
    want = torch_forward64(module, x)
    assert got.shape == want.shape and got.dtype == np.float64
    bound = 2 * gamma(module) * magnitude(module, x)
    assert np.all(np.abs(got - want) <= bound), np.max(np.abs(got - want) / bound)
    return got


nested = lambda: nn.Sequential(  # noqa: E731
    nn.Flatten(), nn.Sequential(nn.Linear(3, 7), nn.ReLU()), nn.Identity(),
    nn.Sequential(nn.Sequential(nn.Linear(7, 5), nn.LeakyReLU(0.125)), nn.Linear(5, 4), nn.ReLU()), nn.Linear(4, 2))

MODULES = {
    "2-16-16-1 float64": lambda: mlp([2, 16, 16, 1], seed=10),
    "3-32-32-32-2 float32": lambda: mlp([3, 32, 32, 32, 2], seed=11, dtype=torch.float32),
    "1-20-1 leaky float64": lambda: mlp([1, 20, 1], seed=12, leaky=0.01),
    "2-9-9-3 leaky float32": lambda: mlp([2, 9, 9, 3], seed=13, dtype=torch.float32, leaky=0.2),
    "nested Flatten Identity": lambda: (torch.manual_seed(14), nested())[1],
    "identity hidden layer, ReLU output": lambda: (torch.manual_seed(15), nn.Sequential(
        nn.Linear(2, 6), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3), nn.ReLU()).double())[1],
}


@pytest.mark.parametrize("name", MODULES)
def test_from_torch_equals_torch_float64_forward(name):
    module = MODULES[name]()
    d = next(m for m in module.modules() if isinstance(m, nn.Linear)).in_features
    net = relutope.Network.from_torch(module)
    assert net.input_dim == d
    x = points(d)
    got = check_matches_torch(net, module, x)
    # and against the exact value, at a few points
    layers = oracle.exact_layers_of_torch(module)
    S = magnitude(module, x)
    for i in range(0, len(x), 40):
        exact, _ = oracle.forward_exact(layers, x[i])
        err = np.array([abs(Fraction(float(g)) - e) for g, e in zip(got[i], exact)], dtype=float)
        assert np.all(err <= gamma(module) * S[i])


def test_float64_forward_within_few_ulps():
    """Where no cancellation happens the results agree to a few ulps of the value itself."""
    module = mlp([2, 16, 16, 1], seed=10)
    x = points(2, n=500)
    got = relutope.Network.from_torch(module)(x)
    want = torch_forward64(module, x)
    scale = np.maximum(np.abs(want), magnitude(module, x) * 1e-3)  # exclude heavy cancellation
    ulps = np.abs(got - want) / (np.spacing(scale))
    assert np.max(ulps) <= 64, np.max(ulps)


def test_single_point_and_dtype():
    module = mlp([2, 5, 1], seed=4)
    net = relutope.Network.from_torch(module)
    y = net(np.array([[0.25, -0.5]], dtype=np.float32))
    assert y.shape == (1, 1) and y.dtype == np.float64


@pytest.mark.parametrize("name", ["2-16-16-1 float64", "3-32-32-32-2 float32", "2-9-9-3 leaky float32",
                                  "nested Flatten Identity", "identity hidden layer, ReLU output"])
def test_patterns_equal_torch_hooks(name):
    module = MODULES[name]()
    d = next(m for m in module.modules() if isinstance(m, nn.Linear)).in_features
    net = relutope.Network.from_torch(module)
    x = points(d, n=300, seed=5)
    got = net.patterns(x)
    want = torch_patterns(module, x)
    assert got.dtype == np.bool_
    assert got.shape == (len(x), net.hidden_neurons) == want.shape
    assert np.array_equal(got, want)


def test_shape_attributes():
    module = mlp([3, 7, 5, 2], seed=6, dtype=torch.float32)
    net = relutope.Network.from_torch(module, domain=[0, 1, 0, 1, "0", "1/3"])
    assert (net.input_dim, net.output_dim, net.hidden_neurons) == (3, 2, 12)
    assert net.parameter_count == sum(p.numel() for p in module.parameters())
    assert net.domain == (0, 1, 0, 1, 0, Fraction(1, 3))
    assert all(isinstance(v, Fraction) for v in net.domain)
    assert net.encoding == "identity"
    assert len(net.layers) == 3
    for layer, lin in zip(net.layers, [m for m in module if isinstance(m, nn.Linear)]):
        assert layer.weight.dtype == np.float64 and layer.weight.shape == tuple(lin.weight.shape)
        assert layer.bias.shape == (lin.out_features,)
        assert np.array_equal(layer.weight, lin.weight.detach().double().numpy())
    assert [l.activation for l in net.layers] == ["relu", "relu", "identity"]


class Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x):
        return self.lin(x) * 2


class MyLinear(nn.Linear):
    def forward(self, x):
        return super().forward(x) + 1


@pytest.mark.parametrize("bad, name, kind", [
    (nn.Conv2d(1, 1, 3), "1", "Conv2d"),
    (nn.Tanh(), "1", "Tanh"),
    (Custom(), "1", "Custom"),
    (MyLinear(4, 4), "1", "MyLinear"),
])
def test_refuses_other_modules_by_name_and_type(bad, name, kind):
    module = nn.Sequential(nn.Linear(2, 4), bad, nn.Linear(4, 1))
    with pytest.raises(ValueError) as info:
        relutope.Network.from_torch(module)
    message = str(info.value)
    assert kind in message and name in message.split(":")[0], message


def test_refuses_nested_module_with_its_path():
    module = nn.Sequential(nn.Linear(2, 4), nn.Sequential(nn.ReLU(), nn.Sigmoid()), nn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"1\.1.*Sigmoid"):
        relutope.Network.from_torch(module)


def test_refuses_batchnorm_in_training_mode():
    module = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1))
    module.train()
    with pytest.raises(ValueError) as info:
        relutope.Network.from_torch(module)
    assert "BatchNorm1d" in str(info.value) and "1" in str(info.value).split(":")[0]


def test_state_dict_and_arrays_give_the_same_function():
    for dtype in (torch.float32, torch.float64):
        module = mlp([2, 12, 12, 3], seed=7, dtype=dtype)
        x = points(2, seed=8)
        a = relutope.Network.from_torch(module)
        b = relutope.Network.from_torch(module.state_dict())
        W, B = arrays_of(module)
        c = relutope.Network.from_arrays(W, B)
        c32 = relutope.Network.from_arrays([w.astype(np.float32) for w in W] if dtype == torch.float32 else W, B)
        ya = check_matches_torch(a, module, x)
        for other in (b, c, c32):
            assert np.array_equal(other(x), ya)
            assert np.array_equal(other.patterns(x), a.patterns(x))
            for la, lo in zip(a.layers, other.layers):
                assert np.array_equal(la.weight, lo.weight) and np.array_equal(la.bias, lo.bias)
                assert la.activation == lo.activation


def test_from_arrays_activations_and_missing_bias():
    W = [np.array([[1.0, -2.0], [0.5, 0.25]]), np.array([[1.0, 1.0]])]
    net = relutope.Network.from_arrays(W, [None, np.array([0.5])], activations=["leaky_relu:0.5", "identity"])
    x = np.array([[1.0, 1.0], [2.0, -1.0]])
    # by hand: z1 = (-1, 0.75) -> (-0.5, 0.75) -> 0.75; z1 = (4, 0.75) -> 4.75 + 0.5
    assert np.array_equal(net(x), np.array([[0.75], [5.25]]))
    assert np.array_equal(net.patterns(x), np.array([[False, True], [True, True]]))


# --- files -----------------------------------------------------------------------------------


def write_json(path, module):
    lin = [m for m in module if isinstance(m, nn.Linear)]
    doc = {"format": "relutope.mlp", "version": 1, "input_dim": lin[0].in_features, "encoding": {"type": "identity"},
           "layers": [{"weight": m.weight.detach().double().tolist(), "bias": m.bias.detach().double().tolist()}
                      for m in lin]}
    with open(path, "w") as f:
        json.dump(doc, f)  # json writes repr(float): shortest round-trip decimal


def write_npz(path, module):
    np.savez(path, **{k: v.numpy() for k, v in module.state_dict().items()})


def write_pt(path, module):
    torch.save(module.state_dict(), path)


SAFETENSORS_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.float16): "F16"}


def write_safetensors(path, tensors, metadata=None, bfloat16=False):
    """The safetensors layout: u64 little-endian header length, JSON header, raw little-endian data.
    bfloat16: store float32 arrays as their upper 16 bits (BF16, truncated)."""
    header, blobs, offset = ({"__metadata__": metadata} if metadata else {}), [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        if bfloat16:
            data = (array.astype(np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()
            kind = "BF16"
        else:
            data = array.astype(array.dtype.newbyteorder("<")).tobytes()
            kind = SAFETENSORS_DTYPES[array.dtype]
        header[name] = {"dtype": kind, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


@pytest.mark.parametrize("fmt", ["json", "npz", "pt", "safetensors"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_load_every_format_equals_torch(tmp_path, fmt, dtype):
    module = mlp([2, 10, 10, 2], seed=20, dtype=dtype)
    path = tmp_path / f"net.{fmt}"
    if fmt == "json":
        write_json(path, module)
    elif fmt == "npz":
        write_npz(path, module)
    elif fmt == "pt":
        write_pt(path, module)
    else:
        write_safetensors(path, {k: v.numpy() for k, v in module.state_dict().items()})
    net = relutope.load(path)
    x = points(2, seed=21)
    y = check_matches_torch(net, module, x)
    assert np.array_equal(y, relutope.Network.from_torch(module)(x))
    assert np.array_equal(net.patterns(x), torch_patterns(module, x))


def test_save_accepts_pathlike(tmp_path):
    net = relutope.Network.from_arrays([np.ones((1, 1))], [np.zeros(1)])
    net.save(tmp_path / "p.json")
    assert (tmp_path / "p.json").exists()


def test_load_accepts_str_and_pathlike(tmp_path):
    module = mlp([1, 4, 1], seed=22)
    write_npz(tmp_path / "a.npz", module)
    x = points(1)
    assert np.array_equal(relutope.load(str(tmp_path / "a.npz"))(x), relutope.load(tmp_path / "a.npz")(x))


def test_load_float16_safetensors_widened_exactly(tmp_path):
    rng = np.random.default_rng(3)
    W1, b1, W2, b2 = (rng.standard_normal(s).astype(np.float16) for s in [(5, 2), (5,), (1, 5), (1,)])
    write_safetensors(tmp_path / "h.safetensors", {"0.weight": W1, "0.bias": b1, "2.weight": W2, "2.bias": b2})
    net = relutope.load(tmp_path / "h.safetensors")
    assert np.array_equal(net.layers[0].weight, W1.astype(np.float64))
    assert np.array_equal(net.layers[1].bias, b2.astype(np.float64))


def test_save_load_round_trip_bit_for_bit(tmp_path):
    module = mlp([3, 11, 11, 2], seed=30, dtype=torch.float32, leaky=0.1)
    net = relutope.Network.from_torch(module, domain=["-1/3", "0.1", 0, 1, -2, 2])
    path = str(tmp_path / "n.json")
    net.save(path)
    back = relutope.load(path)
    for a, b in zip(net.layers, back.layers):
        assert a.weight.tobytes() == b.weight.tobytes() and a.bias.tobytes() == b.bias.tobytes()
        assert a.activation == b.activation
    assert back.domain == (Fraction(-1, 3), Fraction(1, 10), 0, 1, -2, 2)
    x = points(3, seed=31)
    assert net(x).tobytes() == back(x).tobytes()


def test_save_load_round_trip_awkward_doubles(tmp_path):
    """Subnormals, values needing 17 digits, huge and tiny magnitudes survive bit for bit."""
    W = [np.array([[5e-324, 0.1 + 0.2, 1 / 3], [1.7976931348623157e308, -2.2250738585072014e-308, np.nextafter(1, 2)]]),
         np.array([[np.nextafter(0.1, 1), -0.0]])]
    B = [np.array([1e-300, -123456789.12345679]), np.array([np.pi])]
    net = relutope.Network.from_arrays(W, B)
    net.save(str(tmp_path / "w.json"))
    back = relutope.load(tmp_path / "w.json")
    for a, b, w, bb in zip(net.layers, back.layers, W, B):
        assert a.weight.tobytes() == b.weight.tobytes() == w.tobytes()
        assert a.bias.tobytes() == b.bias.tobytes() == bb.tobytes()


def test_nan_weights_named(tmp_path):
    module = mlp([2, 4, 4, 1], seed=40)
    sd = {k: v.clone() for k, v in module.state_dict().items()}
    sd["2.weight"][1, 3] = float("nan")
    np.savez(tmp_path / "nan.npz", **{k: v.numpy() for k, v in sd.items()})
    with pytest.raises(ValueError, match=r"2\.weight"):
        relutope.load(tmp_path / "nan.npz")
    with pytest.raises(ValueError, match=r"2\.weight"):
        relutope.Network.from_torch(sd)
    with torch.no_grad():
        module[2].bias[0] = float("inf")
    with pytest.raises(ValueError) as info:
        relutope.Network.from_torch(module)
    assert "layer" in str(info.value).lower() or "2" in str(info.value)
    W, B = arrays_of(mlp([2, 4, 1], seed=41))
    W[1][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"(?i)layer|weight"):
        relutope.Network.from_arrays(W, B)


def test_shapes_that_do_not_chain():
    with pytest.raises(ValueError):
        relutope.Network.from_arrays([np.ones((3, 2)), np.ones((1, 4))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError):
        relutope.Network.from_arrays([np.ones((3, 2))], [np.zeros(4)])


def encode(x, L, order="nerf", include_input=False):
    """Positional encoding by its definition (CONTRACT.md): frequency 2^l pi at level l."""
    x = np.asarray(x, np.float64)
    feats = [x] if include_input else []
    sines = [np.sin(2.0 ** l * np.pi * x) for l in range(L)]
    coss = [np.cos(2.0 ** l * np.pi * x) for l in range(L)]
    if order == "nerf":
        for l in range(L):
            feats += [sines[l], coss[l]]
    elif order == "per-input":
        for l in range(L):
            feats.append(np.stack([sines[l], coss[l]], axis=2).reshape(len(x), -1))
    else:
        feats += sines + coss
    return np.concatenate(feats, axis=1)


@pytest.mark.parametrize("spec, order, include", [("positional:L=3", "nerf", False),
                                                   ("positional:L=2:order=per-input", "per-input", False),
                                                   ("positional:L=2:order=sines-first:include_input", "sines-first", True)])
def test_positional_encoding_equals_torch_on_encoded_inputs(spec, order, include):
    L = int(spec.split("L=")[1].split(":")[0])
    d = 2
    width = 2 * L * d + (d if include else 0)
    module = mlp([width, 16, 16, 1], seed=50)
    net = relutope.Network.from_torch(module, encoding=spec)
    assert net.input_dim == d and net.encoding.startswith("positional")
    x = points(d, n=100, seed=51, lo=0, hi=1)
    e = encode(x, L, order, include)
    want = torch_forward64(module, e)
    S = magnitude(module, e)
    assert np.all(np.abs(net(x) - want) <= 2 * gamma(module) * S + 1e-14 * S)
    assert np.array_equal(net.patterns(x), torch_patterns(module, e))


# --- state dicts as real scripts save them ---------------------------------------------------


class Named(nn.Module):
    """Unnumbered modules, applied in an order the state dict alone cannot show."""

    def __init__(self):
        super().__init__()
        self.out = nn.Linear(6, 1)
        self.fc1 = nn.Linear(2, 8)
        self.fc2 = nn.Linear(8, 6)

    def forward(self, x):
        return self.out(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def test_unnumbered_names_in_the_given_order(tmp_path):
    torch.manual_seed(60)
    module = Named().double()
    torch.save(module.state_dict(), tmp_path / "named.pt")
    net = relutope.load(tmp_path / "named.pt", layers=["fc1", "fc2", "out"])
    x = points(2, seed=61)
    with torch.no_grad():
        want = module(torch.from_numpy(x)).numpy()
    assert np.allclose(net(x), want, rtol=1e-14, atol=1e-15)


def test_common_prefix_and_half_precisions(tmp_path):
    module = mlp([2, 8, 8, 1], seed=62)
    sd = {"module." + k: v for k, v in module.state_dict().items()}
    torch.save(sd, tmp_path / "dp.pt")
    x = points(2, seed=63)
    assert np.array_equal(relutope.load(tmp_path / "dp.pt")(x), relutope.Network.from_torch(module)(x))
    for dtype in (torch.float16, torch.bfloat16):
        half = {k: v.to(dtype) for k, v in module.state_dict().items()}
        torch.save(half, tmp_path / "h.pt")
        net = relutope.load(tmp_path / "h.pt")
        for layer, key in zip(net.layers, ["0", "2", "4"]):
            assert np.array_equal(layer.weight, half[key + ".weight"].double().numpy())
            assert np.array_equal(layer.bias, half[key + ".bias"].double().numpy())


def test_batchnorm_in_eval_mode_state_dict(tmp_path):
    """A state dict with BatchNorm1d (running statistics): the same function as torch in eval mode,
    up to the rounding of folding the normalisation into the Linear layer."""
    torch.manual_seed(64)
    module = nn.Sequential(nn.Linear(2, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 1)).double()
    with torch.no_grad():
        module[1].running_mean.uniform_(-0.5, 0.5)
        module[1].running_var.uniform_(0.5, 2)
        module[1].weight.uniform_(0.5, 1.5)
        module[1].bias.uniform_(-0.3, 0.3)
    module.eval()
    torch.save(module.state_dict(), tmp_path / "bn.pt")
    net = relutope.load(tmp_path / "bn.pt")
    x = points(2, seed=65)
    with torch.no_grad():
        want = module(torch.from_numpy(x)).numpy()
    assert np.allclose(net(x), want, rtol=1e-13, atol=1e-14)


def test_save_npz_round_trip(tmp_path):
    """README: save writes native JSON or .npz; an .npz holds a ReLU MLP's state dict."""
    module = mlp([2, 9, 9, 2], seed=66, dtype=torch.float32)
    net = relutope.Network.from_torch(module)
    net.save(str(tmp_path / "n.npz"))
    back = relutope.load(str(tmp_path / "n.npz"))
    assert weights_bytes(net) == weights_bytes(back)
    with np.load(tmp_path / "n.npz") as z:  # an ordinary state dict for numpy and torch users
        assert sorted(z.files) == sorted(module.state_dict().keys())
        for k, v in module.state_dict().items():
            assert np.array_equal(z[k].astype(np.float64), v.double().numpy())


def weights_bytes(net):
    return [(l.weight.tobytes(), l.bias.tobytes(), l.activation) for l in net.layers]


def test_load_activation_options_for_state_dicts(tmp_path):
    """A state dict shows no activation modules: `activation` fills the gaps, `activations` names
    each layer's (README), checked against torch modules with those activations."""
    torch.manual_seed(71)
    leaky = nn.Sequential(nn.Linear(2, 7), nn.LeakyReLU(0.1), nn.Linear(7, 5), nn.LeakyReLU(0.1), nn.Linear(5, 1)).double()
    np.savez(tmp_path / "l.npz", **{k: v.numpy() for k, v in leaky.state_dict().items()})
    x = points(2, seed=72)
    net = relutope.load(tmp_path / "l.npz", activation="leaky_relu:0.1")
    check_matches_torch(net, leaky, x)
    assert np.array_equal(net.patterns(x), torch_patterns(leaky, x))
    # Sequential(Linear, ReLU, Linear, Identity, Linear, ReLU): gaps at 1 and 3, a ReLU on the output
    mixed = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 4), nn.Identity(), nn.Linear(4, 2), nn.ReLU()).double()
    np.savez(tmp_path / "m.npz", **{k: v.numpy() for k, v in mixed.state_dict().items()})
    net = relutope.load(tmp_path / "m.npz", activations=["relu", "identity", "relu"])
    assert [l.activation for l in net.layers] == ["relu", "identity", "relu"]
    check_matches_torch(net, mixed, x)
    assert np.array_equal(net.patterns(x), torch_patterns(mixed, x))


def test_presets_and_meta():
    assert {"rahaman-sines", "lazzari-random-rgb", "lazzari-random-rgb-pe", "rahaman-flower"} <= set(relutope.presets())
    net = relutope.Network.from_torch(mlp([2, 3, 1], seed=73))
    assert isinstance(net.meta, dict)
    assert relutope.Network.from_torch(mlp([4, 3, 1], seed=73), encoding="positional:L=1").input_dim == 2


def test_array_layouts_and_dtypes_in():
    """Strided views, Fortran order, ints and float32 mean their values, in and out of the bindings."""
    module = mlp([3, 7, 5, 2], seed=74)
    W, B = arrays_of(module)
    net = relutope.Network.from_arrays(W, B)
    x = np.random.default_rng(75).uniform(-1, 1, (60, 6))
    view, dense = x[:, ::2], np.ascontiguousarray(x[:, ::2])
    assert np.array_equal(net(view), net(dense)) and np.array_equal(net.patterns(view), net.patterns(dense))
    assert np.array_equal(net(np.asfortranarray(dense)), net(dense))
    assert np.array_equal(net(np.array([[1, -2, 3]])), net(np.array([[1.0, -2.0, 3.0]])))
    x32 = dense.astype(np.float32)
    assert np.array_equal(net(x32), net(x32.astype(np.float64)))
    for Ws, Bs in [([np.asfortranarray(w) for w in W], B),
                   ([np.repeat(w, 2, axis=1)[:, ::2] for w in W], [np.repeat(b, 2)[::2] for b in B]),
                   ([w.T.copy().T for w in W], B)]:
        other = relutope.Network.from_arrays(Ws, Bs)
        for a, b in zip(other.layers, net.layers):
            assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
        assert np.array_equal(other(dense), net(dense))
    box = (-1, 1, -1, 1, -1, 1)
    partition = relutope.regions(net, box, progress=False)
    assert np.array_equal(partition.locate(view), partition.locate(dense))


def test_safetensors_metadata_bfloat16_and_compressed_npz(tmp_path):
    module = mlp([2, 6, 1], seed=76)
    sd = {k: v.numpy() for k, v in module.state_dict().items()}
    write_safetensors(tmp_path / "m.safetensors", sd, metadata={"format": "pt"})
    x = points(2, seed=77)
    ref = relutope.Network.from_torch(module)(x)
    assert np.array_equal(relutope.load(tmp_path / "m.safetensors")(x), ref)
    write_safetensors(tmp_path / "b.safetensors", sd, bfloat16=True)
    net = relutope.load(tmp_path / "b.safetensors")
    for layer, key in zip(net.layers, ["0", "2"]):
        truncated = ((sd[key + ".weight"].astype(np.float32).view(np.uint32) >> 16) << 16).view(np.float32)
        assert np.array_equal(layer.weight, truncated.astype(np.float64))
    np.savez_compressed(tmp_path / "c.npz", **sd)
    assert np.array_equal(relutope.load(tmp_path / "c.npz")(x), ref)
