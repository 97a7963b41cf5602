"""relutope: exact polyhedral analysis of ReLU networks.

A ReLU network f: R^d -> R^m is affine on each of its activation regions, the convex polytopes
where every neuron keeps one sign (Hanin & Rolnick 2019; Lazzari & Liu, Sec. 3). relutope
enumerates them exactly (exact rational arithmetic, every geometric decision certified) and
computes the network's Fourier coefficients in closed form from them (Rahaman et al. 2019,
Lemma 1 plus the bounded domain's boundary term), with certified digits.

    import torch, relutope
    net = relutope.Network.from_torch(torch.nn.Sequential(
        torch.nn.Linear(2, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1)), domain=[0, 1, 0, 1])
    partition = relutope.regions(net)            # partition.count, .patterns, .vertices, ...
    spectrum = relutope.spectrum(net, 3)         # c(k) for k in [-3, 3]^2, certified
    relutope.plot.regions(partition)

Conventions
-----------
* Exact numbers (domains, slices, frequencies) may be ints, ``fractions.Fraction``, floats
  (taken as their exact binary value: 0.1 is 3602879701896397/36028797018963968) or strings read
  exactly as decimals or fractions ("0.1" is 1/10, "1/3"). Exact results are Fractions.
* A domain is a box [a, b, c, d, ...] = [a,b] x [c,d] x ... (or the command line's text
  "a,b,c,d"); it defaults to the network's own (``Network.domain``).
* Arrays are numpy, float64 unless said otherwise; shapes are given as (rows, columns).
* Errors: ``ValueError`` for bad input, with the command line's one-line message (the file or
  option at fault first); ``relutope.LimitError`` when max_regions or time_limit is reached;
  ``KeyboardInterrupt`` on Ctrl-C, which stops long calls within a fraction of a second. Long
  calls release the GIL and show a tqdm bar (``progress=True``, when tqdm is installed and the
  call lasts over half a second; ``progress=False`` for none, or a callable(done, total)).
"""
from __future__ import annotations

import json
import operator
import os
from collections.abc import Mapping
from fractions import Fraction
from numbers import Integral, Rational, Real

import numpy as np

from . import _relutope
from ._relutope import LimitError, Layer, Network, Partition, Region, RegionStream, Snapshot, Spectrum, TrainResult, presets
from ._results import (BoundaryDistances, FftConvergence, FlowerSpectrum, GradientConfusion, HammingDistances, Lipschitz,
                       PerturbationRobustness, RayDecay, SamplingReport, SpectrumDynamics, TrainingDynamics)

__version__ = "0.1.0"

__all__ = [
    "LimitError", "Layer", "Network", "Partition", "Region", "RegionStream", "Snapshot", "Spectrum", "TrainResult",
    "BoundaryDistances", "FftConvergence", "GradientConfusion", "HammingDistances", "Lipschitz", "RayDecay",
    "SamplingReport", "SpectrumDynamics", "TrainingDynamics", "hamming_distances", "hyperplane_cosines",
    "gradient_confusion", "training_dynamics", "neuron_distances", "read_training_data",
    "load", "regions", "iter_regions", "sampled_patterns", "spectrum", "frequency_grid", "fft_convergence",
    "ray_decay", "lemma1_terms", "train", "presets", "read_snapshots", "spectrum_dynamics",
    "FlowerSpectrum", "flower_spectrum", "flower_spectrum_dynamics", "PerturbationRobustness", "perturbation_robustness",
]


def __getattr__(name):
    """relutope.plot on first use: importing relutope does not import matplotlib."""
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'relutope' has no attribute {name!r}")


# --- exact numbers and analysis requests -------------------------------------------------------

def _exact(x, what):
    """The exact text of a number the C++ core reads exactly ("3", "1/3", "0.1")."""
    if isinstance(x, str):
        return x.strip()
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{what}: expected a number, got {x!r}")
    if isinstance(x, (Integral, np.integer)):
        return str(int(x))
    if isinstance(x, Rational):
        return f"{x.numerator}/{x.denominator}"
    if isinstance(x, (Real, np.floating)):
        if not np.isfinite(x):
            raise ValueError(f"{what}: {x!r} is not a finite number")
        q = Fraction(float(x))
        return f"{q.numerator}/{q.denominator}"
    raise TypeError(f"{what}: expected a number (int, Fraction, float or str), got {type(x).__name__}")


def _integer(x, what, least=None):
    """An int argument: ints, numpy and 0-d torch integers; 2.5 or "3" are refused, not truncated."""
    try:
        value = operator.index(x)
    except TypeError:
        raise TypeError(f"{what}: expected an integer, got {x!r}") from None
    if least is not None and value < least:
        raise ValueError(f"{what}: must be at least {least}, got {value}")
    return value


def _names(items):
    """A list of names or activations, or the command line's text "a,b,c"."""
    return items if isinstance(items, str) else ",".join(items or [])


def _numbers(values, what):
    if isinstance(values, str):
        return values
    return ",".join(_exact(v, what) for v in np.asarray(values, dtype=object).ravel())


def _request(domain, slice, plane_through):
    """The analysis request: the domain box, the slice (CLI text, "@FILE", or (o, u[, v])), the file of three points."""
    domain_text = "" if domain is None else _numbers(domain, "--domain")
    if slice is None:
        slice_text = ""
    elif isinstance(slice, str):
        slice_text = slice
    else:
        slice_text = ":".join(_numbers(part, "--slice") for part in slice)
    plane = "" if plane_through is None else os.fspath(plane_through)
    return _relutope._AnalysisRequest(domain_text, slice_text, plane)


