"""The small result types of relutope's analyses: read-only records of numpy arrays and numbers."""
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class Lipschitz:
    """The Lipschitz constant of the network on the domain (2-norms): max over the regions of the
    spectral norm of the affine map's W, certified to lie in [lower, upper]; ``value`` is their
    midpoint, right to ``certified_digits`` significant digits; ``region`` attains it.
    ``product_of_norms``: the product of the layers' spectral norms (Rahaman et al. Eq. 7), the
    usual upper bound, in float64. On a slice, of the function of the slice's coordinates (s, t)."""
    lower: float
    upper: float
    value: float
    certified_digits: int
    region: int
    product_of_norms: float


@dataclass(frozen=True)
class SamplingReport:
    """Grid sampling against the exact regions: ``distinct_patterns`` seen at the centres of the
    ``resolution``^d grid of cells, ``regions_found`` exact regions among them, ``missed`` (k,)
    int64 the regions no sample fell in, ``foreign_patterns`` sampled patterns of no region
    (samples on a boundary), ``smallest_missed`` / ``median_missed`` their exact measures."""
    resolution: int
    distinct_patterns: int
    regions_found: int
    missed: np.ndarray
    foreign_patterns: int
    smallest_missed: Optional[Fraction]
    median_missed: Optional[Fraction]


@dataclass(frozen=True)
class BoundaryDistances:
    """Per point (n,): ``region`` containing it (-1 outside the domain; the lowest index on a
    boundary), the exact Euclidean ``distance`` to where its activation pattern changes inside the
    domain (nan when its region has no such boundary or it is outside), certified in
    [``lower``, ``upper``] to ``certified_digits``; ``neuron_estimate`` min over neurons of
    |z(x)| / |grad z(x)| in float64 (Hanin & Rolnick 2019's estimate, used by Lazzari & Liu Fig. 9).
    On a slice, distances in the slice's coordinates (s, t)."""
    region: np.ndarray
    distance: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    certified_digits: np.ndarray
    neuron_estimate: np.ndarray


@dataclass(frozen=True)
class FftConvergence:
    """|FFT estimate - c(k)| against N samples per axis: ``n`` (m,) int64, ``rectangle`` and
    ``trapezoid`` (m,) float64 (the two quadrature rules), at the frequency ``k`` (Fractions)."""
    n: np.ndarray
    rectangle: np.ndarray
    trapezoid: np.ndarray
    k: tuple


@dataclass(frozen=True)
class RayDecay:
    """|c(t k)| at ``t`` (m,) along the direction ``k`` (Fractions): ``magnitude`` (m,), and the
    ``exponent`` p of the least-squares fit |c| ~ t^-p in log-log (Rahaman et al. Theorem 1)."""
    t: np.ndarray
    magnitude: np.ndarray
    exponent: float
    k: tuple


@dataclass(frozen=True)
class SpectrumDynamics:
    """Rahaman et al. Fig. 1: ``amplitude`` (S, F) = 2|c(k_i)|/A_i of output 0 at each snapshot's
    ``steps`` (S,) and ``frequencies`` (F,); ``spectral_norms`` (S, layers) of each layer's W."""
    steps: np.ndarray
    frequencies: np.ndarray
    amplitude: np.ndarray
    spectral_norms: np.ndarray


@dataclass(frozen=True)
class HammingDistances:
    """Mean Hamming distance between activation patterns on a pixel grid (Lazzari & Liu Fig. 6):
    ``local`` over the pairs within every 3x3 neighbourhood, ``overall`` over all pairs of pixels
    (exact means, in bits)."""
    local: float
    overall: float


@dataclass(frozen=True)
class GradientConfusion:
    """Cosine similarities between per-sample loss gradients (all weights and biases; Sankararaman
    et al. 2020, Lazzari & Liu Fig. 5): ``local`` (36 per 3x3 neighbourhood) and ``distant``
    (random pairs), float64, nan where a sample is fitted exactly; the pairs of pixel indices
    (r W + c) in ``local_pairs`` / ``distant_pairs`` (k, 2) int64. A bound eta with cos >= -eta for
    all pairs: ``local_bound``, ``distant_bound``."""
    local: np.ndarray
    distant: np.ndarray
    local_pairs: np.ndarray
    distant_pairs: np.ndarray

    @property
    def local_bound(self) -> float:
        return _bound(self.local)

    @property
    def distant_bound(self) -> float:
        return _bound(self.distant)


