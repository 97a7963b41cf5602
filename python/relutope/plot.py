"""Paper figures of relutope's results, drawn with matplotlib.

Each function takes what relutope returns (or any object with the same attributes: the
functions read only the documented fields, as numpy arrays), draws on ``ax`` (new axes when
None) and returns the Axes, or the Figure for the two-panel ``spectrum_training``. Nothing here
computes an analysis: the figures show the exact results as they are.

Colours of regions and patterns: ``region_colors``, hues spaced by the golden angle with three
levels of lightness, so that regions with neighbouring indices never look alike.
"""
from fractions import Fraction

import numpy as np
from matplotlib import pyplot as plt
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import LogNorm

GOLDEN = (np.sqrt(5) - 1) / 2  # hue step in turns: consecutive hues 137.5 degrees apart
REFERENCE = dict(color="0.55", linestyle="--", linewidth=0.8)  # slopes to compare with


def region_colors(index):
    """Light, distinct RGB colours, (n, 3) in [0, 1], of the regions numbered ``index`` (n,).

    Region i has hue frac(i * GOLDEN) (hues spaced by the golden angle never repeat and spread
    evenly) and one of three lightness levels, i mod 3; the colour is the fully saturated hue
    lightened towards white. Deterministic: the same index has the same colour in every figure.
    """
    i = np.asarray(index, dtype=np.int64)
    hue = np.fmod(i * GOLDEN, 1.0) * 6  # sector of the colour wheel, 0..6
    sector = hue.astype(np.int64) % 6
    rising = 1 - np.abs(np.fmod(hue, 2) - 1)
    full, partial = np.array([0, 1, 1, 2, 2, 0]), np.array([1, 0, 2, 1, 0, 2])  # channels by sector
    rgb = np.zeros(i.shape + (3,))
    np.put_along_axis(rgb, full[sector][..., None], 1.0, axis=-1)
    np.put_along_axis(rgb, partial[sector][..., None], rising[..., None], axis=-1)
    light = 0.45 + 0.1 * (i % 3)[..., None]
    return light + (1 - light) * 0.9 * rgb


def _axes(ax, size=(4.5, 4.5), layout="constrained"):
    return plt.subplots(figsize=size, layout=layout)[1] if ax is None else ax


def _box(domain):
    """The bounds of a domain (lo0, hi0, lo1, hi1, ...) or of its text "lo0,hi0,..." as floats."""
    return tuple(float(Fraction(x)) for x in (domain.split(",") if isinstance(domain, str) else domain))


def regions(partition, ax=None, *, first_layer=False, grid=None, colors=None, edgecolor=(1, 1, 1, 0.9),
            linewidth=0.25, labels=("x1", "x2")):
    """Draws the exact activation regions of a 1D or 2D partition (Lazzari & Liu Fig. 2 a-d).

    2D: every region's polygon filled in its own colour (one PolyCollection, so hundreds of
    thousands of regions draw in seconds) with thin ``edgecolor`` boundaries, on equal axes
    limited to the domain. 1D: each interval a coloured vertical band, under the graph of
    output 0 (exact: each region's affine map evaluated at its two ends).

    partition: a relutope.Partition, or an object with ``dim``, ``domain`` (lo0, hi0[, lo1, hi1]),
        ``vertices`` (V, dim), ``vertex_offsets`` (count + 1,): region r's vertices are
        vertices[offsets[r]:offsets[r+1]] (2D: a polygon; 1D: [lo, hi]), ``maps`` (count,
        outputs, dim + 1) (1D only) and ``first_layer`` (W1 (n, 2), b1 (n,)) (with first_layer).
    first_layer: overlay the first layer's zero lines w.x + b = 0, clipped to the box, dark grey
        (2D; Lazzari & Liu Fig. 2 c-d).
    grid: R: overlay the centres of the R x R sample cells (R in 1D) as black dots, the points
        a sampled region count sees (Lazzari & Liu Fig. 2 b).
    colors: one RGB(A) colour per region, (count, 3) or (count, 4); default region_colors.
    edgecolor, linewidth: the region boundaries (linewidth in points; 0 for none).
    labels: the axis labels (x, y); 1D uses the first.
    """
    if partition.dim not in (1, 2):
        raise ValueError(f"plot.regions: draws 1D and 2D partitions, not {partition.dim}D (slice the network to a plane)")
    ax = _axes(ax)
    offsets = np.asarray(partition.vertex_offsets)
    count = len(offsets) - 1
    colors = region_colors(np.arange(count)) if colors is None else np.asarray(colors)
    vertices = np.asarray(partition.vertices, dtype=float)
    box = _box(partition.domain)
    if partition.dim == 2:
        polygons = np.split(vertices, offsets[1:-1])
        ax.add_collection(PolyCollection(polygons, facecolors=colors, edgecolors=edgecolor, linewidths=linewidth))
        if first_layer:
            ax.add_collection(LineCollection(_zero_lines(*partition.first_layer, box), colors="0.1", alpha=0.8,
                                             linewidths=0.5))
        ax.set_aspect("equal")
        ax.set_ylim(box[2], box[3])
        ax.set_ylabel(labels[1])
    else:
        _bands_and_graph(ax, vertices[offsets[:-1], 0], vertices[offsets[:-1] + 1, 0], np.asarray(partition.maps), colors)
    if grid:
        centres = [lo + (np.arange(grid) + 0.5) / grid * (hi - lo) for lo, hi in zip(box[::2], box[1::2])]
        x, y = np.meshgrid(*centres) if partition.dim == 2 else (centres[0], np.full(grid, 0.02))
        transform = ax.transData if partition.dim == 2 else ax.get_xaxis_transform()  # 1D: dots along the bottom
        ax.plot(x.ravel(), y.ravel(), "k.", markersize=min(2.0, 150 / grid), transform=transform)
    ax.set_xlim(box[0], box[1])
    ax.set_xlabel(labels[0])
    return ax


