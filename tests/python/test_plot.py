"""relutope.plot draws what it is given: checked on the rendered pixels and the artists' data,
with duck-typed inputs (SimpleNamespace of numpy arrays), so no analysis runs here."""
from fractions import Fraction
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
from matplotlib import pyplot as plt
from matplotlib.collections import LineCollection, PolyCollection

from relutope import plot


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def pixel(ax, x, y):
    """The RGB colour (0..255) drawn at the data point (x, y) of ax."""
    ax.figure.canvas.draw()
    image = np.asarray(ax.figure.canvas.buffer_rgba())
    column, row = ax.transData.transform((x, y))
    return image[image.shape[0] - 1 - int(row), int(column), :3]


def rgb8(color):
    return np.round(np.asarray(color) * 255).astype(int)


def two_regions():
    """[0,1]^2 cut by x1 = 1/2: region 0 on the left, region 1 on the right; the first layer is
    the one neuron x1 - 1/2 and a second, x2 - 1/4, that cut nothing (an inactive layer-1 line)."""
    vertices = np.array([[0, 0], [0.5, 0], [0.5, 1], [0, 1], [0.5, 0], [1, 0], [1, 1], [0.5, 1]], dtype=float)
    return SimpleNamespace(dim=2, count=2, domain=(Fraction(0), Fraction(1), Fraction(0), Fraction(1)),
                           vertices=vertices, vertex_offsets=np.array([0, 4, 8]),
                           maps=np.array([[[0.0, 0.0, 0.0]], [[1.0, 0.0, -0.5]]]),
                           first_layer=(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([-0.5, -0.25])))


def test_region_colors_are_deterministic_and_neighbours_differ():
    colors = plot.region_colors(np.arange(1000))
    assert colors.shape == (1000, 3)
    assert np.all((colors >= 0.45) & (colors <= 1))
    assert np.array_equal(colors[7], plot.region_colors(7))
    # Neighbouring indices: hues 137.5 degrees apart and another lightness.
    assert np.min(np.abs(np.diff(colors, axis=0)).max(axis=1)) > 0.1


def test_regions_fills_each_polygon_in_its_colour():
    ax = plot.regions(two_regions(), plt.subplots(dpi=100)[1], linewidth=0)
    expected = plot.region_colors([0, 1])
    assert np.abs(pixel(ax, 0.25, 0.5) - rgb8(expected[0])).max() <= 1
    assert np.abs(pixel(ax, 0.75, 0.5) - rgb8(expected[1])).max() <= 1
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)
    assert ax.get_aspect() == 1


def test_regions_takes_given_colours():
    ax = plot.regions(two_regions(), plt.subplots()[1], colors=[(1, 0, 0), (0, 0, 1)], linewidth=0)
    assert list(pixel(ax, 0.25, 0.5)) == [255, 0, 0]
    assert list(pixel(ax, 0.75, 0.5)) == [0, 0, 255]


def test_first_layer_lines_are_the_zero_lines_clipped_to_the_box():
    ax = plot.regions(two_regions(), plt.subplots(dpi=300)[1], first_layer=True)
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1
    segments = sorted(sorted(np.round(s, 12).tolist()) for s in lines[0].get_segments())
    assert segments == [[[0, 0.25], [1, 0.25]], [[0.5, 0], [0.5, 1]]]
    across = [pixel(ax, 0.8, y).sum() for y in np.linspace(0.24, 0.26, 9)]  # the line is 2 pixels wide
    assert min(across) < pixel(ax, 0.8, 0.4).sum() - 150  # drawn dark over region 1


def test_first_layer_lines_missing_the_box_are_left_out():
    segments = plot._zero_lines(np.array([[1.0, 1.0], [0.0, 0.0], [1.0, -1.0]]), np.array([-5.0, 1.0, 0.0]), (0, 1, 0, 1))
    assert np.allclose(segments, [[[0, 0], [1, 1]]]) or np.allclose(segments, [[[1, 1], [0, 0]]])


def test_grid_marks_the_sample_cell_centres():
    ax = plot.regions(two_regions(), plt.subplots()[1], grid=4)
    x, y = ax.lines[0].get_data()
    assert sorted(set(x)) == [0.125, 0.375, 0.625, 0.875] == sorted(set(y))
    assert len(x) == 16


