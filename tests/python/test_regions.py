"""relutope.regions against an independent exact enumeration in Python (oracle.py): 1D
breakpoints in Fractions, 2D convex polygons clipped exactly layer by layer. Counts, patterns,
exact lengths/areas, exact maps, adjacency, linear pieces, dead neurons, sampled counts (numpy on
the grid of cell centres), and the shapes and dtypes of every array."""
import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from torch import nn

import oracle
from oracle import DEGENERATE, compose_slice, exact_acts
import relutope
from conftest import arrays_of, mlp, numpy_forward

NETS_1D = {
    "1-16-16-1": (lambda: mlp([1, 16, 16, 1], seed=1), (-1, 1)),
    "1-24-24-24-2 f32 on [-3,2]": (lambda: mlp([1, 24, 24, 24, 2], seed=5, dtype=torch.float32), (-3, 2)),
    "1-20-20-1 leaky": (lambda: mlp([1, 20, 20, 1], seed=6, leaky=0.125), ("-1/3", "7/5")),
}
NETS_2D = {
    "2-6-5-1": (lambda: mlp([2, 6, 5, 1], seed=2), (-1, 1, -1, 1)),
    "2-10-10-2 f32": (lambda: mlp([2, 10, 10, 2], seed=3, dtype=torch.float32), (-1, 1, -1, 1)),
    "2-8-8-8-1 box": (lambda: mlp([2, 8, 8, 8, 1], seed=4), (0, 2, "-1/2", 1)),
    "2-12-6-1 leaky": (lambda: mlp([2, 12, 6, 1], seed=8, leaky=0.3), (-2, 2, -1, 1)),
}


def by_pattern(partition):
    keys = [tuple(bool(b) for b in row) for row in partition.patterns]
    assert len(set(keys)) == len(keys), "two regions share a pattern"
    return {k: i for i, k in enumerate(keys)}


def exact_box(domain):
    return tuple(Fraction(v) for v in domain)


def as_q(domain):
    return [Fraction(v) for v in domain]


# --- 1D --------------------------------------------------------------------------------------


@pytest.fixture(params=list(NETS_1D), scope="module")
def case_1d(request):
    make, domain = NETS_1D[request.param]
    module = make()
    net = relutope.Network.from_torch(module)
    partition = relutope.regions(net, domain, progress=False)
    truth = oracle.partition_1d(oracle.exact_layers_of_torch(module), *as_q(domain))
    return module, net, partition, truth, as_q(domain)


def test_1d_count_and_patterns(case_1d):
    module, net, partition, truth, _ = case_1d
    assert partition.count == len(truth) == len(partition)
    assert by_pattern(partition).keys() == {p for _, _, p, _ in truth}


def test_1d_intervals_lengths_and_maps_exact(case_1d):
    module, net, partition, truth, (a, b) = case_1d
    index = by_pattern(partition)
    total = Fraction(0)
    for x0, x1, pattern, maps in truth:
        r = index[pattern]
        assert sorted(v[0] for v in partition.exact_vertices(r)) == [x0, x1]
        assert partition.exact_measure(r) == x1 - x0
        total += partition.exact_measure(r)
        W, c = partition.exact_map(r)
        assert [(row[0], ci) for row, ci in zip(W, c)] == [tuple(m) for m in maps]
    assert total == b - a
    assert math.isclose(partition.measures.sum(), float(b - a), rel_tol=1e-14)


def test_1d_patterns_at_exact_midpoints(case_1d):
    """Each region's pattern is the one the exact network has at the midpoint of its interval."""
    module, net, partition, _, _ = case_1d
    layers = oracle.exact_layers_of_torch(module)
    for r in range(partition.count):
        (x0,), (x1,) = partition.exact_vertices(r)
        _, bits = oracle.forward_exact(layers, [(x0 + x1) / 2])
        assert bits == tuple(bool(v) for v in partition.patterns[r])


def test_1d_linear_pieces(case_1d):
    """Neighbouring intervals merge into one piece iff their affine maps are equal."""
    module, net, partition, truth, _ = case_1d
    pieces = 1 + sum(1 for u, v in zip(truth, truth[1:]) if u[3] != v[3])
    assert partition.linear_pieces == pieces <= partition.count


def test_1d_adjacency_and_shapes(case_1d):
    """Neighbouring intervals (sharing an endpoint) are the adjacent pairs; vertices (V, 1)."""
    module, net, partition, truth, _ = case_1d
    index = by_pattern(partition)
    pairs = {frozenset((index[u[2]], index[v[2]])) for u, v in zip(truth, truth[1:])}
    assert {frozenset(map(int, p)) for p in partition.adjacent} == pairs
    assert partition.vertices.shape == (2 * partition.count, 1) and np.all(np.diff(partition.vertex_offsets) == 2)
    assert partition.maps.shape == (partition.count, net.output_dim, 2)