def _frequency(k, what="--freq"):
    """One frequency vector as text "k1,k2" (a scalar is a 1D frequency)."""
    if isinstance(k, str) or np.ndim(k) == 0:
        return _exact(k, what)
    return _numbers(k, what)


# --- networks --------------------------------------------------------------------------------

def load(path, *, layers=None, activation=None, activations=None, encoding=None, batchnorm_eps=None):
    """Reads a network file, of any format the command line reads, chosen by its content.

    Formats (CONTRACT.md): relutope's JSON, PyTorch state_dicts saved by ``torch.save`` (read
    without executing anything from the pickle: only torch's tensor globals are allowed),
    ``numpy.savez`` of a state_dict's arrays, and safetensors. Weights are taken exactly as stored
    (float16/bfloat16/float32 widened exactly to float64).

    The keywords state what a state_dict cannot (as the command line's options of the same names):
    layers: module names in the order the network applies them, e.g. ["fc1", "fc2", "out"] (or "fc1,fc2,out").
    activation: the activation where the file shows none, "relu" (default), "identity" or
        "leaky_relu:SLOPE".
    activations: the activation after each Linear module, the last after the output layer.
    encoding: the input encoding the network was trained with, "positional:L=8[:order=per-input]".
    batchnorm_eps: the eps of BatchNorm1d modules (default torch's 1e-5).

    Raises ValueError naming the file and the fault (malformed, truncated, NaN weights, a pickle
    asking to run code, ...).
    """
    return _relutope._load(os.fspath(path), _read_options(layers, activation, activations, encoding, batchnorm_eps))


def _read_options(layers, activation, activations, encoding, batchnorm_eps):
    return _relutope._ReadOptions(_names(layers), activation or "", _names(activations),
                                  "" if batchnorm_eps is None else repr(float(batchnorm_eps)), encoding or "")


_TORCH_MODULES = "Linear, ReLU, LeakyReLU, Identity, Flatten (in nn.Sequential)"


def _torch_layers(module):
    """Weights, biases and activations of a torch module made of the modules relutope reads."""
    from torch import nn

    weights, biases, activations = [], [], []

    def refuse(name, m, why):
        kind = type(m)
        raise ValueError(f"{name or 'module'}: {kind.__qualname__} ({kind.__module__}) {why}")

    def visit(m, name):
        plain = lambda base: isinstance(m, base) and type(m).forward is base.forward  # noqa: E731
        if plain(nn.Sequential):
            for child, sub in m.named_children():
                visit(sub, f"{name}.{child}" if name else child)
        elif plain(nn.Linear):
            weights.append(m.weight.detach().cpu().double().numpy())
            biases.append(None if m.bias is None else m.bias.detach().cpu().double().numpy())
            activations.append("identity")
        elif plain(nn.Identity) or plain(nn.Flatten):
            pass  # an MLP's inputs are vectors already: both leave them as they are
        elif plain(nn.ReLU) or plain(nn.LeakyReLU):
            kind = "relu" if isinstance(m, nn.ReLU) else f"leaky_relu:{float(m.negative_slope)!r}"
            if not weights:
                refuse(name, m, "acts on the raw inputs, before any Linear layer: not a piecewise-linear MLP relutope reads")
            if activations[-1] == "identity":
                activations[-1] = kind
            elif not (activations[-1] == kind == "relu"):  # ReLU after ReLU is ReLU; other pairs are no one activation
                refuse(name, m, f"follows another activation ({activations[-1]}) after the same Linear layer")
        else:
            refuse(name, m, f"is not supported: relutope reads {_TORCH_MODULES}; for a model with its own forward(), "
                            "pass model.state_dict() (with layers= and activations= where its order or activations "
                            "are not the defaults)")

    visit(module, "")
    if not weights:
        raise ValueError("module: no Linear layer")
    return weights, biases, activations


def _from_torch(module, encoding=None, domain=None, *, layers=None, activation=None, activations=None, batchnorm_eps=None):
    """The network of a torch module, or of a state_dict, exactly as torch computes it.

    module: an ``nn.Sequential`` (nested ones too) of ``Linear``, ``ReLU``, ``LeakyReLU``,
        ``Identity`` and ``Flatten``; any other module (or a subclass with its own forward())
        is refused by name and type, since relutope cannot see what it computes. Or a
        state_dict (a mapping of names to tensors), read by the rules of network files
        (CONTRACT.md: numbered Sequential keys, ReLU in the gaps, BatchNorm1d folded), with
        ``layers``, ``activation``, ``activations`` and ``batchnorm_eps`` as in ``load``.
    encoding: the input encoding the network was trained with, "identity" (default) or
        "positional:L=8[:order=nerf|per-input|sines-first][:include_input]" (Tancik et al.;
        Lazzari & Liu eq. 1): the module then takes the 2 L d encoded features.
    domain: the box to analyse by default, e.g. [0, 1, 0, 1].

    Weights are read as stored (float16/bfloat16/float32 widened exactly to float64). Raises
    ValueError for other modules, non-finite weights or shapes that do not chain.
    """
    if isinstance(module, Mapping):
        import torch

        items = []
        for name, tensor in module.items():
            if not torch.is_tensor(tensor):
                raise ValueError(f"state_dict: {name}: expected a tensor, got {type(tensor).__name__}")
            tensor = tensor.detach().cpu()
            dtype = str(tensor.dtype).replace("torch.", "")
            values = tensor.double().contiguous().numpy().ravel() if tensor.is_floating_point() else None
            items.append((name, dtype, list(tensor.shape), values))
        options = _read_options(layers, activation, activations, encoding, batchnorm_eps)
        return Network._from_state_dict(items, options, "" if domain is None else _numbers(domain, "--domain"))
    if any(option is not None for option in (layers, activation, activations, batchnorm_eps)):
        raise ValueError("layers, activation, activations, batchnorm_eps: only for a state_dict (a module shows them)")
    weights, biases, kinds = _torch_layers(module)
    return Network._from_arrays(weights, biases, kinds, encoding or "",
                                "" if domain is None else _numbers(domain, "--domain"), "module")