def test_regions_1d_bands_under_the_graph():
    # f = |x - 1/2| on [0, 1]: two regions, [0, 1/2] and [1/2, 1]; region 1 listed first.
    partition = SimpleNamespace(dim=1, count=2, domain=(Fraction(0), Fraction(1)),
                                vertices=np.array([[0.5], [1.0], [0.0], [0.5]]), vertex_offsets=np.array([0, 2, 4]),
                                maps=np.array([[[1.0, -0.5]], [[-1.0, 0.5]]]))
    ax = plot.regions(partition, plt.subplots(dpi=100)[1])
    x, y = ax.lines[0].get_data()
    assert np.allclose(x, [0, 0.5, 0.5, 1]) and np.allclose(y, [0.5, 0, 0, 0.5])
    bottom = ax.get_ylim()[0]
    expected = plot.region_colors([0, 1])
    assert np.abs(pixel(ax, 0.8, bottom + 0.01) - rgb8(expected[0])).max() <= 1
    assert np.abs(pixel(ax, 0.2, bottom + 0.01) - rgb8(expected[1])).max() <= 1


def test_two_hundred_thousand_regions_draw_as_one_collection():
    # 400 x 500 squares of [0,1]^2, counter-clockwise.
    i, j = np.meshgrid(np.arange(400), np.arange(500), indexing="ij")
    corner = np.stack([i.ravel() / 400, j.ravel() / 500], axis=1)
    square = np.array([[0, 0], [1 / 400, 0], [1 / 400, 1 / 500], [0, 1 / 500]])
    vertices = (corner[:, None, :] + square).reshape(-1, 2)
    partition = SimpleNamespace(dim=2, count=200_000, domain=(0, 1, 0, 1), vertices=vertices,
                                vertex_offsets=np.arange(0, 4 * 200_000 + 1, 4))
    ax = plot.regions(partition, plt.subplots(dpi=100)[1])
    assert len(ax.collections) == 1 and isinstance(ax.collections[0], PolyCollection)
    assert len(ax.collections[0].get_paths()) == 200_000
    ax.figure.canvas.draw()


def test_patterns_are_drawn_the_right_way_up():
    # bit 0: x2 > 1/2, bit 1: x1 > 3/4, on the 8 x 8 grid, last coordinate (x2) fastest.
    centres = (np.arange(8) + 0.5) / 8
    x1, x2 = np.meshgrid(centres, centres, indexing="ij")
    patterns = np.stack([x2.ravel() > 0.5, x1.ravel() > 0.75], axis=1)
    ax = plot.patterns(patterns, 8, (0, 1, 0, 1), plt.subplots(dpi=100)[1])
    colors = rgb8(plot.region_colors(np.arange(4)))  # numbered as first met: (0,0), top left, ...
    for (x, y), number in (((0.1, 0.1), 0), ((0.6, 0.3), 0), ((0.1, 0.9), 1), ((0.6, 0.7), 1), ((0.9, 0.1), 2),
                           ((0.9, 0.9), 3)):
        assert np.abs(pixel(ax, x, y) - colors[number]).max() <= 1, (x, y)


def test_spectrum_1d_hollow_markers_for_few_digits():
    s = SimpleNamespace(frequencies=np.array([[1.0], [2.0], [3.0], [4.0]]),
                        values=np.array([[1e-2], [1e-3 + 1e-3j], [0], [1e-5]]), certified_digits=np.array([[9], [9], [0], [1]]))
    ax = plot.spectrum(s, plt.subplots()[1])
    sure, unsure = ax.lines
    assert np.allclose(sure.get_xdata(), [1, 2]) and np.allclose(sure.get_ydata(), [1e-2, np.sqrt(2) * 1e-3])
    assert np.allclose(unsure.get_xdata(), [4]) and unsure.get_markerfacecolor() == "none"  # the exact 0 left out
    assert ax.get_yscale() == "log"


def test_spectrum_2d_image_over_the_grid():
    k = np.array([[a, b] for a in range(-1, 2) for b in range(-2, 3)], dtype=float)
    values = (1 + np.arange(len(k)))[:, None] * 1e-3 + 0j
    digits = np.full((len(k), 1), 10)
    digits[0] = 1
    ax = plot.spectrum(SimpleNamespace(frequencies=k, values=values, certified_digits=digits), plt.subplots()[1])
    image = ax.images[0].get_array()
    assert image.shape == (5, 3)  # [k2, k1]
    assert image[0, 0] == pytest.approx(1e-3) and image[4, 0] == pytest.approx(5e-3) and image[0, 1] == pytest.approx(6e-3)
    assert ax.images[0].norm.vmin == pytest.approx(1e-3)
    hatched = [c for c in ax.collections if c.get_hatch()]
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == 1


