"""relutope.spectrum against independent integrals: 1D in closed form piece by piece over our own
exact breakpoints (mpmath, 60 digits), 2D by Gauss-Legendre quadrature at mpmath precision over our
own exact polygons; the FFT estimate recomputed with numpy.fft on the sampled grid.

The certified check: each decimal string re/im differs from the true part by less than one unit in
its last digit (the place 10^e of that digit)."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch

import oracle
from oracle import DEGENERATE, compose_slice, exact_acts
import relutope
from conftest import arrays_of, mlp, numpy_forward


@pytest.fixture(autouse=True)
def precision():
    old = mpmath.mp.dps
    mpmath.mp.dps = 60
    yield
    mpmath.mp.dps = old


def check_certified(text, truth_part, slack=0):
    """|decimal(text) - truth| < 10^e, e the place of text's last digit."""
    place = oracle.last_digit_place(text)
    value = mpmath.mpf(text) if text not in ("0", "-0") else mpmath.mpf(0)
    err = abs(value - truth_part)
    assert err < mpmath.mpf(10) ** place + slack, (text, mpmath.nstr(truth_part, 45), mpmath.nstr(err, 5))


def significant_digits(text):
    t = text.strip().lstrip("+-").lower().split("e")[0].replace(".", "").lstrip("0")
    return len(t)


def truth_1d(pieces, a, b, k, out=0):
    c = oracle.coefficient_1d(pieces, a, b, Fraction(k), out)
    return mpmath.mpc(oracle.mp(c)) if isinstance(c, Fraction) else c


CASES_1D = {
    "1-16-16-1 on [-1,1]": (lambda: mlp([1, 16, 16, 1], seed=1), (-1, 1)),
    "1-12-12-2 f32 on [0,1]": (lambda: mlp([1, 12, 12, 2], seed=22, dtype=torch.float32, scale=0.5), (0, 1)),
    "1-10-10-1 leaky on [-1/3, 2]": (lambda: mlp([1, 10, 10, 1], seed=23, leaky=0.25), ("-1/3", 2)),
}
FREQS_1D = [0, 1, 3, "1/3", "-5/2", 25, 200]


@pytest.mark.parametrize("route", ["edges", "regions", "lemma1"])
@pytest.mark.parametrize("case", list(CASES_1D))
def test_1d_values_within_their_certified_digits(case, route):
    make, domain = CASES_1D[case]
    module = make()
    net = relutope.Network.from_torch(module)
    a, b = (Fraction(v) for v in domain)
    pieces = oracle.partition_1d(oracle.exact_layers_of_torch(module), a, b)
    s = relutope.spectrum(net, FREQS_1D, domain=domain, route=route, progress=False)
    n, outs = len(FREQS_1D), net.output_dim
    assert s.values.shape == (n, outs) and s.values.dtype == np.complex128
    assert s.certified_digits.shape == (n, outs) and s.certified_digits.dtype == np.int64
    assert s.re.shape == s.im.shape == (n, outs) and s.re.dtype == object
    assert s.frequencies.shape == (n, 1) and s.frequencies.dtype == np.float64
    assert s.exact_frequencies() == [(Fraction(k),) for k in FREQS_1D]
    for i, k in enumerate(FREQS_1D):
        for o in range(outs):
            truth = truth_1d(pieces, a, b, k, o)
            check_certified(s.re[i, o], truth.real)
            check_certified(s.im[i, o], truth.imag)
            check_value(s.values[i, o], truth, s.re[i, o], s.im[i, o])
            # the digits claimed are the digits written (of the larger part)
            assert s.certified_digits[i, o] == max(significant_digits(s.re[i, o]), significant_digits(s.im[i, o]))
            assert s.certified_digits[i, o] >= (10 if route == "edges" else 30)


def test_1d_mean_is_exact():
    module = mlp([1, 16, 16, 1], seed=1)
    pieces = oracle.partition_1d(oracle.exact_layers_of_torch(module), -1, 1)
    mean = oracle.coefficient_1d(pieces, -1, 1, 0)
    s = relutope.spectrum(relutope.Network.from_torch(module), [0], domain=(-1, 1), progress=False)
    assert s.routes[0, 0] == "exact"
    check_certified(s.re[0, 0], oracle.mp(mean))
    assert s.im[0, 0] in ("0", "-0") or mpmath.mpf(s.im[0, 0]) == 0
    assert s.values[0, 0] == complex(float(mean), 0)