def _from_arrays(weights, biases=None, activations=None, encoding=None, domain=None):
    """The network of numpy arrays: weights[i] (out, in), biases[i] (out,) or None (zero).

    activations: one per layer, "relu", "identity" or "leaky_relu:SLOPE"; default ReLU after
    every layer but the last. encoding and domain as in ``Network.from_torch``. Raises ValueError
    for shapes that do not chain and non-finite values.
    """
    weights = [np.asarray(w, dtype=np.float64) for w in weights]
    biases = None if biases is None else [None if b is None else np.asarray(b, dtype=np.float64) for b in biases]
    return Network._from_arrays(weights, biases or [], list(activations or []), encoding or "",
                                "" if domain is None else _numbers(domain, "--domain"), "arrays")


def _with_domain(self, domain):
    """A copy of the network whose default domain is `domain` (e.g. [0, 1, 0, 1])."""
    return self._with_domain(_numbers(domain, "--domain"))


def _save(self, path):
    """Writes the network: relutope's JSON (any suffix but .npz) or PyTorch-style .npz (float64
    "<2i>.weight"/"<2i>.bias", no room for an encoding), atomically: the whole file or none.
    Every weight survives the round trip through ``load`` bit for bit. Raises ValueError naming
    the file (an unwritable directory, a positional network to .npz)."""
    self._save(os.fspath(path))


Network.save = _save
Network.from_torch = staticmethod(_from_torch)
Network.from_arrays = staticmethod(_from_arrays)
Network.with_domain = _with_domain


# --- regions ---------------------------------------------------------------------------------

def regions(net, domain=None, slice=None, *, plane_through=None, sample=None, keep_regions=True, exact=False,
            max_regions=1_000_000, time_limit=0, threads=0, progress=True):
    """The activation regions of `net` on `domain`, exactly (Partition).

    Every region is a convex polytope with non-empty interior on which the network is one affine
    map; they tile the domain. `slice` restricts the network to a plane x = o + s u + t v (or a
    line) of its input space, or of its encoding space for a positional network: (o, u, v)
    vectors, or the command line's text "o1,..:u1,..:v1,.." or "@FILE"; `domain` is then the
    box of (s, t). `plane_through`: a file of three points p0, p1, p2, the plane
    p0 + s (p1 - p0) + t (p2 - p0), domain [0,1]^2 by default. On a slice every geometric
    quantity (vertices, measures, distances, Lipschitz constant) is in the coordinates (s, t):
    input-space lengths only where u and v are orthonormal.

    sample: also sample activation patterns at the centres of the R^d grid of cells, x_i =
        lo + (i + 1/2) (hi - lo) / R, and compare: ``partition.sampled`` (the sampled count
        papers report; to count at your own points, e.g. the training pixels c/63 of a 64x64
        image, use ``net.patterns(points)``).
    keep_regions: hold every region (default); False keeps the counts, pieces, dead neurons,
        Lipschitz constant and sampled comparison only, in a few hundred bytes per region.
    exact: have the engine hand every region's exact vertices and map as it finds them (about
        7x the time of the counts, on all threads), for exact values, ``measures``, distances and
        spectra of many regions; without it they are rebuilt from each region's pattern when first
        asked for (about 1 ms a region for a 2x128 network).
    max_regions, time_limit (seconds, 0: none): beyond them, LimitError. threads: 0 every core
        (the result does not depend on it).

    Returns a Partition: ``count`` (regions), ``linear_pieces`` (maximal connected unions on
    which f is one affine map), ``patterns`` (count, hidden) bool, ``vertices`` (V, d) with
    ``vertex_offsets`` (count + 1,): region r's are vertices[vertex_offsets[r]:vertex_offsets[r+1]]
    (2D counter-clockwise), ``vertex_labels`` (V, d, 2) the d hyperplanes (layer, neuron) meeting
    at each vertex (layer -1: a face of the box, neuron 2i lower / 2i+1 upper bound of axis i),
    ``facet_labels`` (F, 2), ``facet_sides`` (F,) int8 (+1: the region is where the neuron's
    pre-activation is >= 0), ``facet_offsets`` (count + 1,), ``facet_vertices`` indices into
    vertices with ``facet_vertex_offsets`` (F + 1,), ``maps`` (count, outputs, d + 1) the affine
    map [W | b] in float64 within ``map_radius`` (count,) of the exact one, ``measures`` (count,)
    lengths/areas/volumes (exact, rounded), ``piece`` (count,), ``adjacent`` (A, 2) pairs sharing
    a facet, ``dead_neurons`` (k, 2) (layer, neuron) never active on the domain, ``lipschitz``
    (certified; Rahaman et al. Eq. 7's product of norms beside it), ``sampled``. Exact values on
    request: ``exact_vertices(r)``, ``exact_map(r)``, ``exact_measure(r)`` (Fractions). Vertices
    and maps in floats are the exact ones rounded (not certified near degenerate meetings).
    ``partition[r]`` is a Region; ``locate(points)`` (n,) int64 the region holding each point
    (the lowest index on a boundary, -1 outside the domain; up to 3D), ``boundary_distance(points)``
    (BoundaryDistances), ``validate()`` (2D: CGAL's arrangement as a second certificate).
    Layers in labels and dead_neurons count the hidden layers with pattern bits from 0 (a Linear
    layer without an activation after it has none); dead neurons are ReLU neurons.
    """
    if sample is not None and (not isinstance(sample, (Integral, np.integer)) or sample < 1):
        raise ValueError(f"--sample: must be a positive integer, got {sample!r}")
    return _relutope._regions(net, _request(domain, slice, plane_through), int(sample or 0), bool(keep_regions),
                              bool(exact), _integer(max_regions, "max_regions", 1), float(time_limit), _integer(threads, "threads", 0),
                              progress)


