"""relutope.flower_spectrum against an independent route: the test finds the network's pieces along
the flower curve itself (pattern changes on a fine z grid in numpy, each bisected in mpmath at 40
digits), takes each piece's affine map in Fractions, and integrates w.gamma_L(z) + b against
exp(-2 pi i k z) by mpmath quadrature. Beside it, the paper's estimate (a DFT of 1000 samples of z)
and how far it is from the exact value."""
from fractions import Fraction

import mpmath
import numpy as np
import pytest

import oracle
import relutope
from conftest import arrays_of, mlp, numpy_forward


@pytest.fixture(autouse=True)
def precision():
    old = mpmath.mp.dps
    mpmath.mp.dps = 40
    yield
    mpmath.mp.dps = old


def gamma(petals, z, sin=np.sin, cos=np.cos, pi=np.pi):
    r = 1 + sin(2 * pi * petals * z) / 2
    return r * cos(2 * pi * z), r * sin(2 * pi * z)


def mp_pattern(layers, petals, z):
    """The hidden pattern at gamma_L(z), z an mpf, in mpmath; layers: (W, b) of the hidden layers as mpf."""
    h = list(gamma(petals, z, mpmath.sin, mpmath.cos, mpmath.pi))
    bits = []
    for W, b in layers:
        pre = [mpmath.fsum(w * x for w, x in zip(row, h)) + c for row, c in zip(W, b)]
        bits += [p > 0 for p in pre]
        h = [p if p > 0 else mpmath.mpf(0) for p in pre]
    return tuple(bits)


def affine_map(weights, biases, pattern):
    """(w_x, w_y, c) of output 0 on the pattern's region, in Fractions."""
    A = [[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]]  # rows: the current features as maps of (x, y)
    c = [Fraction(0), Fraction(0)]
    offset = 0
    for i, (W, b) in enumerate(zip(weights, biases)):
        W = [[Fraction(float(w)) for w in row] for row in W]
        A_new = [[sum(row[j] * A[j][d] for j in range(len(A))) for d in range(2)] for row in W]
        c_new = [sum(row[j] * c[j] for j in range(len(c))) + Fraction(float(bj)) for row, bj in zip(W, b)]
        if i < len(weights) - 1:
            on = pattern[offset:offset + len(W)]
            offset += len(W)
            A_new = [r if bit else [Fraction(0), Fraction(0)] for r, bit in zip(A_new, on)]
            c_new = [v if bit else Fraction(0) for v, bit in zip(c_new, on)]
        A, c = A_new, c_new
    return A[0][0], A[0][1], c[0]


def pieces_by_search(weights, biases, petals, n=8192):
    """The ends z_0 = 0 < z_1 < ... < 1 of the stretches with one pattern, and each one's pattern."""
    z = np.arange(n + 1) / n
    _, bits = numpy_forward(weights, biases, np.stack(gamma(petals, z), axis=1))
    layers = [([[mpmath.mpf(float(w)) for w in row] for row in W], [mpmath.mpf(float(c)) for c in b])
              for W, b in zip(weights[:-1], biases[:-1])]
    ends, patterns = [mpmath.mpf(0)], [tuple(bits[0])]
    for j in np.nonzero((bits[1:] != bits[:-1]).any(axis=1))[0]:
        lo, hi = mpmath.mpf(int(j)) / n, mpmath.mpf(int(j) + 1) / n
        left = mp_pattern(layers, petals, lo)
        for _ in range(125):  # to 10^-41
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if mp_pattern(layers, petals, mid) == left else (lo, mid)
        ends.append(lo)
        patterns.append(tuple(bits[j + 1]))
    ends.append(mpmath.mpf(1))
    return ends, patterns