def _zero_lines(weight, bias, box):
    """Segments (m, 2, 2) of the lines w_j.x + b_j = 0 inside the 2D box (Liang-Barsky clipping)."""
    w, b = np.asarray(weight, dtype=float), np.asarray(bias, dtype=float)
    lines = np.any(w != 0, axis=1)  # a neuron with w = 0 is constant: no zero line
    w, b = w[lines], b[lines]
    foot = -b[:, None] * w / np.sum(w * w, axis=1, keepdims=True)  # the point of the line nearest 0
    direction = np.stack([-w[:, 1], w[:, 0]], axis=1)
    lo, hi = np.array(box[::2]), np.array(box[1::2])
    with np.errstate(divide="ignore", invalid="ignore"):
        a, c = (lo - foot) / direction, (hi - foot) / direction
    # Parallel to an axis: unbounded along it if inside the slab, else empty.
    inside = (foot >= lo) & (foot <= hi)
    a = np.where(direction == 0, np.where(inside, -np.inf, np.inf), a)
    c = np.where(direction == 0, np.where(inside, np.inf, -np.inf), c)
    t0, t1 = np.max(np.minimum(a, c), axis=1), np.min(np.maximum(a, c), axis=1)
    keep = t0 < t1
    return np.stack([foot + t0[:, None] * direction, foot + t1[:, None] * direction], axis=1)[keep]


def _bands_and_graph(ax, lo, hi, maps, colors):
    """1D: bands [lo_r, hi_r] over the axes' height, and the graph of output 0 over them."""
    bands = np.stack([np.stack([lo, lo, hi, hi], 1), np.tile([0.0, 1.0, 1.0, 0.0], (len(lo), 1))], axis=2)
    ax.add_collection(PolyCollection(bands, facecolors=colors, edgecolors="none", antialiaseds=False,  # no seams
                                     transform=ax.get_xaxis_transform()),
                      autolim=False)  # the bands span the axes' height, whatever the graph's
    order = np.argsort(lo)
    ends = np.stack([lo, hi], axis=1)[order]
    slope, intercept = maps[order, 0, 0], maps[order, 0, 1]
    ax.plot(ends.ravel(), (slope[:, None] * ends + intercept[:, None]).ravel(), color=(0.05, 0.1, 0.35), linewidth=1)
    ax.set_ylabel("output 0")


def patterns(patterns, resolution, domain, ax=None, labels=("x1", "x2")):
    """Draws activation patterns sampled on the R x R grid of cell centres: each cell filled in
    the colour of its pattern, patterns numbered in the order first met (region_colors), the
    regions as a sampler sees them (Lazzari & Liu's input-space pictures, positional encodings
    included). The image is upright: the first coordinate across, the second upwards.

    patterns: bool (R^2, hidden), row-major over the cells with the last coordinate fastest (as
        relutope.sampled_patterns returns it).
    resolution: R.
    domain: the 2D box (lo0, hi0, lo1, hi1) that was sampled, or its text "lo0,hi0,lo1,hi1".
    labels: the axis labels (x, y).
    """
    patterns = np.asarray(patterns, dtype=bool)
    if patterns.ndim != 2 or patterns.shape[0] != resolution * resolution:
        raise ValueError(f"plot.patterns: expected {resolution * resolution} patterns (a {resolution} x {resolution} grid), "
                         f"got an array of shape {patterns.shape}")
    ax = _axes(ax)
    rows = patterns
    _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    number = np.argsort(np.argsort(first))[inverse.ravel()]  # rank of each pattern's first cell
    image = region_colors(number).reshape(resolution, resolution, 3).transpose(1, 0, 2)  # [y cell, x cell]
    ax.imshow(image, origin="lower", extent=_box(domain)[:4], interpolation="nearest", aspect="equal")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    return ax