def iter_regions(net, domain=None, slice=None, *, plane_through=None, exact=False, max_regions=1_000_000, time_limit=0,
                 threads=0, progress=True):
    """The activation regions one at a time as the engine finds them (an iterator of Region).

    For networks with more regions than memory holds: the enumeration runs on its own threads and
    pauses while Python is 4096 regions behind. Arguments as ``regions``. Each Region has
    ``pattern`` (hidden,) bool, ``vertices`` (n, d), ``vertex_labels``, ``facet_labels``,
    ``facet_sides``, ``facet_vertices``, ``map`` (outputs, d + 1), ``map_radius`` and
    ``exact_vertices()``, ``exact_map()``, ``exact_measure()`` (handed by the engine with
    ``exact=True``, else rebuilt on request, as in ``regions``). The order is the same as
    ``regions``' for any number of threads. Breaking out of the loop stops the enumeration. The
    engine runs ahead of the loop: max_regions and time_limit may raise LimitError before the
    loop has seen the regions counted.
    """
    return _relutope._iter_regions(net, _request(domain, slice, plane_through), bool(exact), _integer(max_regions, "max_regions", 1),
                                   float(time_limit), _integer(threads, "threads", 0), progress)


def sampled_patterns(net, domain=None, slice=None, *, plane_through=None, resolution, progress=True):
    """Activation patterns at the centres of the R^d grid of cells of the domain, in float64.

    What papers count as regions (a lower bound): bool array (R^d, hidden neurons), grid points
    in row-major order (the last coordinate fastest). Any network, positional encodings included.
    """
    return _relutope._sampled_patterns(net, _request(domain, slice, plane_through), _integer(resolution, "--resolution", 1),
                                       progress)


# --- spectra ---------------------------------------------------------------------------------

def spectrum(net, freqs, domain=None, slice=None, *, plane_through=None, precision=128, route="edges", fft=None,
             fft_rule="rectangle", partition=None, max_regions=1_000_000, time_limit=0, threads=0, progress=True):
    """Fourier coefficients of the network on its domain, in closed form, certified.

    c(k) = (1/vol D) * integral over D of f(x) exp(-2 pi i k.x) dx, k in cycles per unit length,
    from the exact regions (Rahaman et al. 2019, Lemma 1, with the domain's boundary term; by
    Green's identity over the region edges on the default route). 1D and 2D.

    freqs: an int K for the integer grid [-K, K]^d (row-major), or a list of frequencies (scalars
        in 1D, vectors in 2D), exact numbers.
    precision: bits of Arb's ball arithmetic (32..4096) for the routes "regions" and "lemma1",
        for the default route's fallback, and for the digits of the exact mean c(0).
    fft: N, also the FFT estimate from N^d samples (``fft_rule`` "rectangle" as np.fft does, or
        "trapezoid"), and its error against the exact coefficient.
    partition: a Partition of the same network from ``regions`` (not enumerated again; its
        domain and slice must be those asked for).
    time_limit bounds the enumeration of the regions; Ctrl-C stops any part.

    Returns a Spectrum: ``values`` (n, outputs) complex128, ``certified_digits`` (n, outputs):
    the decimal strings ``re``/``im`` (object arrays) differ from the exact parts by less than one
    unit in their last digit (CONTRACT.md), ``frequencies`` (n, d), ``routes``, ``fft`` (n,
    outputs; nan off the FFT grid), ``fft_error`` = |fft - values|, ``exact_frequencies()``.
    """
    if np.ndim(freqs) == 0 and not isinstance(freqs, str):
        grid, texts = _integer(freqs, "freqs: an int K (the grid [-K, K]^d) or a list of frequencies", 0), []
    else:
        grid, texts = -1, [_frequency(k) for k in freqs]
    return _relutope._spectrum(net, _request(domain, slice, plane_through), texts, grid, _integer(precision, "precision"),
                               route, 0 if fft is None else _integer(fft, "--fft", 2), fft_rule, partition,
                               _integer(max_regions, "max_regions", 1), float(time_limit), _integer(threads, "threads", 0),
                               progress)