def test_linear_pieces_fewer_than_regions():
    """A neuron whose outgoing weights are zero cuts regions but not pieces."""
    module = mlp([1, 12, 1], seed=9)
    with torch.no_grad():
        module[2].weight[0, :4] = 0
    partition = relutope.regions(relutope.Network.from_torch(module), (-1, 1), progress=False)
    truth = oracle.partition_1d(oracle.exact_layers_of_torch(module), -1, 1)
    pieces = 1 + sum(1 for u, v in zip(truth, truth[1:]) if u[3] != v[3])
    assert partition.count == len(truth)
    assert partition.linear_pieces == pieces < partition.count


def test_1d_sampled_count_against_numpy_grid(case_1d):
    module, net, _, truth, (a, b) = case_1d
    R = 50
    partition = relutope.regions(net, [a, b], sample=R, progress=False)
    centres = float(a) + (np.arange(R) + 0.5) * float(b - a) / R
    W, B = arrays_of(module)
    slope = next((m.negative_slope for m in module if isinstance(m, nn.LeakyReLU)), 0.0)
    _, pats = numpy_forward(W, B, centres[:, None], slope)
    assert partition.sampled.resolution == R
    assert partition.sampled.distinct_patterns == len({tuple(p) for p in pats})
    assert np.array_equal(relutope.sampled_patterns(net, [a, b], resolution=R), pats)


# --- 2D --------------------------------------------------------------------------------------


@pytest.fixture(params=list(NETS_2D), scope="module")
def case_2d(request):
    make, domain = NETS_2D[request.param]
    module = make()
    net = relutope.Network.from_torch(module)
    partition = relutope.regions(net, domain, progress=False)
    truth = oracle.partition_2d(oracle.exact_layers_of_torch(module), as_q(domain))
    return module, net, partition, truth, as_q(domain)


def test_2d_count_and_patterns(case_2d):
    module, net, partition, truth, _ = case_2d
    assert partition.count == len(truth)
    assert by_pattern(partition).keys() == {p for _, p, _ in truth}