def test_1d_more_bits_more_digits():
    mpmath.mp.dps = 110
    module = mlp([1, 16, 16, 1], seed=1)
    pieces = oracle.partition_1d(oracle.exact_layers_of_torch(module), -1, 1)
    s = relutope.spectrum(relutope.Network.from_torch(module), [1, "7/3"], domain=(-1, 1), route="regions",
                          precision=320, progress=False)
    assert s.precision_bits == 320
    for i, k in enumerate([1, Fraction(7, 3)]):
        truth = truth_1d(pieces, -1, 1, k)
        assert s.certified_digits[i, 0] >= 80
        check_certified(s.re[i, 0], truth.real)
        check_certified(s.im[i, 0], truth.imag)


def test_oracle_closed_form_against_numerical_quadrature():
    """The 1D oracle's antiderivative, checked once against mpmath.quad on each piece."""
    module = mlp([1, 6, 1], seed=24)
    pieces = oracle.partition_1d(oracle.exact_layers_of_torch(module), -1, 1)
    k = Fraction(3, 2)
    q = 2 * mpmath.pi * oracle.mp(k)
    quad = sum(mpmath.quad(lambda x: (oracle.mp(m[0][0]) * x + oracle.mp(m[0][1])) * mpmath.expj(-q * x),
                           [oracle.mp(x0), oracle.mp(x1)]) for x0, x1, _, m in pieces) / 2
    assert abs(quad - oracle.coefficient_1d(pieces, -1, 1, k)) < mpmath.mpf(10) ** -50


def test_1d_fft_estimate_is_numpys():
    """fft=N: numpy.fft of the N samples f(a + j (b-a)/N), divided by N (rectangle rule)."""
    module = mlp([1, 12, 12, 2], seed=22, dtype=torch.float32, scale=0.5)
    net = relutope.Network.from_torch(module)
    N = 64
    freqs = [0, 1, 3, 5, -7, "1/3"]
    s = relutope.spectrum(net, freqs, domain=(0, 1), fft=N, progress=False)
    x = np.arange(N) / N
    W, B = arrays_of(module)
    y, _ = numpy_forward(W, B, x[:, None])
    Y = np.fft.fft(y, axis=0) / N
    assert s.fft_n == N and s.fft.shape == s.values.shape and s.fft.dtype == np.complex128
    assert s.fft_error.shape == s.values.shape and s.fft_error.dtype == np.float64
    for i, k in enumerate(freqs[:-1]):
        assert np.allclose(s.fft[i], Y[k % N], rtol=1e-12, atol=1e-15)
        assert np.allclose(s.fft_error[i], np.abs(s.fft[i] - s.values[i]), rtol=1e-9, atol=1e-18)
    assert np.all(np.isnan(s.fft[-1])) and np.all(np.isnan(s.fft_error[-1]))


def test_1d_fft_on_another_interval_and_trapezoid():
    module = mlp([1, 16, 16, 1], seed=1)
    net = relutope.Network.from_torch(module)
    N, a, b = 40, -1.0, 1.0
    freqs = [0, "1/2", 1, 3]
    W, B = arrays_of(module)
    for rule in ("rectangle", "trapezoid"):
        s = relutope.spectrum(net, freqs, domain=(a, b), fft=N, fft_rule=rule, progress=False)
        j = np.arange(N + 1) if rule == "trapezoid" else np.arange(N)
        x = a + j * (b - a) / N
        w = np.ones(len(x))
        if rule == "trapezoid":
            w[0] = w[-1] = 0.5
        y, _ = numpy_forward(W, B, x[:, None])
        for i, k in enumerate(freqs):
            k = float(Fraction(k))
            est = np.sum(w * y[:, 0] * np.exp(-2j * np.pi * k * x)) / N
            assert abs(s.fft[i, 0] - est) <= 1e-13, (rule, k)
    # the trapezoid rule is the better one here (f(-1) != f(1))
    rect = relutope.spectrum(net, [1, 3], domain=(a, b), fft=N, progress=False)
    trap = relutope.spectrum(net, [1, 3], domain=(a, b), fft=N, fft_rule="trapezoid", progress=False)
    assert np.all(trap.fft_error < rect.fft_error)