def frequency_grid(dim, K):
    """The integer frequencies of [-K, K]^dim, row-major (the last coordinate fastest): int64 ((2K+1)^dim, dim)."""
    return _relutope._frequency_grid(int(dim), int(K))


def fft_convergence(net, k, domain=None, slice=None, *, plane_through=None, out=0, max_n=None, partition=None,
                    max_regions=1_000_000, progress=True):
    """How the FFT estimate of c(k) converges to the exact coefficient as the grid grows.

    |estimate - c(k)| of output `out` for N = 8, 16, ..., max_n (default 65536 in 1D, 1024 in 2D)
    samples per axis, with the rectangle rule (``rectangle``: np.fft's, error ~ 1/N where f(lo)
    != f(hi)) and the trapezoid rule (``trapezoid``, ~ 1/N^2). k must lie on every grid
    (k (hi - lo) an integer vector). Returns n (int), rectangle, trapezoid (float64) and k.
    """
    return _relutope._fft_convergence(net, _request(domain, slice, plane_through), _frequency(k), _integer(out, "--output", 0),
                                      0 if max_n is None else _integer(max_n, "--max-n", 8), partition,
                                      _integer(max_regions, "max_regions", 1), progress)


def ray_decay(net, k, t=None, domain=None, slice=None, *, plane_through=None, out=0, partition=None,
              max_regions=1_000_000, progress=True):
    """|c(t k)| along the ray t k and the exponent p of its fit |c| ~ t^-p (log-log least squares).

    Rahaman et al. Theorem 1: p = 2 where k is orthogonal to a region edge, more elsewhere (the
    spectral decay of ReLU networks). t: positive values (default 2^(j/4) from 1 to 64).
    Returns t, magnitude (float64), exponent and k.
    """
    t = 2.0 ** (np.arange(25) / 4) if t is None else np.asarray(t, dtype=np.float64).ravel()
    return _relutope._ray_decay(net, _request(domain, slice, plane_through), _frequency(k), list(t),
                                _integer(out, "--output", 0), partition, _integer(max_regions, "max_regions", 1), progress)


def lemma1_terms(partition, k, out=0, precision=128):
    """Rahaman et al. Lemma 1's parts of c(k) (k != 0): one term per region, then the boundary term.

    Region e's term is -(i / |q|^2) (W_e . q) * integral over P_e of exp(-i q.x) dx / vol D, q =
    2 pi k; the last is the domain's boundary integral. Their sum is c(k). complex128 (count + 1,),
    rounded from Arb balls.
    """
    return _relutope._lemma1_terms(partition, _frequency(k), _integer(out, "--output", 0), _integer(precision, "precision"))


# --- training --------------------------------------------------------------------------------

def train(preset=None, config=None, *, steps=None, seed=None, image=None, snapshot_every=0, snapshots=None, threads=0,
          progress=True):
    """Trains a ReLU MLP with relutope's Eigen trainer (float64, PyTorch's initialisation and Adam).

    preset: one of ``presets()``: the papers' tasks (rahaman-sines: Rahaman et al. Fig. 1's sine
        mixture; rahaman-flower: Sec. 4's flower manifold; lazzari-random-rgb(-pe): Lazzari & Liu's
        64x64 coordinate MLP without/with positional encoding). Default lazzari-random-rgb.
    config: a dict (or a JSON file) of the configuration keys (README "Training"), starting from
        its "preset"; unknown keys are errors.
    steps, seed, image (a PNG to fit), snapshot_every: override the configuration's.
    snapshots: also write the snapshots to this directory (as ``relutope train --snapshots``).
    threads: 0 every core; the result is the same to the bit for any number.

    Deterministic for a seed. Returns a TrainResult: ``network``, ``snapshots`` (Snapshot: step,
    loss, network; at step 0, every snapshot_every steps and the last), ``batch_loss`` (steps,),
    ``final_loss``, ``inputs``/``targets`` (the training data), ``task``.
    """
    if preset is not None and config is not None:
        raise ValueError("config: give a preset or a config (which may name its own \"preset\"), not both")
    path = json_text = ""
    if isinstance(config, Mapping):
        json_text = json.dumps(dict(config))
    elif config is not None:
        path = os.fspath(config)
    return _relutope._train(preset or "", path, json_text, 0 if steps is None else _integer(steps, "--steps", 1),
                            None if seed is None else _integer(seed, "--seed", 0), "" if image is None else os.fspath(image),
                            _integer(snapshot_every, "--every", 0), "" if snapshots is None else os.fspath(snapshots),
                            _integer(threads, "threads", 0), progress)


def read_snapshots(directory):
    """The snapshots a run wrote (``relutope train --snapshots DIR``), in step order: list of Snapshot."""
    return _relutope._read_snapshots(os.fspath(directory))


def spectrum_dynamics(snapshots, frequencies=None, amplitudes=None, domain=None, *, progress=True):
    """Rahaman et al. Fig. 1, exactly: 2|c(k_i)|/A_i of output 0 over training, and the layers' spectral norms.

    snapshots: a TrainResult, a list of Snapshot (or of (step, Network) pairs: your own
        checkpoints), or a snapshot directory (1-input networks).
    frequencies, amplitudes: the target's k_i and A_i (default: those of the run's rahaman-sines
    preset). domain: the interval (default the first network's own, else [0, 1]). Returns steps (S,), frequencies (F,), amplitude (S, F) (1 where the network carries
    the target's component exactly), spectral_norms (S, layers).
    """
    snapshots, frequencies, amplitudes = _snapshots_and_target(snapshots, frequencies, amplitudes, "rahaman-sines")
    if domain is None:
        domain = (snapshots[0].network.domain if snapshots else None) or (0, 1)
    if amplitudes is None:
        raise ValueError("--amplitudes: give one amplitude per frequency")
    return _relutope._spectrum_dynamics(snapshots, [float(k) for k in frequencies], [float(a) for a in amplitudes],
                                        _numbers(domain, "--domain"), progress)