def on_boundary(point, poly):
    for i in range(len(poly)):
        a, b = poly[i], poly[(i + 1) % len(poly)]
        cross = (b[0] - a[0]) * (point[1] - a[1]) - (b[1] - a[1]) * (point[0] - a[0])
        if cross == 0 and min(a[0], b[0]) <= point[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= point[1] <= max(a[1], b[1]):
            return True
    return False


def test_2d_polygons_areas_and_maps_exact(case_2d):
    module, net, partition, truth, (x0, x1, y0, y1) = case_2d
    index = by_pattern(partition)
    total = Fraction(0)
    for poly, pattern, maps in truth:
        r = index[pattern]
        verts = partition.exact_vertices(r)
        # the same polygon: every corner of ours is one of its vertices, each of its on our boundary
        assert set(poly) <= set(verts)
        assert all(on_boundary(v, poly) for v in verts)
        # counter-clockwise, and the shoelace area is the exact measure
        assert oracle.polygon_area(verts) == oracle.polygon_area(poly) == partition.exact_measure(r) > 0
        total += partition.exact_measure(r)
        W, c = partition.exact_map(r)
        assert [(row[0], row[1], ci) for row, ci in zip(W, c)] == [tuple(m) for m in maps]
    assert total == (x1 - x0) * (y1 - y0)
    assert math.isclose(partition.measures.sum(), float(total), rel_tol=1e-13)
    for r in range(partition.count):
        assert math.isclose(partition.measures[r], float(partition.exact_measure(r)), rel_tol=1e-14)


def test_2d_float_maps_agree_with_the_network_inside(case_2d):
    """maps[r] against net at interior points and against finite differences of net."""
    module, net, partition, truth, _ = case_2d
    rng = np.random.default_rng(0)
    for r in range(partition.count):
        V = partition.vertices[partition.vertex_offsets[r]:partition.vertex_offsets[r + 1]]
        w = rng.dirichlet(np.ones(len(V)) * 5, size=4)
        x = w @ V
        inside = np.all(net.patterns(x) == partition.patterns[r], axis=1)
        x = x[inside]
        if not len(x):
            continue
        M = partition.maps[r]
        y = net(x)
        pred = x @ M[:, :2].T + M[:, 2]
        assert np.allclose(pred, y, rtol=1e-12, atol=1e-12)
        # finite differences inside the region (steps that keep the pattern)
        c = x[0]
        for axis in range(2):
            h = np.zeros(2)
            h[axis] = 1e-7
            pts = np.array([c - h, c + h])
            if np.all(net.patterns(pts) == partition.patterns[r]):
                fd = (net(pts[1:]) - net(pts[:1]))[0] / 2e-7
                assert np.allclose(fd, M[:, axis], rtol=1e-5, atol=1e-7)
        assert np.all(partition.map_radius[r] < 1e-10)


def test_2d_adjacency_and_linear_pieces(case_2d):
    module, net, partition, truth, _ = case_2d
    index = by_pattern(partition)
    pairs = set()
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            if oracle.share_edge(truth[i][0], truth[j][0]):
                pairs.add(frozenset((index[truth[i][1]], index[truth[j][1]])))
    got = {frozenset(map(int, p)) for p in partition.adjacent}
    assert len(got) == len(partition.adjacent)
    assert got == pairs
    # linear pieces: connected components of adjacent regions with equal exact maps
    parent = list(range(len(truth)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    maps = {index[p]: m for _, p, m in truth}
    for pair in pairs:
        a, b = tuple(pair)
        if maps[a] == maps[b]:
            parent[find(a)] = find(b)
    components = len({find(i) for i in range(len(truth))})
    assert partition.linear_pieces == components <= partition.count
    # piece: a labelling of those components
    piece_of = {}
    for r in range(partition.count):
        piece_of.setdefault(find(r), set()).add(int(partition.piece[r]))
    assert all(len(v) == 1 for v in piece_of.values())
    assert len({next(iter(v)) for v in piece_of.values()}) == components


def test_2d_linear_pieces_fewer_than_regions():
    module = mlp([2, 8, 1], seed=12)
    with torch.no_grad():
        module[2].weight[0, :3] = 0
    box = (-1, 1, -1, 1)
    partition = relutope.regions(relutope.Network.from_torch(module), box, progress=False)
    truth = oracle.partition_2d(oracle.exact_layers_of_torch(module), as_q(box))
    # pieces: the regions of the 5 neurons with weight, as an independent count
    kept = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 1)).double()
    with torch.no_grad():
        kept[0].weight.copy_(module[0].weight[3:])
        kept[0].bias.copy_(module[0].bias[3:])
        kept[2].weight.copy_(module[2].weight[:, 3:])
        kept[2].bias.copy_(module[2].bias)
    pieces = oracle.partition_2d(oracle.exact_layers_of_torch(kept), as_q(box))
    assert partition.count == len(truth)
    assert partition.linear_pieces == len(pieces) < partition.count


def test_2d_vertex_labels_name_the_hyperplanes_through_each_vertex(case_2d):
    """Exactly: a vertex labelled (layer, neuron) has that neuron's pre-activation 0 there (within
    the region's pattern), a label (-1, 2i/2i+1) puts it on the lower/upper face of axis i."""
    module, net, partition, truth, box = case_2d
    layers = oracle.exact_layers_of_torch(module)
    for r in range(partition.count):
        verts = partition.exact_vertices(r)
        labels = partition.vertex_labels[partition.vertex_offsets[r]:partition.vertex_offsets[r + 1]]
        assert len(verts) == len(labels)
        for v, lab in zip(verts, labels):
            for layer, neuron in lab:
                if layer == -1:
                    assert v[neuron // 2] == box[neuron]
                else:
                    assert zero_preactivation(layers, v, layer, neuron, partition.patterns[r])


def zero_preactivation(layers, x, layer, neuron, pattern):
    """Pre-activation of (layer, neuron) at x through the region's own pattern (its affine map)."""
    h = list(x)
    k = 0
    for li, (W, b, act) in enumerate(layers):
        z = [sum((w * v for w, v in zip(row, h)), Fraction(0)) + bj for row, bj in zip(W, b)]
        if li == layer:
            return z[neuron] == 0
        bits = pattern[k:k + len(z)]
        k += len(z)
        h = [zz if bit else (zz * act[1] if isinstance(act, tuple) else 0 * zz) for zz, bit in zip(z, bits)]
    raise AssertionError("no such layer")


def test_2d_facets_sides_agree_with_patterns(case_2d):
    module, net, partition, truth, _ = case_2d
    sizes = [l.weight.shape[0] for l in net.layers]
    offsets = np.cumsum([0] + sizes)
    for r in range(partition.count):
        labels = partition.facet_labels[partition.facet_offsets[r]:partition.facet_offsets[r + 1]]
        sides = partition.facet_sides[partition.facet_offsets[r]:partition.facet_offsets[r + 1]]
        assert len(labels) >= 3
        for (layer, neuron), side in zip(labels, sides):
            if layer >= 0:
                assert side == (1 if partition.patterns[r][offsets[layer] + neuron] else -1)


def test_2d_sampled_against_numpy_grid(case_2d):
    module, net, _, truth, (x0, x1, y0, y1) = case_2d
    R = 40
    partition = relutope.regions(net, [x0, x1, y0, y1], sample=R, progress=False)
    cx = float(x0) + (np.arange(R) + 0.5) * float(x1 - x0) / R
    cy = float(y0) + (np.arange(R) + 0.5) * float(y1 - y0) / R
    grid = np.stack(np.meshgrid(cx, cy, indexing="ij"), axis=-1).reshape(-1, 2)  # last coordinate fastest
    W, B = arrays_of(module)
    slope = next((m.negative_slope for m in module if isinstance(m, nn.LeakyReLU)), 0.0)
    _, pats = numpy_forward(W, B, grid, slope)
    distinct = {tuple(p) for p in pats}
    s = partition.sampled
    assert s.resolution == R
    assert s.distinct_patterns == len(distinct)
    assert np.array_equal(relutope.sampled_patterns(net, [x0, x1, y0, y1], resolution=R), pats)
    index = by_pattern(partition)
    found = {index[p] for p in distinct if p in index}
    assert s.regions_found == len(found)
    assert s.foreign_patterns == len(distinct) - len(found)
    assert set(map(int, s.missed)) == set(range(partition.count)) - found
    if len(s.missed):
        smallest = min(partition.exact_measure(int(r)) for r in s.missed)
        assert s.smallest_missed == smallest


def test_2d_dead_neurons_exact():
    module = mlp([2, 6, 6, 1], seed=13)
    with torch.no_grad():
        module[0].bias[2] = -50.0   # never active on the box
        module[2].bias[4] = -50.0
    box = (-1, 1, -1, 1)
    net = relutope.Network.from_torch(module)
    partition = relutope.regions(net, box, progress=False)
    truth = oracle.partition_2d(oracle.exact_layers_of_torch(module), as_q(box))
    dead = {(l, j) for l, size_off in ((0, 0), (1, 6)) for j in range(6)
            if not any(p[size_off + j] for _, p, _ in truth)}
    assert (0, 2) in dead and (1, 4) in dead
    assert {tuple(map(int, d)) for d in partition.dead_neurons} == dead


def test_2d_locate_interior_points(case_2d):
    module, net, partition, truth, (x0, x1, y0, y1) = case_2d
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.uniform(float(x0), float(x1), 300), rng.uniform(float(y0), float(y1), 300)])
    index = by_pattern(partition)
    want = np.array([index[tuple(bool(b) for b in p)] for p in net.patterns(x)])
    assert np.array_equal(partition.locate(x), want)


