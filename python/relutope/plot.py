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
    ax.plot(*_graph(lo, hi, maps), color=(0.05, 0.1, 0.35), linewidth=1)
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


def _frequency_heatmap(ax, values, frequencies, rows):
    """values (rows, F) clipped to [0, 1] as the paper's colour bars are, one column per frequency
    k_i (labelled by k), the rows spanning `rows` = (bottom, top) upwards; returns the image."""
    k = np.asarray(frequencies, dtype=float)
    image = ax.imshow(np.clip(np.asarray(values, dtype=float), 0, 1), origin="lower", aspect="auto", vmin=0, vmax=1,
                      interpolation="nearest", extent=(-0.5, len(k) - 0.5, *rows))
    ax.set_xticks(np.arange(len(k)), [f"{x:g}" for x in k])
    ax.set_xlabel("frequency k")
    return image


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


# --- Lazzari & Liu Figs. 1-3: learned images, first-layer arrangements, training curves ------------

def image(values, width, height, ax=None):
    """Draws the RGB image of per-pixel values, as a coordinate MLP learns it (Lazzari & Liu Fig. 1).

    values: (W H, 3) RGB in [0, 1] (clipped to it), pixel (row r, column c) at r W + c, row 0 at
        the top: relutope.train's layout for image tasks (e.g. ``net(inputs)`` or ``targets``).
    width, height: W, H. The pixels are drawn as they are (no interpolation), without axes ticks.
    """
    values = np.asarray(values, dtype=float)
    if values.shape != (width * height, 3):
        raise ValueError(f"plot.image: expected ({width * height}, 3) RGB values of a {width} x {height} image, "
                         f"got an array of shape {values.shape}")
    ax = _axes(ax)
    ax.imshow(np.clip(values, 0, 1).reshape(height, width, 3), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def first_layer(net, ax=None, *, domain=None, resolution=256, color="0.1", linewidth=0.5, labels=("x1", "x2")):
    """Draws the zero sets z_j(x) = 0 of the first layer's neurons on a 2D domain (Lazzari & Liu
    Fig. 2 c-d): the first layer's hyperplane arrangement.

    For coordinate inputs they are lines, drawn exactly (clipped to the box). Under a positional
    encoding gamma the neuron's hyperplane w.gamma(x) + b = 0 lives in the encoding space; in the
    coordinates it is a curve, drawn as the zero contour of z_j (evaluated by relutope, the
    encoding included) on the ``resolution`` x ``resolution`` grid of the box: drawing precision.

    net: a relutope.Network with 2 inputs. domain: the box (lo0, hi0, lo1, hi1), default the
    network's own. color, linewidth: of the lines (linewidth in points).
    """
    from . import Network  # relutope imports plot lazily: no cycle at import time

    if net.input_dim != 2:
        raise ValueError(f"plot.first_layer: draws 2-input networks, not {net.input_dim}-input ones")
    box = _box(net.domain if domain is None else domain)
    ax = _axes(ax)
    weight, bias = net.layers[0].weight, net.layers[0].bias
    if net.encoding == "identity":
        ax.add_collection(LineCollection(_zero_lines(weight, bias, box), colors=color, linewidths=linewidth))
    else:
        layer = Network.from_arrays([weight], [bias], ["identity"], encoding=net.encoding)
        x, y = np.meshgrid(np.linspace(box[0], box[1], resolution), np.linspace(box[2], box[3], resolution))
        z = layer(np.stack([x.ravel(), y.ravel()], axis=1))
        for j in np.flatnonzero((z.min(axis=0) < 0) & (z.max(axis=0) > 0)):  # the zero sets that cross the box
            ax.contour(x, y, z[:, j].reshape(x.shape), levels=[0], colors=[color], linewidths=linewidth)
    ax.set_aspect("equal")
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    return ax


def training_loss(batch_loss, ax=None, *, per=1, label=None, color=None):
    """Draws the training loss against the epoch: the mean of the minibatch losses over each
    ``per`` consecutive steps (one epoch; Lazzari & Liu Fig. 3a), a last partial epoch left out.

    batch_loss: (steps,) the loss of every step (relutope.train's ``batch_loss``).
    per: steps per epoch (1: every step, against the step).
    """
    loss = np.asarray(batch_loss, dtype=float)
    epochs = len(loss) // per
    if epochs == 0:
        raise ValueError(f"plot.training_loss: {len(loss)} steps make no whole epoch of {per}")
    ax = _axes(ax)
    ax.plot(np.arange(1, epochs + 1), loss[:epochs * per].reshape(epochs, per).mean(axis=1), label=label, color=color)
    ax.set_xlabel("epoch" if per > 1 else "step")
    ax.set_ylabel("training loss")
    return ax


def region_growth(dynamics, ax=None, *, per=1, label="", color=None):
    """Draws the activation-region counts against the epoch (Lazzari & Liu Fig. 3b): the exact
    count of regions in the domain (solid; absent for a positional network, whose regions are
    curved) and the distinct patterns at the centres of the R^d sample grid (dashed, the count
    the paper reports), one colour for both.

    dynamics: a relutope.TrainingDynamics, or an object with ``steps`` (S,), ``regions`` (S,)
        (-1 where not computed), ``sampled`` (S,) and ``resolution`` R.
    per: steps per epoch (1: against the step). label: names the network in the legend.
    """
    ax = _axes(ax)
    x = np.asarray(dynamics.steps, dtype=float) / per
    exact, sampled = np.asarray(dynamics.regions), np.asarray(dynamics.sampled)
    prefix = f"{label}: " if label else ""
    if np.all(exact >= 0):
        color = ax.plot(x, exact, color=color, label=f"{prefix}exact regions")[0].get_color()
    ax.plot(x, sampled, "--", color=color, label=f"{prefix}sampled, {dynamics.resolution} per axis")
    ax.set_xlabel("epoch" if per > 1 else "step")
    ax.set_ylabel("activation regions")
    return ax


def perturbation(robustness, ax=None):
    """Rahaman et al. Fig. 3, exactly: lower frequencies are more robust to parameter perturbations.

    A heatmap of the mean normalised magnitude |c_theta(k_i)| / |c_theta*(k_i)| over random
    perturbations theta = theta* + delta theta_hat, clipped to [0, 1] as in the paper: frequency
    k_i across, the perturbation magnitude delta upwards (one row per delta, labelled by its
    value), with a colour bar.

    robustness: a relutope.PerturbationRobustness, or an object with ``deltas`` (D,),
        ``frequencies`` (F,) and ``robustness`` (D, F). Returns the Axes.
    """
    ax = _axes(ax, size=(5, 3.6))
    deltas = np.asarray(robustness.deltas, dtype=float)
    image = _frequency_heatmap(ax, robustness.robustness, robustness.frequencies, (-0.5, len(deltas) - 0.5))
    ax.figure.colorbar(image, ax=ax, label=r"$|c_\theta(k)|\,/\,|c_{\theta^*}(k)|$")
    ax.set_yticks(np.arange(len(deltas)), [f"{d:g}" for d in deltas])
    ax.set_ylabel(r"perturbation $\delta$")
    return ax


def boundary_distances(*dynamics, labels=None, ax=None):
    """Lazzari & Liu Fig. 9: the mean distance of the training points to the nearest region
    boundary over training, one curve per run (e.g. coordinates and encodings of several L).

    Each run's neuron estimate min |z(x)| / ||grad z(x)|| (Hanin & Rolnick; in the network's input
    space, the encoding's features for a positional network) is drawn solid; where the run has
    the exact distance (coordinate networks), it is drawn dashed beside it in the same colour:
    the two differ only where the domain clips a region. Log scale in distance.

    dynamics: relutope.TrainingDynamics (or objects with ``steps`` (S,), ``boundary_estimate``
        and ``boundary_exact`` (S,), nan where not computed). labels: one name per run (default
        "run 1", ...). Returns the Axes.
    """
    labels = labels or [f"run {i}" for i in range(1, len(dynamics) + 1)]
    if len(labels) != len(dynamics):
        raise ValueError(f"labels: {len(labels)} names for {len(dynamics)} runs")
    ax = _axes(ax, size=(5, 3.6))
    for run, label in zip(dynamics, labels):
        steps = np.asarray(run.steps, dtype=float)
        exact = np.asarray(run.boundary_exact, dtype=float)
        has_exact = bool(np.isfinite(exact).any())
        line, = ax.plot(steps, np.asarray(run.boundary_estimate, dtype=float),
                        label=f"{label}, neuron estimate" if has_exact else label)
        if has_exact:
            ax.plot(steps, exact, color=line.get_color(), linestyle="--", label=f"{label}, exact")
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("mean distance to boundary")
    ax.legend(fontsize="small")
    return ax


# --- training dynamics (Lazzari & Liu Figs. 5-7, 10) ------------------------------------------

DYNAMICS_LABELS = {  # a TrainingDynamics field: its axis label
    "loss": "loss", "regions": "activation regions (exact)", "sampled": "distinct sampled patterns",
    "dead_neurons": "dead ReLU neurons", "spectral_norms": "spectral norm", "norm_product": "product of spectral norms",
    "hyperplane_cosine": "mean cosine between hyperplane normals", "hamming_local": "mean Hamming distance, 3x3 (bits)",
    "hamming_overall": "mean Hamming distance, global (bits)", "confusion_local": "confusion bound $\\eta$, 3x3",
    "confusion_distant": "confusion bound $\\eta$, distant pairs"}


def dynamics(dynamics, field, ax=None, *, label=None, per=1, **style):
    """Draws one field of a training's dynamics against the epoch (or step), a marker at
    each snapshot (Lazzari & Liu Figs. 5 a-b, 6, 10). A per-layer field (``spectral_norms``,
    ``hyperplane_cosine``) draws one curve per layer, labelled "label, layer i".

    dynamics: a relutope.TrainingDynamics, or an object with ``steps`` (S,) and the field.
    field: the name of a field: (S,) or (S, layers), e.g. "hamming_local", "spectral_norms".
    label: the curve's legend label (the run's name). per: steps per epoch (1: against the step).
    style: matplotlib's line keywords.
    """
    if field not in DYNAMICS_LABELS:
        raise ValueError(f"plot.dynamics: field: {field!r} is not one of {', '.join(DYNAMICS_LABELS)}")
    ax = _axes(ax)
    x = np.asarray(dynamics.steps, dtype=float) / per
    values = np.asarray(getattr(dynamics, field), dtype=float)
    if values.ndim == 1:
        values, names = values[:, None], [label]
    else:
        names = [f"{label}, layer {i}" if label else f"layer {i}" for i in range(1, values.shape[1] + 1)]
    for column, name in zip(values.T, names):
        ax.plot(x, column, marker="o", markersize=2.5, label=name, **style)
    ax.set_xlabel("epoch" if per > 1 else "step")
    ax.set_ylabel(DYNAMICS_LABELS[field])
    return ax


def confusion_density(confusion, ax=None, *, pairs="local", label=None, bins=50, **style):
    """Draws the density of the gradient cosine similarities of one kind of pairs (Lazzari & Liu
    Fig. 5 c-d): a histogram over [-1, 1], normalised to unit area, as a step curve, and the
    confusion bound as a dotted line at cos = -eta in the same colour. Pairs without a direction
    (a sample fitted exactly: nan) are left out.

    confusion: a relutope.GradientConfusion, or an object with ``local`` / ``distant`` (k,)
        cosines and ``local_bound`` / ``distant_bound``.
    pairs: "local" (within 3x3 neighbourhoods) or "distant" (random pairs).
    label, style: the curve's legend label and matplotlib line keywords.
    """
    if pairs not in ("local", "distant"):
        raise ValueError(f"plot.confusion_density: pairs: expected \"local\" or \"distant\", got {pairs!r}")
    ax = _axes(ax)
    cosines = np.asarray(getattr(confusion, pairs), dtype=float)
    density, edges = np.histogram(cosines[np.isfinite(cosines)], bins=bins, range=(-1, 1), density=True)
    steps = ax.stairs(density, edges, label=label, **style)
    ax.axvline(-getattr(confusion, f"{pairs}_bound"), color=steps.get_edgecolor(), linestyle=":", linewidth=1)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("cosine similarity of loss gradients")
    ax.set_ylabel("density")
    return ax


def spread(steps, samples, ax=None, *, label=None, quantiles=(0.1, 0.9), per=1, **style):
    """Draws the mean of a sample at each training step, with the band between two of its
    quantiles shaded in the same colour (Lazzari & Liu Fig. 7: the cosines between all pairs of a
    layer's hyperplane normals, relutope.hyperplane_cosines).

    steps: (S,) training steps. samples: S 1D arrays (of any sizes), one a step.
    quantiles: the band's lower and upper quantile. per: steps per epoch (1: against the step).
    label, style: the curve's legend label and matplotlib line keywords.
    """
    ax = _axes(ax)
    x = np.asarray(steps, dtype=float) / per
    [line] = ax.plot(x, [np.mean(s) for s in samples], marker="o", markersize=2.5, label=label, **style)
    low, high = np.array([np.quantile(s, quantiles) for s in samples]).T
    ax.fill_between(x, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel("epoch" if per > 1 else "step")
    return ax


# --- Rahaman et al. Figs. 2 and 9 -----------------------------------------------------------------

LEARNT, TARGET = "tab:green", "tab:blue"  # Rahaman et al. Fig. 2's colours


def _graph(lo, hi, maps):
    """The graph of output 0 over 1D regions [lo_r, hi_r] with maps (count, outputs, 2): the polyline
    (x, y) through each region's two ends, in order of x, each end evaluated by its region's map."""
    order = np.argsort(lo)
    ends = np.stack([lo, hi], axis=1)[order]
    slope, intercept = maps[order, 0, 0], maps[order, 0, 1]
    return ends.ravel(), (slope[:, None] * ends + intercept[:, None]).ravel()


def learnt_function(partition, target=None, ax=None):
    """Rahaman et al. Fig. 2: the learnt function (green) overlaid on the target (blue).

    The network's output 0 is drawn from its exact 1D partition, straight between the breakpoints
    (each region's affine map at its two ends), so that no kink is missed or cut off by sampling.

    partition: a 1D relutope.Partition, or an object with ``dim`` (1), ``domain`` (lo, hi),
        ``vertices`` (V, 1) and ``vertex_offsets`` (count + 1,) (region r's ends are
        vertices[offsets[r]:offsets[r] + 2]) and ``maps`` (count, outputs, 2).
    target: (x, y), the target function on points x (m,), drawn first, under the network's graph.
    """
    if partition.dim != 1:
        raise ValueError(f"plot.learnt_function: draws a 1D partition, not {partition.dim}D")
    ax = _axes(ax, (4.5, 3))
    offsets = np.asarray(partition.vertex_offsets)
    vertices = np.asarray(partition.vertices, dtype=float)[:, 0]
    if target is not None:
        ax.plot(*target, color=TARGET, linewidth=1, label="target")
    ax.plot(*_graph(vertices[offsets[:-1]], vertices[offsets[:-1] + 1], np.asarray(partition.maps)), color=LEARNT,
            linewidth=1, label="learnt")
    ax.set_xlim(*_box(partition.domain))
    ax.set_xlabel("z")
    ax.set_ylabel("f(z)")
    return ax


def accuracy_heatmap(accuracy, frequencies, petals, ax=None):
    """Rahaman et al. Fig. 9: training accuracy by the target's frequency k (across) and the number
    of petals L of the flower curve gamma_L (upwards), each cell labelled with its value.

    accuracy: (len(petals), len(frequencies)) in [0, 1]: row i is L = petals[i], column j is
        k = frequencies[j].
    """
    accuracy = np.asarray(accuracy, dtype=float)
    if accuracy.shape != (len(petals), len(frequencies)):
        raise ValueError(f"plot.accuracy_heatmap: expected accuracies of shape ({len(petals)}, {len(frequencies)}) "
                         f"(petals, frequencies), got {accuracy.shape}")
    ax = _axes(ax, (5.5, 4.5))
    image = ax.imshow(accuracy, origin="lower", aspect="auto", vmin=0.5, vmax=1, cmap="viridis", interpolation="nearest")
    for (i, j), value in np.ndenumerate(accuracy):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize="small",
                color="black" if value > 0.8 else "white")
    ax.set_xticks(np.arange(len(frequencies)), [f"{k:g}" for k in frequencies])
    ax.set_yticks(np.arange(len(petals)), [f"{L:g}" for L in petals])
    ax.set_xlabel("frequency k")
    ax.set_ylabel("L (petals of $\\gamma_L$)")
    ax.figure.colorbar(image, ax=ax, label="training accuracy")
    return ax


def spectrum_heatmap(dynamics, ax=None):
    """The normalised amplitudes 2|c(k_i)|/A_i over training as a heatmap, clipped to [0, 1] as in
    Rahaman et al. Figs. 1 and 8: frequency k_i across, training step upwards.

    dynamics: a relutope.SpectrumDynamics (spectrum_dynamics, flower_spectrum_dynamics), or an
        object with ``steps`` (S,), ``frequencies`` (F,) and ``amplitude`` (S, F).
    Returns the AxesImage (for a colorbar, which several panels may share).
    """
    ax = _axes(ax)
    steps = np.asarray(dynamics.steps, dtype=float)
    half = (steps[-1] - steps[0]) / max(len(steps) - 1, 1) / 2 or 0.5  # half a snapshot interval
    image = _frequency_heatmap(ax, dynamics.amplitude, dynamics.frequencies, (steps[0] - half, steps[-1] + half))
    ax.set_ylabel("training step")
    return image