# --- how distinct the inputs look to the network (Lazzari & Liu Sec. 4) ----------------------------

def hamming_distances(patterns, width, height):
    """Mean Hamming distance between the activation patterns of a W x H pixel grid (Lazzari & Liu Fig. 6).

    patterns: (W H, hidden) bool, pixel (r, c) at row r W + c (e.g. ``net.patterns(inputs)`` of
    relutope.train's ``inputs`` for an image task). Returns HammingDistances: ``local`` over the
    36 pairs of every 3x3 neighbourhood, ``overall`` over all pairs, in bits.
    """
    return _relutope._hamming_distances(np.asarray(patterns, dtype=bool), _integer(width, "width", 3),
                                        _integer(height, "height", 3))


def hyperplane_cosines(net):
    """Cosine similarities between the hyperplane normals of each hidden layer (Lazzari & Liu Fig. 7).

    For layer l, the cosines between rows i < j of its weight (each neuron's normal in its input
    space), pairs (0,1), (0,2), ..., (1,2), ...; rows of zeros are left out. A list of float64
    arrays, one per layer but the output layer.
    """
    return _relutope._hyperplane_cosines(net)


def gradient_confusion(net, inputs, targets, width, height, *, loss="mse", local=100, distant=10_000, seed=0,
                       progress=True):
    """Gradient confusion on a W x H pixel grid (Sankararaman et al. 2020; Lazzari & Liu Sec. 4, Fig. 5).

    The cosine similarity between the gradients, with respect to every weight and bias, of two
    samples' losses (``loss`` "mse" or "bce"), for every pair within `local` 3x3 neighbourhoods
    (their centres drawn from `seed`) and for `distant` random pairs. inputs (W H, input_dim),
    targets (W H, outputs), pixel (r, c) at row r W + c (relutope.train's ``inputs`` and
    ``targets`` for an image task). Returns GradientConfusion: the cosines, the pairs, and the
    confusion bounds (max(0, -min cos)). Densities: a histogram of the cosines.
    """
    return _relutope._gradient_confusion(net, np.asarray(inputs, dtype=np.float64), np.asarray(targets, dtype=np.float64),
                                         _integer(width, "width", 3), _integer(height, "height", 3), loss,
                                         _integer(local, "local", 0), _integer(distant, "distant", 0),
                                         _integer(seed, "seed", 0), progress)


def _pixel_grid(inputs):
    """(W, H) when the inputs are a W x H pixel grid in relutope.train's layout, else None."""
    if inputs is None or np.ndim(inputs) != 2 or np.shape(inputs)[1] != 2:
        return None
    xs, ys = np.unique(inputs[:, 0]), np.unique(inputs[:, 1])
    width, height = len(xs), len(ys)
    if width < 3 or height < 3 or width * height != len(inputs):
        return None
    r, c = np.divmod(np.arange(len(inputs)), width)
    return (width, height) if np.array_equal(inputs[:, 0], xs[c]) and np.array_equal(inputs[:, 1], ys[r]) else None