def truth(weights, biases, petals, ks):
    """c(k) for each k by quadrature over the pieces found by search, and the number of pieces."""
    ends, patterns = pieces_by_search(weights, biases, petals)
    maps = [[mpmath.mpf(v.numerator) / v.denominator for v in affine_map(weights, biases, p)] for p in patterns]
    values = []
    for k in ks:
        total = mpmath.mpc(0)
        for a, b, (wx, wy, c) in zip(ends, ends[1:], maps):
            def integrand(z):
                x, y = gamma(petals, z, mpmath.sin, mpmath.cos, mpmath.pi)
                return (wx * x + wy * y + c) * mpmath.expjpi(-2 * k * z)

            total += mpmath.quad(integrand, [a, b])
        values.append(total)
    return values, len(patterns)


def check_certified(text, truth_part):
    """|decimal(text) - truth| < 10^e, e the place of text's last digit."""
    value = mpmath.mpf(0) if text in ("0", "-0") else mpmath.mpf(text)
    assert abs(value - truth_part) < mpmath.mpf(10) ** oracle.last_digit_place(text), (text, mpmath.nstr(truth_part, 30))


@pytest.mark.parametrize("petals", [0, 4])
def test_coefficients_within_their_certified_digits(petals):
    module = mlp([2, 8, 8, 1], seed=5)
    weights, biases = arrays_of(module)
    net = relutope.Network.from_torch(module)
    ks = [0, 1, 5, 20, 60]
    s = relutope.flower_spectrum(net, petals, ks, precision=64, progress=False)
    assert s.values.shape == (len(ks), 1) and s.certified_digits.shape == (len(ks), 1)
    values, count = truth(weights, biases, petals, ks)
    assert s.pieces == count
    for i, exact in enumerate(values):
        check_certified(s.re[i, 0], exact.real)
        check_certified(s.im[i, 0], exact.imag)
        assert s.certified_digits[i, 0] >= 15


def test_the_papers_dft_of_1000_samples_against_the_exact_values():
    module = mlp([2, 16, 16, 1], seed=6)
    weights, biases = arrays_of(module)
    net = relutope.Network.from_torch(module)
    petals, ks = 4, list(range(20, 201, 20))
    exact = relutope.flower_spectrum(net, petals, ks, precision=64, progress=False).values[:, 0]
    z = np.arange(1000) / 1000
    y, _ = numpy_forward(weights, biases, np.stack(gamma(petals, z), axis=1))
    dft = np.fft.fft(y[:, 0])[ks] / 1000
    error = np.abs(dft - exact)
    print("\nk:", ks, "\n|exact c(k)|:", np.abs(exact), "\n|DFT(1000) - exact|:", error)
    # The DFT is the trapezoid rule of a periodic function with kinks: its error is about
    # sum |slope jumps| / N^2 plus the aliases c(k + m N); far below the coefficients' size here.
    assert np.all(error < 1e-4)
    assert np.all(error > 0)


def test_dynamics_over_snapshots_and_bad_input():
    nets = [relutope.Network.from_torch(mlp([2, 6, 1], seed=s)) for s in (1, 2)]
    d = relutope.flower_spectrum_dynamics([(0, nets[0]), (10, nets[1])], 2, [1, 3], [1.0, 0.5], progress=False)
    assert d.amplitude.shape == (2, 2) and list(d.steps) == [0, 10] and list(d.frequencies) == [1, 3]
    last = relutope.flower_spectrum(nets[1], 2, [1, 3], progress=False).values[:, 0]
    np.testing.assert_allclose(d.amplitude[1], 2 * np.abs(last) / [1.0, 0.5], rtol=1e-12)
    assert d.spectral_norms.shape == (2, 2)
    with pytest.raises(ValueError, match="petals"):
        relutope.flower_spectrum(nets[0], -1, [1])
    with pytest.raises(ValueError, match="^net: "):
        relutope.flower_spectrum(relutope.Network.from_torch(mlp([3, 4, 1], seed=1)), 2, [1])
    with pytest.raises(ValueError, match="precision"):
        relutope.flower_spectrum(nets[0], 2, [1], precision=8)
    with pytest.raises(ValueError, match="amplitudes"):
        relutope.flower_spectrum_dynamics([(0, nets[0])], 2, [1, 3], [1.0])