def test_lipschitz_against_exact_maps_and_numpy_norms(case_2d):
    """max over regions of the spectral norm of the region's Jacobian (outputs x 2), by numpy from
    our exact maps (one output: the exact norm of the gradient)."""
    module, net, partition, truth, _ = case_2d
    lip = partition.lipschitz
    if len(net.layers[-1].bias) == 1:
        best = max(math.sqrt(sum(g * g for g in m[0][:2])) for _, _, m in truth)
        assert lip.lower <= best * (1 + 1e-15) and best <= lip.upper * (1 + 1e-15)
        assert math.isclose(lip.value, best, rel_tol=1e-14)
    else:
        norms = [np.linalg.norm(np.array([[float(g) for g in row[:2]] for row in m]), 2) for _, _, m in truth]
        best = max(norms)
        assert math.isclose(lip.value, best, rel_tol=1e-12)
        assert lip.lower <= best * (1 + 1e-12) and best <= lip.upper * (1 + 1e-12)
        assert by_pattern(partition)[truth[int(np.argmax(norms))][1]] == lip.region or \
            math.isclose(norms[int(np.argmax(norms))], sorted(norms)[-2], rel_tol=1e-12)
    product = np.prod([np.linalg.norm(l.weight, 2) for l in net.layers])
    assert math.isclose(lip.product_of_norms, product, rel_tol=1e-10)


# --- shapes, dtypes, iteration, regions streamed ---------------------------------------------


def test_partition_shapes_and_dtypes(net_2d):
    net = relutope.Network.from_torch(net_2d)
    p = relutope.regions(net, (-1, 1, -1, 1), sample=8, progress=False)
    n, H, V = p.count, net.hidden_neurons, len(p.vertices)
    F = len(p.facet_labels)
    assert (p.dim, p.outputs, p.hidden_neurons) == (2, 1, H)
    assert p.domain == (-1, 1, -1, 1) and all(isinstance(v, Fraction) for v in p.domain)
    expect = {
        "vertices": ((V, 2), np.float64), "vertex_offsets": ((n + 1,), np.int64), "vertex_labels": ((V, 2, 2), np.int32),
        "facet_labels": ((F, 2), np.int32), "facet_sides": ((F,), np.int8), "facet_offsets": ((n + 1,), np.int64),
        "patterns": ((n, H), np.bool_), "maps": ((n, 1, 3), np.float64), "map_radius": ((n,), np.float64),
        "measures": ((n,), np.float64), "piece": ((n,), np.int64), "dead_neurons": ((len(p.dead_neurons), 2), np.int64),
    }
    for name, (shape, dtype) in expect.items():
        a = getattr(p, name)
        assert isinstance(a, np.ndarray) and a.shape == shape and a.dtype == dtype, (name, a.shape, a.dtype)
    assert p.adjacent.dtype == np.int64 and p.adjacent.ndim == 2 and p.adjacent.shape[1] == 2
    assert p.vertex_offsets[0] == 0 and p.vertex_offsets[-1] == V and np.all(np.diff(p.vertex_offsets) >= 3)
    assert p.facet_offsets[0] == 0 and p.facet_offsets[-1] == F
    W1, b1 = p.first_layer
    assert W1.shape == (6, 2) and b1.shape == (6,)
    assert isinstance(p.sampled.missed, np.ndarray) and p.sampled.missed.dtype == np.int64
    for r in (0, n - 1):
        region = p[r]
        assert region.index == r and region.dim == 2
        assert region.pattern.dtype == np.bool_ and np.array_equal(region.pattern, p.patterns[r])
        assert np.array_equal(region.vertices, p.vertices[p.vertex_offsets[r]:p.vertex_offsets[r + 1]])
        assert region.vertex_labels.dtype == np.int32 and region.vertex_labels.shape == (len(region.vertices), 2, 2)
        assert region.facet_labels.dtype == np.int32 and region.facet_sides.dtype == np.int8
        assert region.map.shape == (1, 3) and np.array_equal(region.map, p.maps[r])
        assert region.exact_measure() == p.exact_measure(r)
        assert region.exact_map() == p.exact_map(r) and region.exact_vertices() == p.exact_vertices(r)
    assert len(p) == n and [reg.index for reg in p] == list(range(n))