def training_dynamics(snapshots, inputs=None, targets=None, *, sample=64, loss="mse", local=100, distant=1000, seed=0,
                      progress=True):
    """Regions, patterns, norms and gradient confusion over training (TrainingDynamics).

    snapshots: a TrainResult (its snapshots, inputs and targets), a list of Snapshot or of
        (step, Network) pairs, or a snapshot directory (its training data from data.csv; a
        directory written before relutope kept the data there has none: pass them, or go without
        the analyses that need them); each network analysed on its own domain.
    inputs, targets: the training data (default the TrainResult's or the directory's). The inputs
        give the mean distance of the training points to the region boundaries (Lazzari & Liu
        Fig. 9: ``boundary_exact``, ``boundary_estimate``); on a W x H pixel grid in
        relutope.train's layout (pixel (r, c) at row r W + c) they also give the Hamming
        distances and, with the targets, the gradient confusion (Lazzari & Liu Figs. 5-6).
    sample: R, the R^d grid of cell centres for the sampled count (the paper's 64).
    loss, local, distant, seed: as in ``gradient_confusion``.
    """
    if isinstance(snapshots, TrainResult):
        inputs = snapshots.inputs if inputs is None else inputs
        targets = snapshots.targets if targets is None else targets
        snapshots = snapshots.snapshots
    elif isinstance(snapshots, (str, os.PathLike)):
        data = read_training_data(snapshots) if inputs is None else None
        inputs, targets = (inputs, targets) if data is None else data
        snapshots = read_snapshots(snapshots)
    snapshots = [s if isinstance(s, Snapshot) else Snapshot(*s) for s in snapshots]
    if not snapshots:
        raise ValueError("snapshots: no snapshots given")
    inputs = None if inputs is None else np.asarray(inputs, dtype=np.float64)
    grid = _pixel_grid(inputs)
    rows = []
    for snapshot in snapshots:
        net = snapshot.network
        positional = net.encoding != "identity"
        exact_distances = not positional and inputs is not None and net.input_dim <= 2
        boundary_exact = boundary_estimate = np.nan
        if positional:
            patterns = sampled_patterns(net, resolution=sample, progress=progress)
            regions_count, sampled = -1, len(np.unique(patterns, axis=0))
            dead = int(np.sum(~patterns.any(axis=0)))
        else:
            partition = regions(net, sample=sample, keep_regions=exact_distances, exact=exact_distances, progress=progress)
            regions_count, sampled, dead = partition.count, partition.sampled.distinct_patterns, len(partition.dead_neurons)
        if exact_distances:
            boundary_exact = _finite_mean(partition.boundary_distance(inputs).distance)
        if inputs is not None:
            boundary_estimate = _finite_mean(neuron_distances(net, inputs))
        norms = [layer.spectral_norm for layer in net.layers]
        cosines = [c.mean() if c.size else np.nan for c in hyperplane_cosines(net)]
        hamming = confusion = None
        if grid is not None:
            hamming = hamming_distances(net.patterns(inputs), *grid)
            if targets is not None:
                confusion = gradient_confusion(net, inputs, targets, *grid, loss=loss, local=local, distant=distant, seed=seed,
                                               progress=progress)
        rows.append((snapshot.step, snapshot.loss, regions_count, sampled, dead, norms, cosines,
                     np.nan if hamming is None else hamming.local, np.nan if hamming is None else hamming.overall,
                     np.nan if confusion is None else confusion.local_bound,
                     np.nan if confusion is None else confusion.distant_bound, boundary_exact, boundary_estimate))
    column = lambda i, dtype=np.float64: np.array([row[i] for row in rows], dtype=dtype)  # noqa: E731
    spectral = column(5)
    return TrainingDynamics(steps=column(0, np.int64), loss=column(1), regions=column(2, np.int64),
                            sampled=column(3, np.int64), resolution=int(sample), dead_neurons=column(4, np.int64),
                            spectral_norms=spectral, norm_product=spectral.prod(axis=1), hyperplane_cosine=column(6),
                            hamming_local=column(7), hamming_overall=column(8), confusion_local=column(9),
                            confusion_distant=column(10), boundary_exact=column(11), boundary_estimate=column(12))


# --- robustness to parameter perturbations (Rahaman et al. Exp. 2) ---------------------------------

def perturbation_robustness(net, deltas, frequencies, *, samples=100, seed=0, directions=None, domain=None,
                            progress=True):
    """Rahaman et al. Exp. 2 (Fig. 3), exactly: how robust each Fourier component is to random parameter perturbations.

    For each magnitude delta_j and each of `samples` random isotropic unit directions theta_hat in
    the space of all weights and biases (a Gaussian vector normalised, drawn from `seed`; the same
    directions for every delta), the network at theta* + delta_j theta_hat (in float64) and its
    Fourier coefficients c(k_i) of output 0 on `domain`, from its exact regions and the certified
    closed-form spectrum. Returns PerturbationRobustness: ``robustness`` (D, F) the mean over the
    directions of |c_theta(k_i)| / |c_theta*(k_i)| (the paper's average over 100 samples,
    normalised by |f_theta*(k_i)|), ``spread`` (D, F), ``reference`` (F,), ``certified_digits``.

    net: a 1-input network without an encoding (theta*). deltas: magnitudes >= 0 (D,).
    frequencies: k_i in cycles per unit length (F,). directions: (S, parameter_count) rows
    theta_hat of your own instead of random ones (each scaled to unit norm), parameters in
    PyTorch's order (``torch.nn.utils.parameters_to_vector``: each layer's weight row by row, then
    its bias). domain: the interval (default the network's own, else [0, 1]).
    """
    deltas = [float(d) for d in np.asarray(deltas, dtype=np.float64).ravel()]
    frequencies = [float(k) for k in np.asarray(frequencies, dtype=np.float64).ravel()]
    if net.input_dim != 1:
        raise ValueError(f"net: perturbation robustness needs a 1-input network, got {net.input_dim} inputs")
    if not deltas:
        raise ValueError("deltas: give at least one perturbation magnitude")
    if not frequencies:
        raise ValueError("frequencies: give at least one frequency")
    if directions is not None:
        directions = np.asarray(directions, dtype=np.float64)
        if directions.ndim != 2 or directions.shape[1] != net.parameter_count:
            raise ValueError(f"directions: expected shape (samples, {net.parameter_count}), got {directions.shape}")
    if domain is None:
        domain = net.domain or (0, 1)
    return _relutope._perturbation_robustness(net, deltas, frequencies, _integer(samples, "samples", 1),
                                              _integer(seed, "seed", 0), directions, _numbers(domain, "--domain"), progress)


# --- distances to the region boundaries (Hanin & Rolnick 2019; Lazzari & Liu Fig. 9) ----------