def test_lemma1_terms_region_by_region():
    """Rahaman et al. Lemma 1's region terms -(i/|q|^2) (W_e q) int_P e^{-iqx} dx / vol D, from our
    own pieces, and the boundary term as the rest of c(k)."""
    module = mlp([1, 16, 16, 1], seed=1)
    net = relutope.Network.from_torch(module)
    pieces = oracle.partition_1d(oracle.exact_layers_of_torch(module), -1, 1)
    partition = relutope.regions(net, (-1, 1), progress=False)
    index = {tuple(bool(v) for v in row): r for r, row in enumerate(partition.patterns)}
    k = Fraction(3, 2)
    q = 2 * mpmath.pi * oracle.mp(k)
    terms = relutope.lemma1_terms(partition, k)
    assert terms.shape == (partition.count + 1,) and terms.dtype == np.complex128
    want = np.zeros(partition.count, complex)
    for x0, x1, pattern, maps in pieces:
        ind = (mpmath.expj(-q * oracle.mp(x0)) - mpmath.expj(-q * oracle.mp(x1))) / (1j * q)
        want[index[pattern]] = complex(-1j / q ** 2 * (oracle.mp(maps[0][0]) * q) * ind / 2)
    assert np.allclose(terms[:-1], want, rtol=1e-13, atol=1e-17)
    total = complex(truth_1d(pieces, -1, 1, k))
    assert abs(terms.sum() - total) < 1e-15


# --- 2D --------------------------------------------------------------------------------------

FREQS_2D = [(0, 0), (1, 0), (0, 1), (1, -1), ("1/2", "-1/3")]


@pytest.fixture(scope="module")
def case_2d():
    module = mlp([2, 6, 5, 1], seed=2)
    box = (-1, 1, -1, 1)
    pieces = oracle.partition_2d(oracle.exact_layers_of_torch(module), [Fraction(v) for v in box])
    return module, relutope.Network.from_torch(module), box, pieces


@pytest.fixture(scope="module")
def truths_2d(case_2d):
    """c(k) of FREQS_2D by quadrature (n = 28), checked against n = 36: converged to 1e-32."""
    module, net, box, pieces = case_2d
    old = mpmath.mp.dps
    mpmath.mp.dps = 45
    out = []
    for k in FREQS_2D:
        kq = tuple(Fraction(v) for v in k)
        if kq == (0, 0):
            out.append(oracle.coefficient_2d(pieces, box, kq, n=4))  # degree-1 integrand: exact
            continue
        truth = oracle.coefficient_2d(pieces, box, kq, n=28)
        check = oracle.coefficient_2d(pieces, box, kq, n=36)
        assert abs(truth - check) < mpmath.mpf(10) ** -32, "the oracle's quadrature has not converged"
        out.append(truth)
    mpmath.mp.dps = old
    return out


def check_value(value, truth, re_text, im_text):
    """The complex128 value is the certified decimal's neighbourhood: within one unit of the last
    certified digit (or one ulp of the truth, when more digits are certified than a double holds)."""
    for v, t, text in ((value.real, truth.real, re_text), (value.imag, truth.imag, im_text)):
        tol = max(10.0 ** oracle.last_digit_place(text), np.spacing(abs(float(t))))
        assert abs(mpmath.mpf(float(v)) - t) <= tol, (v, mpmath.nstr(t, 25), text)


@pytest.mark.parametrize("route", ["edges", "regions", "lemma1"])
def test_2d_values_within_their_certified_digits(case_2d, truths_2d, route):
    module, net, box, pieces = case_2d
    mpmath.mp.dps = 45
    s = relutope.spectrum(net, FREQS_2D, domain=box, route=route, precision=100, progress=False)
    assert s.values.shape == (len(FREQS_2D), 1) and s.frequencies.shape == (len(FREQS_2D), 2)
    for i, truth in enumerate(truths_2d):
        check_certified(s.re[i, 0], truth.real)
        check_certified(s.im[i, 0], truth.imag)
        check_value(s.values[i, 0], truth, s.re[i, 0], s.im[i, 0])
        assert s.certified_digits[i, 0] >= (10 if route == "edges" else 20)


def test_2d_mean_is_exact(case_2d):
    """c(0) = (1/vol D) sum over regions of area * f(centroid), exactly (f affine on each)."""
    module, net, box, pieces = case_2d
    total = Fraction(0)
    for P, _, maps in pieces:
        n = len(P)
        # area-weighted centroid of a polygon by the triangle fan
        for j in range(1, n - 1):
            T = [P[0], P[j], P[j + 1]]
            area = oracle.polygon_area(T)
            cx, cy = (sum(v[0] for v in T) / 3, sum(v[1] for v in T) / 3)
            gx, gy, c = maps[0]
            total += area * (gx * cx + gy * cy + c)
    mean = total / 4
    s = relutope.spectrum(net, [(0, 0)], domain=box, progress=False)
    check_certified(s.re[0, 0], oracle.mp(mean))
    assert s.values[0, 0].real == float(mean)