def test_iter_regions_same_regions_same_order():
    module = mlp([2, 10, 10, 2], seed=3, dtype=torch.float32)
    net = relutope.Network.from_torch(module)
    box = (-1, 1, -1, 1)
    held = relutope.regions(net, box, progress=False)
    streamed = list(relutope.iter_regions(net, box, progress=False))
    assert len(streamed) == held.count
    for r, region in enumerate(streamed):
        assert np.array_equal(region.pattern, held.patterns[r])
        assert np.array_equal(region.vertices, held.vertices[held.vertex_offsets[r]:held.vertex_offsets[r + 1]])
        assert np.array_equal(region.map, held.maps[r])
        assert region.exact_measure() == held.exact_measure(r)
    threaded = [r.pattern for r in relutope.iter_regions(net, box, threads=2, progress=False)]
    assert np.array_equal(np.array(threaded), held.patterns)


def test_iter_regions_break_early():
    module = mlp([2, 16, 16, 1], seed=3)
    net = relutope.Network.from_torch(module)
    it = relutope.iter_regions(net, (-1, 1, -1, 1), progress=False)
    first = [next(it) for _ in range(3)]
    del it
    held = relutope.regions(net, (-1, 1, -1, 1), progress=False)
    assert [np.array_equal(a.pattern, held.patterns[i]) for i, a in enumerate(first)] == [True] * 3


def test_threads_do_not_change_the_result():
    net = relutope.Network.from_torch(mlp([2, 12, 12, 1], seed=14))
    a = relutope.regions(net, (-1, 1, -1, 1), threads=1, progress=False)
    b = relutope.regions(net, (-1, 1, -1, 1), threads=2, progress=False)
    assert np.array_equal(a.patterns, b.patterns) and np.array_equal(a.vertices, b.vertices)


def test_domain_forms_are_the_same_box():
    net = relutope.Network.from_torch(mlp([2, 6, 1], seed=15))
    counts = {relutope.regions(net, d, progress=False).count
              for d in ["-1/2,1,0,0.3", ("-0.5", 1, 0, "3/10"), [Fraction(-1, 2), 1, 0, Fraction(3, 10)]]}
    assert len(counts) == 1
    p = relutope.regions(net, "-1/2,1,0,0.3", progress=False)
    assert p.domain == (Fraction(-1, 2), 1, 0, Fraction(3, 10))
    assert sum(p.exact_measure(r) for r in range(p.count)) == Fraction(3, 2) * Fraction(3, 10)


def test_network_domain_is_the_default():
    module = mlp([2, 6, 1], seed=15)
    net = relutope.Network.from_torch(module, domain=[0, 1, 0, 1])
    assert relutope.regions(net, progress=False).count == relutope.regions(net.with_domain("0,1,0,1"), progress=False).count
    assert relutope.regions(net, progress=False).domain == (0, 1, 0, 1)


# --- slices ----------------------------------------------------------------------------------


def test_plane_slice_of_a_3_input_network():
    module = mlp([3, 8, 8, 1], seed=16)
    net = relutope.Network.from_torch(module)
    o, u, v = ("0.1", 0, "-1/4"), (1, "1/2", 0), (0, "1/3", 1)
    box = (-1, 1, -1, 1)
    partition = relutope.regions(net, box, slice=(o, u, v), progress=False)
    truth = oracle.partition_2d(compose_slice(module, o, u, v), as_q(box))
    assert partition.count == len(truth)
    assert set(by_pattern(partition)) == {p for _, p, _ in truth}
    text = relutope.regions(net, "-1,1,-1,1", slice="0.1,0,-1/4:1,1/2,0:0,1/3,1", progress=False)
    assert np.array_equal(text.patterns, partition.patterns)