def _bound(cosines):
    """max(0, -min cos) over the pairs with a direction (the confusion bound of Sankararaman et al.)."""
    finite = cosines[np.isfinite(cosines)]
    return float(max(0.0, -finite.min())) if finite.size else 0.0


@dataclass(frozen=True)
class TrainingDynamics:
    """What happens to a network's regions, patterns and gradients over its training (Lazzari &
    Liu Figs. 3, 5-7, 10), one entry per snapshot (S of them): ``steps``, ``loss``; ``regions``
    the exact activation-region count on the domain (-1 for a positional network: its regions
    are curved in the input) beside ``sampled``, the distinct patterns at the centres of the
    R^d grid of cells; ``dead_neurons`` (ReLU neurons inactive on the whole domain, exact; from
    the sampled patterns for a positional network); ``spectral_norms`` (S, layers) and their
    product ``norm_product`` (Rahaman et al. Eq. 7); ``hyperplane_cosine`` (S, hidden layers) the
    mean cosine between each layer's hyperplane normals; on a pixel grid, ``hamming_local`` /
    ``hamming_overall`` (bits) and the confusion bounds ``confusion_local`` / ``confusion_distant``
    (nan without a grid); with the training inputs, the mean distance of the training points to
    the nearest region boundary (Lazzari & Liu Fig. 9): ``boundary_exact`` the exact distance to
    where the pattern changes inside the domain (1- and 2-input networks without an encoding, nan
    otherwise; the mean over the points whose region has such a boundary) and
    ``boundary_estimate`` Hanin & Rolnick's min |z(x)| / ||grad z(x)|| in the network's input
    (encoding) space (the mean over the points where it is finite; see ``neuron_distances``)."""
    steps: np.ndarray
    loss: np.ndarray
    regions: np.ndarray
    sampled: np.ndarray
    resolution: int
    dead_neurons: np.ndarray
    spectral_norms: np.ndarray
    norm_product: np.ndarray
    hyperplane_cosine: np.ndarray
    hamming_local: np.ndarray
    hamming_overall: np.ndarray
    confusion_local: np.ndarray
    confusion_distant: np.ndarray
    boundary_exact: np.ndarray
    boundary_estimate: np.ndarray


@dataclass(frozen=True)
class PerturbationRobustness:
    """Rahaman et al. Exp. 2 (Fig. 3): ``robustness`` (D, F) the mean over random unit directions
    theta_hat of |c_theta(k_i)| / |c_theta*(k_i)|, theta = theta* + delta_j theta_hat, at each of
    ``deltas`` (D,) and ``frequencies`` (F,) (output 0; 1 at delta = 0, nan where c_theta*(k_i) =
    0); ``spread`` (D, F) its standard deviation over the directions (divided by their number);
    ``reference`` (F,) |c_theta*(k_i)|; ``certified_digits`` the fewest certified digits of any
    |c| the ratios were taken from."""
    deltas: np.ndarray
    frequencies: np.ndarray
    robustness: np.ndarray
    spread: np.ndarray
    reference: np.ndarray
    certified_digits: int


@dataclass(frozen=True)
class FlowerSpectrum:
    """Fourier coefficients of f o gamma_L over z in [0, 1] (Rahaman et al. Exp. 5), from the exact
    pieces of the flower curve: ``values`` (n, outputs) complex128 rounded from certified balls,
    ``certified_digits`` (n, outputs), ``re``/``im`` (n, outputs) decimal strings, each within one
    unit in its last digit of the exact part, at integer ``frequencies`` (n,); ``pieces`` stretches
    of z with one activation pattern; ``petals`` L; ``precision_bits``."""
    petals: int
    frequencies: np.ndarray
    values: np.ndarray
    certified_digits: np.ndarray
    re: np.ndarray
    im: np.ndarray
    pieces: int
    precision_bits: int