def test_2d_integer_grid_and_frequency_grid(case_2d):
    module, net, box, pieces = case_2d
    g = relutope.frequency_grid(2, 1)
    assert g.dtype == np.int64 and g.shape == (9, 2)
    assert g.tolist() == [[i, j] for i in (-1, 0, 1) for j in (-1, 0, 1)]
    s = relutope.spectrum(net, 1, domain=box, progress=False)
    assert np.array_equal(s.frequencies, g.astype(np.float64))
    t = relutope.spectrum(net, g.tolist(), domain=box, progress=False)
    assert np.array_equal(s.values, t.values)
    # f real: c(-k) = conj(c(k))
    assert np.allclose(s.values[::-1], np.conj(s.values), rtol=1e-14, atol=1e-18)


def test_2d_fft_estimate_is_numpys():
    module = mlp([2, 8, 8, 1], seed=25, scale=0.5)
    net = relutope.Network.from_torch(module)
    N = 32
    freqs = [(0, 0), (1, 0), (0, 2), (-3, 1), ("1/2", 0)]
    s = relutope.spectrum(net, freqs, domain=(0, 1, 0, 1), fft=N, progress=False)
    u = np.arange(N) / N
    grid = np.stack(np.meshgrid(u, u, indexing="ij"), axis=-1).reshape(-1, 2)
    W, B = arrays_of(module)
    y, _ = numpy_forward(W, B, grid)
    Y = np.fft.fft2(y[:, 0].reshape(N, N)) / N ** 2
    for i, (kx, ky) in enumerate(freqs[:-1]):
        assert abs(s.fft[i, 0] - Y[kx % N, ky % N]) <= 1e-14
        assert abs(s.fft_error[i, 0] - abs(s.fft[i, 0] - s.values[i, 0])) <= 1e-14
    assert np.isnan(s.fft[-1, 0])


def test_partition_reused_gives_the_same_values(case_2d):
    module, net, box, pieces = case_2d
    partition = relutope.regions(net, box, progress=False)
    a = relutope.spectrum(net, FREQS_2D, domain=box, progress=False)
    b = relutope.spectrum(net, FREQS_2D, domain=box, partition=partition, progress=False)
    assert np.array_equal(a.values, b.values) and np.array_equal(a.re, b.re)


def test_fft_convergence_against_numpy():
    module = mlp([1, 12, 12, 1], seed=26, scale=0.5)
    net = relutope.Network.from_torch(module)
    conv = relutope.fft_convergence(net, [2], domain=(0, 1), max_n=256, progress=False)
    assert conv.k == (2,) and list(conv.n) == [8, 16, 32, 64, 128, 256]
    exact = relutope.spectrum(net, [2], domain=(0, 1), progress=False).values[0, 0]
    W, B = arrays_of(module)
    for n, rect, trap in zip(conv.n, conv.rectangle, conv.trapezoid):
        x = np.arange(n + 1) / n
        y, _ = numpy_forward(W, B, x[:, None])
        e = np.exp(-2j * np.pi * 2 * x)
        r = np.sum(y[:-1, 0] * e[:-1]) / n
        w = np.ones(n + 1)
        w[0] = w[-1] = 0.5
        t = np.sum(w * y[:, 0] * e) / n
        assert np.isclose(rect, abs(r - exact), rtol=1e-6, atol=1e-15)
        assert np.isclose(trap, abs(t - exact), rtol=1e-6, atol=1e-15)


def test_ray_decay_magnitudes_and_fit():
    module = mlp([2, 6, 5, 1], seed=2)
    net = relutope.Network.from_torch(module)
    t = [1, 2, 4, 8]
    d = relutope.ray_decay(net, (1, "1/2"), t=t, domain=(-1, 1, -1, 1), progress=False)
    s = relutope.spectrum(net, [(tt, Fraction(tt, 2)) for tt in t], domain=(-1, 1, -1, 1), progress=False)
    assert np.allclose(d.magnitude, np.abs(s.values[:, 0]), rtol=1e-12)
    slope = np.polyfit(np.log(t), np.log(d.magnitude), 1)[0]
    assert np.isclose(d.exponent, -slope, rtol=1e-9)


def test_fft_convergence_n_is_int64():
    net = relutope.Network.from_torch(mlp([1, 4, 1], seed=26))
    assert relutope.fft_convergence(net, [1], domain=(0, 1), max_n=16, progress=False).n.dtype == np.int64


# --- degenerate directions: k orthogonal to region edges (Rahaman et al.'s Lemma 2 sets) --------

DEGENERATE_FREQS = [(1, 0), (0, 1), (1, 1), (1, -1), (2, 0), (0, "1/2"), ("1/4", "-1/4")]


@pytest.mark.parametrize("name", ["concurrent, duplicate, constant", "second layer along edges", "through the corners",
                                  "leaky, with exact slopes"])