def test_line_slice_of_a_2_input_network():
    module = mlp([2, 10, 10, 1], seed=17)
    net = relutope.Network.from_torch(module)
    o, u = ((0, "1/7"), (1, "-2/3"))
    partition = relutope.regions(net, (-2, 2), slice=(o, u), progress=False)
    truth = oracle.partition_1d(compose_slice(module, o, u), -2, 2)
    assert partition.count == len(truth)
    index = by_pattern(partition)
    for x0, x1, pattern, _ in truth:
        assert partition.exact_measure(index[pattern]) == x1 - x0


# --- 3D: volumes and sampled patterns (the brute force here is 2D only) ------------------------


def test_3d_volumes_sum_exactly_and_samples_are_regions():
    module = mlp([3, 7, 6, 1], seed=18)
    net = relutope.Network.from_torch(module)
    partition = relutope.regions(net, (0, 1, -1, 1, "-1/2", "1/2"), sample=12, progress=False)
    assert sum(partition.exact_measure(r) for r in range(partition.count)) == 2
    index = by_pattern(partition)
    rng = np.random.default_rng(2)
    x = np.column_stack([rng.uniform(0, 1, 2000), rng.uniform(-1, 1, 2000), rng.uniform(-0.5, 0.5, 2000)])
    assert all(tuple(bool(b) for b in p) in index for p in net.patterns(x))
    assert partition.sampled.foreign_patterns == 0
    # every 2D slice z = const is a union of slices of the 3D regions: its patterns are among them
    o, u, v = (0, 0, "1/8"), (1, 0, 0), (0, 1, 0)
    sl = relutope.regions(net, (0, 1, -1, 1), slice=(o, u, v), progress=False)
    truth = oracle.partition_2d(compose_slice(module, o, u, v), as_q((0, 1, -1, 1)))
    assert sl.count == len(truth)
    assert {p for _, p, _ in truth} <= set(index)


# --- degenerate arrangements, hand-made with small integers ------------------------------------

@pytest.mark.parametrize("name", list(DEGENERATE))
def test_degenerate_arrangements(name):
    W, B, acts = DEGENERATE[name]
    B = [[float(Fraction(v)) for v in b] for b in B]
    net = relutope.Network.from_arrays([np.array(w, float) for w in W], [np.array(b, float) for b in B],
                                       activations=acts)
    box = (-1, 1, -1, 1)
    partition = relutope.regions(net, box, progress=False)
    truth = oracle.partition_2d(oracle.exact_layers_of_arrays(W, B, exact_acts(acts)), as_q(box))
    assert partition.count == len(truth)
    index = by_pattern(partition)
    assert index.keys() == {p for _, p, _ in truth}
    for poly, pattern, maps in truth:
        r = index[pattern]
        assert partition.exact_measure(r) == oracle.polygon_area(poly)
        W_e, c_e = partition.exact_map(r)
        assert [(row[0], row[1], ci) for row, ci in zip(W_e, c_e)] == [tuple(m) for m in maps]
    pairs = {frozenset((index[truth[i][1]], index[truth[j][1]])) for i, j in oracle.adjacent_pairs_2d(truth)}
    assert {frozenset(map(int, p)) for p in partition.adjacent} == pairs
    assert partition.linear_pieces == oracle.linear_pieces_2d(truth)
    # the pattern at interior points, as eval computes it, names the region that locate finds
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (200, 2))
    pats = net.patterns(x)
    assert pats.shape == (200, partition.hidden_neurons)
    assert np.array_equal(partition.locate(x), [index[tuple(bool(b) for b in p)] for p in pats])


@pytest.mark.parametrize("name", ["concurrent, duplicate, constant", "identity hidden layer", "relu on the output"])
def test_degenerate_in_1d_slices(name):
    """The same networks on the line x = (s, s/3): 1D breakpoints, some of them shared."""
    W, B, acts = DEGENERATE[name]
    B = [[float(Fraction(v)) for v in b] for b in B]
    net = relutope.Network.from_arrays([np.array(w, float) for w in W], [np.array(b, float) for b in B],
                                       activations=acts)
    layers = oracle.exact_layers_of_arrays(W, B, exact_acts(acts))
    o, u = (0, 0), (1, Fraction(1, 3))
    W0, b0, a0 = layers[0]
    sliced = [([[row[0] * u[0] + row[1] * u[1]] for row in W0], b0, a0)] + layers[1:]
    truth = oracle.partition_1d(sliced, -1, 1)
    partition = relutope.regions(net, (-1, 1), slice=(o, u), progress=False)
    assert partition.count == len(truth)
    index = by_pattern(partition)
    for x0, x1, pattern, _ in truth:
        assert partition.exact_measure(index[pattern]) == x1 - x0


# --- distances to the boundary -----------------------------------------------------------------