def neuron_distances(net, points):
    """Hanin & Rolnick's estimate of each point's distance to the nearest region boundary.

    min over the hidden neurons of |z(x)| / ||grad z(x)||, z a neuron's pre-activation as a
    function of the network's input features: the coordinates, or for a positional network the
    encoding's sin/cos features (its regions are curved in the coordinates, flat there). Any
    network. points: raw inputs (n, input_dim), float64. Returns (n,) float64, inf where no
    neuron's pre-activation varies.

    Inside a region every z is affine, and the region, in the whole input (encoding) space, is
    the intersection of its neurons' half-spaces; so at a point of that region the estimate is
    the exact distance to the region's boundary in the whole space (the distance to a convex
    polytope's boundary is the least distance to its facets' hyperplanes). The exact distance
    within the domain (``Partition.boundary_distance``) differs from it only where the domain
    clips the region: it is then larger.
    """
    return _relutope._neuron_distances(net, np.asarray(points, dtype=np.float64))


def read_training_data(directory):
    """The training data a run wrote beside its snapshots (DIR/data.csv): (inputs (N, d), targets
    (N, outputs)) float64, bit for bit as trained on; None for a directory without data.csv
    (written before relutope kept the data there). ValueError naming the file if malformed."""
    return _relutope._read_training_data(os.fspath(directory))


def _finite_mean(values):
    """The mean of the finite values (nan when there are none)."""
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else np.nan



# --- the spectrum along the flower curve (Rahaman et al. Sec. 4, Exp. 5) ---------------------------

def flower_spectrum(net, petals, frequencies, *, precision=128, progress=True):
    """Fourier coefficients of f o gamma_L along Rahaman et al.'s flower curve, exact and certified.

    c(k) = integral over z in [0, 1] of f(gamma_L(z)) exp(-2 pi i k z) dz, gamma_L(z) =
    (1 + sin(2 pi L z)/2) (cos 2 pi z, sin 2 pi z) (Rahaman et al. 2019, Eq. 13), for integer k:
    the closed-form integrals over the exact pieces of the curve on which f is one affine map (the
    crossings with the neurons' zero sets isolated as real roots of polynomials in tan(pi z)), in
    Arb's ball arithmetic. The paper estimates it by a DFT of 1000 samples of z.

    net: a network of 2 raw inputs with identity encoding. petals: L >= 0 (0: the unit circle).
    frequencies: integers k. precision: bits (32..4096).

    Returns a FlowerSpectrum: ``values`` (n, outputs) complex128, ``certified_digits`` (n,
    outputs), ``re``/``im`` decimal strings (object arrays, each within one unit in its last digit
    of the exact part), ``frequencies`` (n,) int64, ``pieces`` (the number of stretches of z in
    [0, 1] with one activation pattern), ``petals``, ``precision_bits``.
    """
    ks = [_integer(k, "frequencies") for k in np.asarray(frequencies, dtype=object).ravel()]
    return _relutope._flower_spectrum(net, _integer(petals, "petals", 0), ks, _integer(precision, "precision"), progress)


def _snapshots_and_target(snapshots, frequencies, amplitudes, preset):
    """The snapshots as a list of Snapshot, and the target's frequencies and amplitudes: those given,
    else those of the run's preset (whose name must start with `preset`)."""
    if isinstance(snapshots, TrainResult):
        snapshots = snapshots.snapshots
    elif isinstance(snapshots, (str, os.PathLike)):
        snapshots = read_snapshots(snapshots)
    snapshots = [s if isinstance(s, Snapshot) else Snapshot(*s) for s in snapshots]
    if frequencies is None:
        preset_name = snapshots[0].network.meta.get("preset", "") if snapshots else ""
        if not preset_name.startswith(preset):
            raise ValueError(f"snapshots: they name no {preset} preset: give frequencies and amplitudes")
        frequencies, default_amplitudes = _relutope._preset_task(preset_name)
        amplitudes = default_amplitudes if amplitudes is None else amplitudes
    return snapshots, frequencies, amplitudes


def flower_spectrum_dynamics(snapshots, petals, frequencies=None, amplitudes=None, *, precision=64, progress=True):
    """Rahaman et al. Fig. 8 (a-d), exactly: 2|c(k_i)|/A_i of f o gamma_L (output 0) over training.

    snapshots: a TrainResult, a list of Snapshot (or (step, Network) pairs), or a snapshot
        directory, of 2-input networks. petals: L of the curve the run was trained on.
    frequencies, amplitudes: the target's k_i (integers) and A_i (default: those of the run's
        rahaman-flower preset). precision: bits of each coefficient (flower_spectrum).

    Returns a SpectrumDynamics, as spectrum_dynamics does: steps (S,), frequencies (F,),
    amplitude (S, F), spectral_norms (S, layers).
    """
    snapshots, frequencies, amplitudes = _snapshots_and_target(snapshots, frequencies, amplitudes, "rahaman-flower")
    ks = [_integer(k, "frequencies") if not isinstance(k, float) or not k.is_integer() else int(k) for k in frequencies]
    if amplitudes is None or len(amplitudes) != len(ks):
        raise ValueError("amplitudes: give one amplitude per frequency")
    scale = 2 / np.asarray(amplitudes, dtype=np.float64)
    rows, norms = [], []
    for snapshot in snapshots:
        values = flower_spectrum(snapshot.network, petals, ks, precision=precision, progress=progress).values[:, 0]
        rows.append(np.abs(values) * scale)
        norms.append([layer.spectral_norm for layer in snapshot.network.layers])
    return SpectrumDynamics(steps=np.array([s.step for s in snapshots], dtype=np.int64),
                            frequencies=np.array(ks, dtype=np.float64), amplitude=np.array(rows).reshape(len(snapshots), len(ks)),
                            spectral_norms=np.array(norms, dtype=np.float64))