def slope(line):
    x, y = line.get_data()
    return np.polyfit(np.log(x), np.log(y), 1)[0]


def test_fft_error_lines_and_reference_slopes():
    n = np.array([8, 16, 32, 64, 128])
    c = SimpleNamespace(n=n, rectangle=0.3 / n, trapezoid=0.7 / n**2.0, k=(Fraction(1),))
    ax = plot.fft_error(c, plt.subplots()[1])
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"rectangle (np.fft)", "trapezoid", "1/N", "1/N$^2$"}
    assert slope(lines["rectangle (np.fft)"]) == pytest.approx(-1)
    assert slope(lines["1/N"]) == pytest.approx(-1) and slope(lines["1/N$^2$"]) == pytest.approx(-2)
    assert lines["1/N"].get_ydata()[0] == pytest.approx(0.3 / 8)  # through the first points
    assert lines["1/N$^2$"].get_ydata()[0] == pytest.approx(0.7 / 64)
    assert lines["1/N"].get_linestyle() == "--"
    assert ax.get_xscale() == ax.get_yscale() == "log"


def test_decay_legend_names_the_fitted_exponent():
    t = 2.0 ** np.arange(0, 6.25, 0.25)
    ax = plot.decay(SimpleNamespace(t=t, magnitude=0.01 * t**-2.0, exponent=2.0, k=(Fraction(1),)), plt.subplots()[1])
    data, reference = ax.lines
    assert "2.00" in data.get_label() and reference.get_label() == "$t^{-2}$"
    assert slope(reference) == pytest.approx(-2) and reference.get_ydata()[0] == pytest.approx(0.01)
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert ax.get_window_extent().contains(legend.x0, legend.y0) and ax.get_window_extent().contains(legend.x1, legend.y1)


def test_spectrum_training_heatmap_is_the_clipped_amplitudes():
    rng = np.random.default_rng(1)
    amplitude = rng.uniform(-0.2, 1.3, size=(6, 4))
    dynamics = SimpleNamespace(steps=np.arange(0, 600, 100), frequencies=np.array([5.0, 10, 15, 20]), amplitude=amplitude,
                               spectral_norms=rng.uniform(1, 3, size=(6, 3)))
    fig = plot.spectrum_training(dynamics)
    heat, norms = fig.axes[:2]
    assert np.array_equal(heat.images[0].get_array(), np.clip(amplitude, 0, 1))  # frequency across, step upwards
    assert [t.get_text() for t in heat.get_xticklabels()] == ["5", "10", "15", "20"]
    assert len(norms.lines) == 3
    assert np.array_equal(norms.lines[1].get_ydata(), dynamics.spectral_norms[:, 1])


def test_spectrum_2d_on_its_own_figure_keeps_its_labels_inside():
    k = np.array([(a, b) for a in range(-4, 5) for b in range(-4, 5)], dtype=float)
    values = np.exp(-np.abs(k).sum(axis=1, keepdims=True) * 2.0) + 0j  # seven decades: a log colour bar
    ax = plot.spectrum(SimpleNamespace(frequencies=k, values=values, certified_digits=np.full((len(k), 1), 10)))
    ax.figure.canvas.draw()
    assert ax.yaxis.label.get_window_extent().x0 >= 0
    assert ax.xaxis.label.get_window_extent().y0 >= 0


def test_what_a_figure_cannot_show_is_refused():
    three_d = SimpleNamespace(dim=3, domain=(0, 1) * 3, vertices=np.zeros((4, 3)), vertex_offsets=np.array([0, 4]))
    with pytest.raises(ValueError, match="1D and 2D"):
        plot.regions(three_d)
    with pytest.raises(ValueError, match="1024 patterns"):
        plot.patterns(np.zeros((64 * 64, 2), dtype=bool), 32, (0, 1, 0, 1))
    one_output = SimpleNamespace(frequencies=np.array([[1.0]]), values=np.array([[1 + 0j]]), certified_digits=np.array([[9]]))
    with pytest.raises(ValueError, match="output 3"):
        plot.spectrum(one_output, out=3)