def spectrum(spectrum, ax=None, out=0, *, min_digits=3):
    """Draws the magnitudes |c(k)| of a spectrum's coefficients for output ``out``.

    1D: a marker at (k, |c(k)|) on a log y axis. 2D (integer frequencies, e.g. frequency_grid):
    |c(k)| as an image over (k1, k2), log-coloured, with a colour bar. Coefficients certified to
    fewer than ``min_digits`` significant digits are marked: hollow markers (1D), hatched cells
    (2D); their magnitude is still drawn, but only its order is sure. Exact zeros have no place
    on a log scale: 1D leaves them out, 2D draws them blank like frequencies not computed.

    spectrum: a relutope.Spectrum, or an object with ``frequencies`` (n, dim) in cycles per unit
        length, ``values`` (n, outputs) complex and ``certified_digits`` (n, outputs).
    """
    # "compressed": constrained layout cuts the y label of an equal-aspect image with a colour bar.
    ax = _axes(ax, (5.5, 4.5), "compressed")
    k = np.asarray(spectrum.frequencies, dtype=float)
    values = np.asarray(spectrum.values)
    if not 0 <= out < values.shape[1]:
        raise ValueError(f"plot.spectrum: output {out} does not exist (the network has {values.shape[1]})")
    magnitude = np.abs(values[:, out])
    sure = np.asarray(spectrum.certified_digits)[:, out] >= min_digits
    if k.shape[1] == 1:
        shown = magnitude > 0
        for mask, face, label in ((sure, "C0", "certified"), (~sure, "none", f"< {min_digits} certified digits")):
            if np.any(mask & shown):
                ax.plot(k[mask & shown, 0], magnitude[mask & shown], "o", markersize=4, color="C0", markerfacecolor=face,
                        linestyle="none", label=label)
        ax.set_yscale("log")
        ax.set_xlabel("k")
        ax.set_ylabel(f"|c(k)|, output {out}")
        if not np.all(sure):
            ax.legend()
        return ax
    if not np.array_equal(k, np.round(k)):
        raise ValueError("plot.spectrum draws 2D spectra on integer frequencies only")
    lo, hi = k.min(axis=0).astype(int), k.max(axis=0).astype(int)
    image = np.full((hi[1] - lo[1] + 1, hi[0] - lo[0] + 1), np.nan)  # [k2, k1]
    cell = (k - lo).astype(int)
    image[cell[:, 1], cell[:, 0]] = np.where(magnitude > 0, magnitude, np.nan)
    shown = image[np.isfinite(image)]
    norm = LogNorm(shown.min(), shown.max()) if shown.size else None
    drawn = ax.imshow(image, origin="lower", norm=norm, interpolation="nearest",
                      extent=(lo[0] - 0.5, hi[0] + 0.5, lo[1] - 0.5, hi[1] + 0.5))
    ax.figure.colorbar(drawn, ax=ax, label=f"|c(k)|, output {out}")
    squares = k[~sure, None, :] + np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5]])
    if len(squares):
        ax.add_collection(PolyCollection(squares, facecolors="none", edgecolors="0.85", linewidths=0, hatch="////"))
    ax.set_xlabel("k1")
    ax.set_ylabel("k2")
    return ax


def fft_error(convergence, ax=None):
    """Draws the error of the FFT estimate of c(k) against the number of samples N per axis,
    log-log: the rectangle rule (np.fft's, Rahaman et al.'s notebook) and the trapezoid rule,
    with dashed grey reference slopes 1/N and 1/N^2 through their first points. The rectangle
    rule's error falls as 1/N where f differs on opposite faces of the domain, the trapezoid
    rule's as 1/N^2.

    convergence: a relutope.FftConvergence, or an object with ``n`` (m,), ``rectangle`` (m,) and
        ``trapezoid`` (m,): |FFT estimate - exact c(k)| at each N.
    """
    ax = _axes(ax)
    n = np.asarray(convergence.n, dtype=float)
    rectangle, trapezoid = _positive(convergence.rectangle), _positive(convergence.trapezoid)
    ax.loglog(n, rectangle, "o-", markersize=3, label="rectangle (np.fft)")
    ax.loglog(n, trapezoid, "o-", markersize=3, label="trapezoid")
    ax.loglog(n, rectangle[0] * n[0] / n, label="1/N", **REFERENCE)
    ax.loglog(n, trapezoid[0] * (n[0] / n) ** 2, label="1/N$^2$", **REFERENCE)
    ax.set_xlabel("N (samples per axis)")
    ax.set_ylabel("|FFT estimate - exact c(k)|")
    ax.legend(loc="best")  # inside the axes, where the curves leave room
    return ax