@pytest.mark.parametrize("route", ["edges", "regions", "lemma1"])
def test_degenerate_directions(name, route):
    """Networks whose edges lie along the axes and diagonals, at frequencies orthogonal to them;
    truth by longdouble Gauss-Legendre quadrature over our exact polygons (~1e-19 relative)."""
    W, B, acts = DEGENERATE[name]
    B = [[float(Fraction(v)) for v in b] for b in B]
    net = relutope.Network.from_arrays([np.array(w, float) for w in W], [np.array(b, float) for b in B],
                                       activations=acts)
    box = (-1, 1, -1, 1)
    pieces = oracle.partition_2d(oracle.exact_layers_of_arrays(W, B, exact_acts(acts)), [Fraction(v) for v in box])
    s = relutope.spectrum(net, DEGENERATE_FREQS, domain=box, route=route, precision=64, progress=False)
    for i, k in enumerate(DEGENERATE_FREQS):
        re, im = oracle.coefficient_2d_ld(pieces, box, k, n=20, max_phase=4.0)
        slack = 1e-18 * (abs(float(re)) + abs(float(im)) + 1e-3)
        check_certified(s.re[i, 0], mpmath.mpf(str(re)), slack)
        check_certified(s.im[i, 0], mpmath.mpf(str(im)), slack)
        if abs(float(re)) + abs(float(im)) > 1e-15:
            assert s.certified_digits[i, 0] >= 8, (k, s.certified_digits[i, 0])
        else:  # an exact zero (f separable here): certified as a bound, "0e-16", no significant digit
            assert abs(s.values[i, 0]) < 1e-15


def test_spectrum_of_a_plane_slice_two_outputs():
    """A 3-input, 2-output network on the plane o + s u + t v: against quadrature over our own exact
    polygons of the composed (exact) 2-input network."""
    module = mlp([3, 8, 8, 2], seed=70)
    net = relutope.Network.from_torch(module)
    o, u, v = ("1/4", 0, "-1/2"), (1, "1/3", 0), (0, 1, "1/2")
    box = (0, 1, 0, 1)
    pieces = oracle.partition_2d(compose_slice(module, o, u, v), [Fraction(x) for x in box])
    freqs = [(0, 0), (1, 0), (1, 2), ("1/2", "-3/2")]
    s = relutope.spectrum(net, freqs, domain=box, slice=(o, u, v), progress=False)
    assert s.values.shape == (4, 2) and s.certified_digits.shape == (4, 2)
    for i, k in enumerate(freqs):
        for out in range(2):
            re, im = oracle.coefficient_2d_ld(pieces, box, k, out=out, n=20, max_phase=4.0)
            slack = 1e-18 * (abs(float(re)) + abs(float(im)) + 1e-3)
            check_certified(s.re[i, out], mpmath.mpf(str(re)), slack)
            check_certified(s.im[i, out], mpmath.mpf(str(im)), slack)


@pytest.mark.parametrize("k", [10 ** 4, "1000000.25", 10 ** 9])
def test_1d_high_frequencies(k):
    module = mlp([1, 16, 16, 1], seed=1)
    pieces = oracle.partition_1d(oracle.exact_layers_of_torch(module), -1, 1)
    s = relutope.spectrum(relutope.Network.from_torch(module), [k], domain=(-1, 1), progress=False)
    truth = truth_1d(pieces, -1, 1, Fraction(k))
    check_certified(s.re[0, 0], truth.real)
    check_certified(s.im[0, 0], truth.imag)
    assert s.certified_digits[0, 0] >= 10


# --- a partition passed in must be the one asked for --------------------------------------------


@pytest.mark.parametrize("call", ["spectrum", "ray_decay", "fft_convergence"])
def test_partition_of_another_domain_is_refused_or_ignored(call):
    net = relutope.Network.from_torch(mlp([2, 6, 5, 1], seed=2))
    other = relutope.regions(net, (-1, 1, -1, 1), progress=False)
    box = (0, 1, 0, 1)
    run = {
        "spectrum": lambda **kw: relutope.spectrum(net, [(1, 0)], domain=box, progress=False, **kw).values,
        "ray_decay": lambda **kw: relutope.ray_decay(net, (1, 0), t=[1, 2], domain=box, progress=False, **kw).magnitude,
        "fft_convergence": lambda **kw: relutope.fft_convergence(net, (1, 0), domain=box, max_n=16, progress=False,
                                                                 **kw).rectangle,
    }[call]
    want = run()
    try:
        got = run(partition=other)
    except ValueError:
        return
    assert np.allclose(got, want, rtol=1e-12)