def segment_sq_distance(p, a, b):
    d = (b[0] - a[0], b[1] - a[1])
    t = ((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / (d[0] * d[0] + d[1] * d[1])
    t = min(max(t, Fraction(0)), Fraction(1))
    c = (a[0] + t * d[0] - p[0], a[1] + t * d[1] - p[1])
    return c[0] * c[0] + c[1] * c[1]


def on_box(a, b, box):
    x0, x1, y0, y1 = box
    return (a[0] == b[0] and a[0] in (x0, x1)) or (a[1] == b[1] and a[1] in (y0, y1))


def neuron_estimate(module, x):
    """min over hidden neurons of |z(x)| / ||grad z(x)||, with numpy (forward-mode Jacobians)."""
    W, B = arrays_of(module)
    best = np.full(len(x), np.inf)
    for n, p in enumerate(x):
        h, J = p.copy(), np.eye(len(p))
        for i, (w, b) in enumerate(zip(W, B)):
            z, Jz = w @ h + b, w @ J
            if i == len(W) - 1:
                break
            g = np.linalg.norm(Jz, axis=1)
            ok = g > 0
            best[n] = min(best[n], np.min(np.abs(z[ok]) / g[ok]) if ok.any() else np.inf)
            on = (z > 0).astype(float)
            h, J = z * on, Jz * on[:, None]
    return best


def test_boundary_distance_exact(case_2d):
    module, net, partition, truth, box = case_2d
    if any(isinstance(m, nn.LeakyReLU) for m in module):
        pytest.skip("the numpy neuron estimate here is for ReLU")
    rng = np.random.default_rng(4)
    x = np.column_stack([rng.uniform(float(box[0]), float(box[1]), 40), rng.uniform(float(box[2]), float(box[3]), 40)])
    got = partition.boundary_distance(x)
    index = by_pattern(partition)
    polys = {index[p]: P for P, p, _ in truth}
    assert np.array_equal(got.region, partition.locate(x))
    for n, p in enumerate(x):
        P = polys[int(got.region[n])]
        q = (Fraction(p[0]), Fraction(p[1]))
        edges = [(P[i], P[(i + 1) % len(P)]) for i in range(len(P))]
        sq = [segment_sq_distance(q, a, b) for a, b in edges if not on_box(a, b, box)]
        if not sq:
            assert np.isnan(got.distance[n])
            continue
        true = math.sqrt(min(sq))
        assert got.lower[n] <= true * (1 + 1e-15) and true <= got.upper[n] * (1 + 1e-15)
        assert math.isclose(got.distance[n], true, rel_tol=1e-14)
    assert np.allclose(got.neuron_estimate, neuron_estimate(module, x), rtol=1e-10)
    assert np.all(got.neuron_estimate <= got.distance * (1 + 1e-12))


def test_boundary_distance_nan_without_a_boundary():
    net = relutope.Network.from_arrays([np.eye(2), np.ones((1, 2))], [np.array([1.0, -1.0]), np.zeros(1)])
    partition = relutope.regions(net, (-1, 1, -1, 1), progress=False)
    assert partition.count == 1
    d = partition.boundary_distance(np.array([[0.0, 0.0], [0.5, -0.5]]))
    assert np.all(np.isnan(d.distance))
    partition.validate()


def test_validate_passes(case_2d):
    case_2d[2].validate()


# --- 3D brute force (oracle.partition_3d: exact polytope clipping) ------------------------------

NETS_3D = {
    "3-6-5-1": (lambda: mlp([3, 6, 5, 1], seed=30), (-1, 1, -1, 1, -1, 1)),
    "3-8-8-1 box": (lambda: mlp([3, 8, 8, 1], seed=31), (0, 1, -1, 1, "-1/2", "1/2")),
    "3-7-5-2 leaky f32": (lambda: mlp([3, 7, 5, 2], seed=33, leaky=0.25, dtype=torch.float32), (-1, 1, -1, 1, -1, 1)),
}


@pytest.mark.parametrize("name", list(NETS_3D))
def test_3d_against_brute_force(name):
    make, box = NETS_3D[name]
    module = make()
    net = relutope.Network.from_torch(module)
    partition = relutope.regions(net, box, progress=False)
    truth = oracle.partition_3d(oracle.exact_layers_of_torch(module), as_q(box))
    assert partition.count == len(truth)
    index = by_pattern(partition)
    assert index.keys() == {p for _, p, _, _ in truth}
    for verts, pattern, maps, volume in truth:
        r = index[pattern]
        assert partition.exact_measure(r) == volume
        assert set(partition.exact_vertices(r)) == set(verts)
        W, c = partition.exact_map(r)
        assert [(*row, ci) for row, ci in zip(W, c)] == [tuple(m) for m in maps]
    assert sum(partition.exact_measure(r) for r in range(partition.count)) == \
        (as_q(box)[1] - as_q(box)[0]) * (as_q(box)[3] - as_q(box)[2]) * (as_q(box)[5] - as_q(box)[4])


def test_3d_degenerate_planes_through_a_line_and_corners():
    W = [[[1, 0, 0], [0, 1, 0], [1, 1, 0], [1, -1, 0], [1, 1, 1], [1, 1, 1]], [[1, -1, 1, 0, 1, 0], [0, 1, 1, 1, -1, 1]],
         [[1, 1]]]
    B = [[0, 0, 0, 0, 0, 0], [0, 0], [0]]
    net = relutope.Network.from_arrays([np.array(w, float) for w in W], [np.array(b, float) for b in B])
    box = (-1, 1, -1, 1, -1, 1)
    partition = relutope.regions(net, box, progress=False)
    truth = oracle.partition_3d(oracle.exact_layers_of_arrays(W, B), as_q(box))
    assert partition.count == len(truth)
    index = by_pattern(partition)
    assert index.keys() == {p for _, p, _, _ in truth}
    for verts, pattern, maps, volume in truth:
        assert partition.exact_measure(index[pattern]) == volume


def test_keep_regions_false_keeps_the_counts():
    module = mlp([2, 10, 10, 2], seed=3, dtype=torch.float32)
    net = relutope.Network.from_torch(module)
    held = relutope.regions(net, (-1, 1, -1, 1), sample=10, progress=False)
    light = relutope.regions(net, (-1, 1, -1, 1), sample=10, keep_regions=False, progress=False)
    assert (light.count, light.linear_pieces) == (held.count, held.linear_pieces)
    assert {tuple(d) for d in light.dead_neurons} == {tuple(d) for d in held.dead_neurons}
    assert light.sampled.distinct_patterns == held.sampled.distinct_patterns
    assert light.lipschitz.value == held.lipschitz.value
    with pytest.raises(ValueError, match="keep_regions"):
        light.patterns


def test_kinks_closer_than_sampling_can_see():
    """Two kinks 2^-50 apart: an exact region of length 2^-50 that no grid of 1000 points sees."""
    W = [np.array([[1.0], [1.0], [-1.0]]), np.array([[1.0, -1.0, 0.5]])]
    B = [np.array([-0.5, -(0.5 + 2.0 ** -50), 0.25]), np.array([0.0])]
    net = relutope.Network.from_arrays(W, B)
    partition = relutope.regions(net, (0, 1), sample=1000, progress=False)
    truth = oracle.partition_1d(oracle.exact_layers_of_arrays(W, B), 0, 1)
    assert partition.count == len(truth) == 4
    assert sorted(partition.exact_measure(r) for r in range(4)) == sorted(x1 - x0 for x0, x1, _, _ in truth)
    assert Fraction(1, 2 ** 50) in {partition.exact_measure(r) for r in range(4)}
    assert partition.sampled.distinct_patterns == 3 and len(partition.sampled.missed) == 1
    assert partition.sampled.smallest_missed == Fraction(1, 2 ** 50)


# --- positional encodings: regions in the encoding space, patterns in the input space -----------


def test_positional_network_slice_of_the_encoding_space_and_samples():
    from test_network import encode
    from conftest import torch_patterns

    module = mlp([8, 6, 5, 1], seed=34)
    net = relutope.Network.from_torch(module, encoding="positional:L=2")
    with pytest.raises(ValueError, match="slice"):
        relutope.regions(net, (0, 1, 0, 1), progress=False)
    o, u, v = [0] * 7 + ["1/2"], [1, 0, 0, "1/3", 0, 0, 0, 0], [0, 1, 0, 0, 0, "-1/2", 0, 0]
    box = (-1, 1, -1, 1)
    partition = relutope.regions(net, box, slice=(o, u, v), progress=False)
    truth = oracle.partition_2d(compose_slice(module, o, u, v), as_q(box))
    assert partition.count == len(truth)
    assert set(by_pattern(partition)) == {p for _, p, _ in truth}
    # sampled patterns on the input domain: the encoded grid of cell centres through torch
    R = 6
    c = (np.arange(R) + 0.5) / R
    grid = np.stack(np.meshgrid(c, c, indexing="ij"), axis=-1).reshape(-1, 2)
    got = relutope.sampled_patterns(net, (0, 1, 0, 1), resolution=R)
    assert np.array_equal(got, torch_patterns(module, encode(grid, 2)))


def test_leaky_neurons_are_never_dead_and_layers_count_hidden_layers():
    import torch

    # Layer 0: leaky, every neuron negative on the box; then a Linear without activation; layer 1:
    # ReLU, neuron 0 negative on the box. Only the ReLU neuron is dead; it sits in hidden layer 1.
    model = torch.nn.Sequential(torch.nn.Linear(1, 2), torch.nn.LeakyReLU(0.2), torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                                torch.nn.ReLU(), torch.nn.Linear(2, 1)).double()
    with torch.no_grad():
        model[0].weight[:] = torch.tensor([[1.0], [-1.0]])
        model[0].bias[:] = torch.tensor([-5.0, -5.0])
        model[2].weight[:] = torch.eye(2)
        model[2].bias[:] = 0
        model[3].weight[:] = torch.eye(2)
        model[3].bias[:] = torch.tensor([-10.0, 10.0])
    net = relutope.Network.from_torch(model, domain=[0, 1])
    assert relutope.regions(net, progress=False).dead_neurons.tolist() == [[1, 0]]