def decay(ray_decay, ax=None):
    """Draws |c(t k)| along the ray t k against t, log-log, with the fitted power law's exponent
    in the legend and a dashed grey t^-2 reference through the first point (Rahaman et al.
    Theorem 1: the spectrum of a ReLU network decays as t^-(d+1) along most directions, t^-2 on
    a 1D domain or along the normal of a region edge).

    ray_decay: a relutope.RayDecay, or an object with ``t`` (m,), ``magnitude`` (m,) = |c(t k)|
        and ``exponent`` (the least-squares slope of log |c| against log t, negated).
    """
    ax = _axes(ax)
    t, magnitude = np.asarray(ray_decay.t, dtype=float), _positive(ray_decay.magnitude)
    ax.loglog(t, magnitude, "o-", markersize=3, label=f"|c(t k)|, fitted $t^{{-{ray_decay.exponent:.2f}}}$")
    ax.loglog(t, magnitude[0] / t**2, label="$t^{-2}$", **REFERENCE)
    ax.set_xlabel("t")
    ax.set_ylabel("|c(t k)|")
    ax.legend(loc="best")  # inside the axes, where the curves leave room
    return ax


def _positive(values):
    """Zeros (and negatives) as nan: a log axis leaves them out instead of clipping them."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def spectrum_training(dynamics, fig=None):
    """Rahaman et al. Fig. 1, exactly: the spectral bias of a network over its training.

    Left, a heatmap of the normalised amplitudes 2|c(k_i)|/A_i, clipped to [0, 1] as in the
    paper, with the paper's axes: frequency k_i across, training step upwards; low frequencies
    are learnt first. Right, each layer's spectral norm (largest singular value) against the
    step.

    dynamics: a relutope.SpectrumDynamics, or an object with ``steps`` (S,), ``frequencies``
        (F,), ``amplitude`` (S, F) = 2|c(k_i)|/A_i and ``spectral_norms`` (S, layers).
    fig: the figure to draw its two panels in (default: a new one). Returns the figure.
    """
    fig = plt.figure(figsize=(9, 3.6), layout="constrained") if fig is None else fig
    heat, norms = fig.subplots(1, 2)
    steps = np.asarray(dynamics.steps, dtype=float)
    fig.colorbar(spectrum_heatmap(dynamics, heat), ax=heat, label="2|c(k)|/A")
    for layer, norm in enumerate(np.asarray(dynamics.spectral_norms, dtype=float).T, start=1):
        norms.plot(steps, norm, label=f"layer {layer}")
    norms.set_xlabel("training step")
    norms.set_ylabel("spectral norm")
    norms.set_ylim(bottom=0)
    norms.legend(fontsize="small")
    return fig


def spectrum_heatmap(dynamics, ax=None):
    """The normalised amplitudes 2|c(k_i)|/A_i over training as a heatmap, clipped to [0, 1] as in
    Rahaman et al. Figs. 1 and 8: frequency k_i across, training step upwards.

    dynamics: a relutope.SpectrumDynamics (spectrum_dynamics, flower_spectrum_dynamics), or an
        object with ``steps`` (S,), ``frequencies`` (F,) and ``amplitude`` (S, F).
    Returns the AxesImage (for a colorbar).
    """
    ax = _axes(ax)
    steps, k = np.asarray(dynamics.steps, dtype=float), np.asarray(dynamics.frequencies, dtype=float)
    half = (steps[-1] - steps[0]) / max(len(steps) - 1, 1) / 2 or 0.5  # half a snapshot interval
    image = ax.imshow(np.clip(np.asarray(dynamics.amplitude, dtype=float), 0, 1), origin="lower", aspect="auto",
                      vmin=0, vmax=1, interpolation="nearest", extent=(-0.5, len(k) - 0.5, steps[0] - half, steps[-1] + half))
    ax.set_xticks(np.arange(len(k)), [f"{x:g}" for x in k])
    ax.set_xlabel("frequency k")
    ax.set_ylabel("training step")
    return image
