"""Independent oracles for the Python tests: exact evaluation, exact 1D/2D partitions and Fourier
integrals, written from the definitions alone (fractions.Fraction and mpmath), sharing no code or
numbers with relutope. Deliberately simple and slow: meant for networks of a few dozen neurons.

A network here is a list of layers (W, b, act): W a list of rows of Fractions (out x in), b a list
of Fractions, act "relu", "identity" or ("leaky", slope as a Fraction).
"""
from fractions import Fraction as Q

import mpmath

# --- networks as exact layers ------------------------------------------------------------------


def exact_layers_of_torch(module):
    """The exact layers of an nn.Sequential of Linear/ReLU/LeakyReLU/Identity/Flatten (nested too)."""
    from torch import nn

    layers = []

    def visit(m):
        if isinstance(m, nn.Sequential):
            for sub in m:
                visit(sub)
        elif isinstance(m, nn.Linear):
            W = [[Q(v) for v in row] for row in m.weight.detach().double().tolist()]
            b = [Q(v) for v in m.bias.detach().double().tolist()] if m.bias is not None else [Q(0)] * len(W)
            layers.append([W, b, "identity"])
        elif isinstance(m, nn.ReLU):
            layers[-1][2] = "relu"
        elif isinstance(m, nn.LeakyReLU):
            layers[-1][2] = ("leaky", Q(float(m.negative_slope)))
        elif isinstance(m, (nn.Identity, nn.Flatten)):
            pass
        else:
            raise TypeError(type(m))

    visit(module)
    return [tuple(layer) for layer in layers]


def exact_layers_of_arrays(weights, biases, acts=None):
    layers = []
    for i, (W, b) in enumerate(zip(weights, biases)):
        act = acts[i] if acts else ("relu" if i < len(weights) - 1 else "identity")
        layers.append(([[Q(float(v)) for v in row] for row in W], [Q(float(v)) for v in b], act))
    return layers


def _activate(act, z):
    if act == "relu":
        return z if z > 0 else z * 0
    if act == "identity":
        return z
    return z if z > 0 else z * act[1]


def has_kink(act):
    """Neurons whose activation has a kink carry a pattern bit (README: identity layers carry none)."""
    return act != "identity"


def forward_exact(layers, x):
    """f(x) and the activation pattern (z > 0 of every neuron with a kinked activation), exactly."""
    h = [Q(v) for v in x]
    bits = []
    for li, (W, b, act) in enumerate(layers):
        z = [sum((w * v for w, v in zip(row, h)), Q(0)) + bj for row, bj in zip(W, b)]
        if has_kink(act):
            bits.extend(v > 0 for v in z)
        h = [_activate(act, v) for v in z]
    return h, tuple(bits)


# --- affine functions: tuples (g_1, ..., g_d, c) meaning g.x + c ---------------------------------


def _affine_layer(W, b, act, h, bits_out):
    """Pre-activations z = W h + b of affine inputs h, and the activated outputs given z's signs."""
    d1 = len(h[0])
    z = []
    for row, bj in zip(W, b):
        coeffs = [Q(0)] * d1
        for w, hv in zip(row, h):
            if w:
                for i in range(d1):
                    coeffs[i] += w * hv[i]
        coeffs[-1] += bj
        z.append(tuple(coeffs))
    return z


def _apply(act, zaff, positive):
    if act == "identity" or positive:
        return zaff
    if act == "relu":
        return tuple(Q(0) for _ in zaff)
    return tuple(act[1] * c for c in zaff)


def _value(aff, x):
    return sum((g * v for g, v in zip(aff[:-1], x)), Q(0)) + aff[-1]


# --- 1D ------------------------------------------------------------------------------------------


def partition_1d(layers, a, b):
    """The exact activation regions of a 1-input network on [a, b]: a list of
    (x0, x1, pattern, output maps [(slope, intercept), ...]), left to right, maximal intervals."""
    a, b = Q(a), Q(b)
    pieces = [(a, b, [(Q(1), Q(0))], ())]
    for li, (W, bias, act) in enumerate(layers):
        new = []
        for x0, x1, h, pat in pieces:
            z = _affine_layer(W, bias, act, h, None)
            cuts = set()
            if has_kink(act):
                for s, t in z:
                    if s != 0:
                        r = -t / s
                        if x0 < r < x1:
                            cuts.add(r)
            pts = [x0] + sorted(cuts) + [x1]
            for u0, u1 in zip(pts, pts[1:]):
                mid = (u0 + u1) / 2
                bits = tuple(_value(zz, (mid,)) > 0 for zz in z)
                out = [_apply(act, zz, bit) for zz, bit in zip(z, bits)]
                new.append((u0, u1, out, pat + bits if has_kink(act) else pat))
        pieces = new
    merged = []
    for x0, x1, out, pat in pieces:
        if merged and merged[-1][2] == pat:
            assert merged[-1][3] == out
            merged[-1] = (merged[-1][0], x1, pat, out)
        else:
            merged.append((x0, x1, pat, out))
    return merged


def breakpoints_1d(layers, a, b):
    return [p[0] for p in partition_1d(layers, a, b)[1:]]


# --- 2D: convex polygons as CCW lists of exact vertices -------------------------------------------


def polygon_area(poly):
    s = Q(0)
    n = len(poly)
    for i in range(n):
        (x0, y0), (x1, y1) = poly[i], poly[(i + 1) % n]
        s += x0 * y1 - x1 * y0
    return s / 2


def _clip(poly, aff, sign):
    """The part of the convex polygon where sign * aff >= 0 (aff = (gx, gy, c))."""
    vals = [sign * _value(aff, p) for p in poly]
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        vp, vq = vals[i], vals[(i + 1) % n]
        if vp >= 0:
            out.append(p)
        if (vp > 0 and vq < 0) or (vp < 0 and vq > 0):
            t = vp / (vp - vq)
            out.append(tuple(pc + t * (qc - pc) for pc, qc in zip(p, q)))
    # drop repeated vertices
    clean = []
    for p in out:
        if not clean or clean[-1] != p:
            clean.append(p)
    if len(clean) > 1 and clean[0] == clean[-1]:
        clean.pop()
    return clean


def box_polygon(x0, x1, y0, y1):
    x0, x1, y0, y1 = map(Q, (x0, x1, y0, y1))
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def partition_2d(layers, box):
    """The exact activation regions of a 2-input network on the box (x0, x1, y0, y1): a list of
    (polygon, pattern, output maps [(gx, gy, c), ...]), each polygon convex, CCW, positive area."""
    pieces = [(box_polygon(*box), [(Q(1), Q(0), Q(0)), (Q(0), Q(1), Q(0))], ())]
    for li, (W, bias, act) in enumerate(layers):
        new = []
        for poly, h, pat in pieces:
            z = _affine_layer(W, bias, act, h, None)
            polys = [poly]
            if has_kink(act):
                for zz in z:
                    if zz[0] == 0 and zz[1] == 0:
                        continue
                    split = []
                    for P in polys:
                        vals = [_value(zz, p) for p in P]
                        if min(vals) < 0 < max(vals):
                            for sign in (1, -1):
                                part = _clip(P, zz, sign)
                                if len(part) >= 3 and polygon_area(part) > 0:
                                    split.append(part)
                        else:
                            split.append(P)
                    polys = split
            for P in polys:
                c = centroid(P)
                bits = tuple(_value(zz, c) > 0 for zz in z)
                out = [_apply(act, zz, bit) for zz, bit in zip(z, bits)]
                new.append((P, out, pat + bits if has_kink(act) else pat))
        pieces = new
    return [(P, pat, out) for P, out, pat in pieces]


def centroid(poly):
    n = len(poly)
    return tuple(sum(p[i] for p in poly) / n for i in range(len(poly[0])))


def share_edge(P, Q_):
    """Whether two convex polygons share a boundary segment of positive length."""
    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    for i in range(len(P)):
        a, b = P[i], P[(i + 1) % len(P)]
        d = (b[0] - a[0], b[1] - a[1])
        dd = d[0] * d[0] + d[1] * d[1]
        for j in range(len(Q_)):
            c, e = Q_[j], Q_[(j + 1) % len(Q_)]
            if cross(a, b, c) != 0 or cross(a, b, e) != 0:
                continue
            tc = ((c[0] - a[0]) * d[0] + (c[1] - a[1]) * d[1]) / dd
            te = ((e[0] - a[0]) * d[0] + (e[1] - a[1]) * d[1]) / dd
            lo, hi = max(Q(0), min(tc, te)), min(Q(1), max(tc, te))
            if hi > lo:
                return True
    return False


# --- Fourier coefficients -------------------------------------------------------------------------


def mp(q):
    """A Fraction as an mpf at the current precision."""
    return mpmath.mpf(q.numerator) / q.denominator


def coefficient_1d(pieces, a, b, k, out=0):
    """c(k) = 1/(b-a) int_a^b f(x) exp(-2 pi i k x) dx, summed piece by piece in closed form
    (antiderivative of (s x + t) e^{-iqx}: (i (s x + t)/q + s/q^2) e^{-iqx}); k = 0 exactly."""
    a, b = Q(a), Q(b)
    if k == 0:
        total = Q(0)
        for x0, x1, _, maps in pieces:
            s, t = maps[out]
            total += s * (x1 * x1 - x0 * x0) / 2 + t * (x1 - x0)
        return total / (b - a)
    q = 2 * mpmath.pi * mp(Q(k))
    total = mpmath.mpc(0)
    for x0, x1, _, maps in pieces:
        s, t = (mp(v) for v in maps[out])
        for x, sign in ((mp(x1), 1), (mp(x0), -1)):
            total += sign * (1j * (s * x + t) / q + s / q ** 2) * mpmath.expj(-q * x)
    return total / mp(b - a)


_GL_CACHE = {}


def gauss_legendre_01(n):
    """n-point Gauss-Legendre nodes and weights on [0, 1] at the current mpmath precision (Newton)."""
    key = (n, mpmath.mp.prec)
    if key in _GL_CACHE:
        return _GL_CACHE[key]
    nodes, weights = [], []
    for i in range(1, n + 1):
        x = mpmath.cos(mpmath.pi * (i - mpmath.mpf(1) / 4) / (n + mpmath.mpf(1) / 2))
        for _ in range(100):
            p0, p1 = mpmath.mpf(1), x
            for m in range(2, n + 1):
                p0, p1 = p1, ((2 * m - 1) * x * p1 - (m - 1) * p0) / m
            dp = n * (x * p1 - p0) / (x * x - 1)
            dx = p1 / dp
            x -= dx
            if abs(dx) < mpmath.mpf(2) ** (-mpmath.mp.prec + 4):
                break
        p0, p1 = mpmath.mpf(1), x
        for m in range(2, n + 1):
            p0, p1 = p1, ((2 * m - 1) * x * p1 - (m - 1) * p0) / m
        dp = n * (x * p1 - p0) / (x * x - 1)
        nodes.append((1 - x) / 2)
        weights.append(1 / ((1 - x * x) * dp * dp))
    _GL_CACHE[key] = (nodes, weights)
    return nodes, weights


def coefficient_2d(pieces, box, k, out=0, n=24):
    """c(k) over the box by Gauss-Legendre quadrature on each region's fan triangles in collapsed
    coordinates (x = v0 + u (v1 - v0) + u w (v2 - v1), dx = 2|T| u du dw), at mpmath precision."""
    x0, x1, y0, y1 = map(Q, box)
    kx, ky = (mp(Q(v)) for v in k)
    qx, qy = 2 * mpmath.pi * kx, 2 * mpmath.pi * ky
    nodes, weights = gauss_legendre_01(n)
    total = mpmath.mpc(0)
    for P, _, maps in pieces:
        gx, gy, c = (mp(v) for v in maps[out])
        V = [(mp(p[0]), mp(p[1])) for p in P]
        for j in range(1, len(V) - 1):
            A, B, C = V[0], V[j], V[j + 1]
            area2 = (B[0] - A[0]) * (C[1] - A[1]) - (B[1] - A[1]) * (C[0] - A[0])
            s = mpmath.mpc(0)
            for u, wu in zip(nodes, weights):
                for w, ww in zip(nodes, weights):
                    x = A[0] + u * (B[0] - A[0]) + u * w * (C[0] - B[0])
                    y = A[1] + u * (B[1] - A[1]) + u * w * (C[1] - B[1])
                    s += wu * ww * u * (gx * x + gy * y + c) * mpmath.expj(-(qx * x + qy * y))
            total += s * area2
    return total / mp((x1 - x0) * (y1 - y0))


def last_digit_place(text):
    """10^e of the last digit of a decimal string such as "-4.1263e-4" (e = -8 here)."""
    t = text.strip().lstrip("+-").lower()
    exp = 0
    if "e" in t:
        t, e = t.split("e")
        exp = int(e)
    if "." in t:
        frac = t.split(".")[1]
        return exp - len(frac)
    return exp


def adjacent_pairs_2d(pieces):
    """Index pairs (i < j) of the polygons of partition_2d that share an edge of positive length."""
    return {(i, j) for i in range(len(pieces)) for j in range(i + 1, len(pieces))
            if share_edge(pieces[i][0], pieces[j][0])}


def linear_pieces_2d(pieces):
    """Connected components of regions joined across shared edges where the exact maps are equal."""
    parent = list(range(len(pieces)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i
    for i, j in adjacent_pairs_2d(pieces):
        if pieces[i][2] == pieces[j][2]:
            parent[find(i)] = find(j)
    return len({find(i) for i in range(len(pieces))})


def _ld(q):
    """A Fraction as a numpy longdouble (64-bit mantissa on x86), correctly rounded via mpmath."""
    import numpy as np

    with mpmath.workdps(40):
        return np.longdouble(mpmath.nstr(mp(q), 30))


def coefficient_2d_ld(pieces, box, k, out=0, n=20, max_phase=3.0):
    """c(k) like coefficient_2d but in numpy longdouble (~19 digits), vectorised: fan triangles
    split in four until |q| * diameter <= max_phase, n x n Gauss-Legendre nodes on each."""
    import numpy as np

    ld = np.longdouble
    with mpmath.workdps(40):
        nodes, weights = gauss_legendre_01(n)
        U = np.array([ld(mpmath.nstr(v, 30)) for v in nodes])
        WU = np.array([ld(mpmath.nstr(v, 30)) for v in weights])
    u, w = np.meshgrid(U, U, indexing="ij")
    wt = np.outer(WU, WU)
    kx, ky = (Q(v) for v in k)
    pi = ld("3.14159265358979323846264338327950288")
    qx, qy = 2 * pi * _ld(kx), 2 * pi * _ld(ky)
    qn = float(np.hypot(float(qx), float(qy)))
    re_total, im_total = ld(0), ld(0)
    for P, _, maps in pieces:
        gx, gy, c = (_ld(v) for v in maps[out])
        stack = [(P[0], P[j], P[j + 1]) for j in range(1, len(P) - 1)]
        while stack:
            A, B, C = stack.pop()
            diam = max(float(abs(a[0] - b[0]) + abs(a[1] - b[1])) for a, b in ((A, B), (B, C), (A, C)))
            if qn * diam > max_phase:
                AB = tuple((a + b) / 2 for a, b in zip(A, B))
                BC = tuple((a + b) / 2 for a, b in zip(B, C))
                AC = tuple((a + b) / 2 for a, b in zip(A, C))
                stack += [(A, AB, AC), (AB, B, BC), (AC, BC, C), (AB, BC, AC)]
                continue
            Ax, Ay, Bx, By, Cx, Cy = (_ld(v) for v in (*A, *B, *C))
            area2 = (Bx - Ax) * (Cy - Ay) - (By - Ay) * (Cx - Ax)
            x = Ax + u * (Bx - Ax) + u * w * (Cx - Bx)
            y = Ay + u * (By - Ay) + u * w * (Cy - By)
            g = (gx * x + gy * y + c) * wt * u * area2
            phase = qx * x + qy * y
            re_total += np.sum(g * np.cos(phase))
            im_total -= np.sum(g * np.sin(phase))
    vol = _ld((Q(box[1]) - Q(box[0])) * (Q(box[3]) - Q(box[2])))
    return re_total / vol, im_total / vol


# --- 3D: convex polytopes as vertices, each with the set of planes through it -------------------
# A plane is an affine function (a, b, c, d) (a x + b y + c z + d >= 0 inside). Clipping keeps the
# vertices inside and adds, for every pair of vertices on a common edge line (two shared planes
# with independent normals) on opposite sides, the crossing point.


def _cross(u, v):
    return (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])


def _dot(u, v):
    return sum(a * b for a, b in zip(u, v))


def _sub(u, v):
    return tuple(a - b for a, b in zip(u, v))


def _clip_3d(verts, planes, pid):
    """The part of the polytope {point: set(plane ids)} where planes[pid] >= 0."""
    g = planes[pid]
    val = {p: _value(g, p) for p in verts}
    out = {}
    for p, tight in verts.items():
        if val[p] >= 0:
            out.setdefault(p, set()).update(tight | ({pid} if val[p] == 0 else set()))
    pts = list(verts)
    for i, p in enumerate(pts):
        for q in pts[i + 1:]:
            if not ((val[p] > 0 > val[q]) or (val[p] < 0 < val[q])):
                continue
            common = verts[p] & verts[q]
            normals = [planes[c][:3] for c in common]
            if not any(_cross(a, b) != (0, 0, 0) for a in normals for b in normals):
                continue
            t = val[p] / (val[p] - val[q])
            x = tuple(pc + t * (qc - pc) for pc, qc in zip(p, q))
            out.setdefault(x, set()).update(common | {pid})
    return out


def polytope_volume(verts, planes):
    """Volume of a convex polytope from its vertices and the planes tight at each (facet fans)."""
    pts = list(verts)
    if len(pts) < 4:
        return Q(0)
    c = tuple(sum(p[i] for p in pts) / len(pts) for i in range(3))
    facets = {}
    for p, tight in verts.items():
        for t in tight:
            facets.setdefault(t, []).append(p)
    vol = Q(0)
    for t, fp in facets.items():
        if len(fp) < 3:
            continue
        n = planes[t][:3]
        g = tuple(sum(p[i] for p in fp) / len(fp) for i in range(3))
        r = _sub(fp[0], g)

        def key(p):
            v = _sub(p, g)
            s = _dot(n, _cross(r, v))
            d = _dot(r, v)
            # pseudo-angle of v from r around n, exact: half-plane, then a monotone ratio
            if s == 0 and d > 0:
                return (0, Q(0))
            if s > 0:
                return (1, -d / (abs(d) + abs(s)))
            if s == 0:
                return (2, Q(0))
            return (3, d / (abs(d) + abs(s)))
        ring = sorted(fp, key=key)
        for j in range(1, len(ring) - 1):
            a, b, e = _sub(ring[0], c), _sub(ring[j], c), _sub(ring[j + 1], c)
            vol += abs(_dot(a, _cross(b, e))) / 6
    return vol


def partition_3d(layers, box):
    """The exact activation regions of a 3-input network on the box: a list of
    (vertices {point: planes}, pattern, output maps, volume)."""
    x0, x1, y0, y1, z0, z1 = map(Q, box)
    planes = [(Q(1), Q(0), Q(0), -x0), (Q(-1), Q(0), Q(0), x1), (Q(0), Q(1), Q(0), -y0), (Q(0), Q(-1), Q(0), y1),
              (Q(0), Q(0), Q(1), -z0), (Q(0), Q(0), Q(-1), z1)]
    verts = {}
    for xi, (x, fx) in enumerate(((x0, 0), (x1, 1))):
        for (y, fy) in ((y0, 2), (y1, 3)):
            for (z, fz) in ((z0, 4), (z1, 5)):
                verts[(x, y, z)] = {fx, fy, fz}
    eye = [(Q(1), Q(0), Q(0), Q(0)), (Q(0), Q(1), Q(0), Q(0)), (Q(0), Q(0), Q(1), Q(0))]
    pieces = [(verts, eye, ())]
    for W, bias, act in layers:
        new = []
        for cell, h, pat in pieces:
            z = _affine_layer(W, bias, act, h, None)
            cells = [cell]
            if has_kink(act):
                for zz in z:
                    if zz[:3] == (0, 0, 0):
                        continue
                    split = []
                    for C in cells:
                        vals = [_value(zz, p) for p in C]
                        if min(vals) < 0 < max(vals):
                            for sign in (1, -1):
                                planes.append(tuple(sign * v for v in zz))
                                part = _clip_3d(C, planes, len(planes) - 1)
                                if polytope_volume(part, planes) > 0:
                                    split.append(part)
                        else:
                            split.append(C)
                    cells = split
            for C in cells:
                c = centroid(list(C))
                bits = tuple(_value(zz, c) > 0 for zz in z)
                out = [_apply(act, zz, bit) for zz, bit in zip(z, bits)]
                new.append((C, out, pat + bits if has_kink(act) else pat))
        pieces = new
    return [(C, pat, out, polytope_volume(C, planes)) for C, out, pat in pieces]


# --- networks shared by the tests --------------------------------------------------------------

def compose_slice(module, o, u, v=None):
    """The exact layers of `module` restricted to x = o + s u (+ t v)."""
    layers = exact_layers_of_torch(module)
    W, b, act = layers[0]
    dirs = [u] if v is None else [u, v]
    W2 = [[sum((w * Q(d[i]) for i, w in enumerate(row)), Q(0)) for d in dirs] for row in W]
    b2 = [bj + sum((w * Q(oi) for w, oi in zip(row, o)), Q(0)) for row, bj in zip(W, b)]
    return [(W2, b2, act)] + layers[1:]


DEGENERATE = {
    # three lines through the origin, a duplicated neuron, a constant neuron and a zero one
    "concurrent, duplicate, constant": ([[[1, 0], [0, 1], [1, 1], [1, 1], [0, 0], [0, 0]], [[1, 1, 1, 1, 1, 1]]],
                                        [[0, 0, 0, 0, 1, 0], [0]], None),
    # a second-layer neuron whose zero set passes through the first layer's crossing
    "second layer through a vertex": ([[[1, 0], [0, 1]], [[1, -1], [1, 1]], [[1, 1]]], [[0, 0], [0, 0], [0]], None),
    # a second-layer neuron whose zero set runs along first-layer edges
    "second layer along edges": ([[[1, 0], [0, 1]], [[1, 0], [0, 1], [1, 1]], [[1, 1, 1]]], [[0, 0], [0, 0, 0], [0]], None),
    # diagonals through the box's corners
    "through the corners": ([[[1, -1], [1, 1]], [[1, 1]]], [[0, 0], [0]], None),
    # a kink on the box's edge: cuts nothing
    "kink on the boundary": ([[[1, 0], [0, 1]], [[1, 1]]], [[1, -1], [0]], None),
    # an identity hidden layer carries no bits and makes no cuts; a ReLU after the output does
    "identity hidden layer": ([[[1, 0], [0, 1]], [[1, -1], [1, 1]], [[1, 1]]], [[0, 0], [0, 0], [0]],
                              ["identity", "relu", "identity"]),
    "relu on the output": ([[[1, 0], [0, 1]], [[1, -1]]], [[0, 0], ["1/4"]], ["relu", "relu"]),
    "leaky, with exact slopes": ([[[1, 2], [2, -1], [1, 1]], [[1, 1, -1], [1, -2, 1]], [[1, 1]]],
                                 [[0.5, 0, -0.25], [0, 0.125], [0]], ["leaky_relu:0.5", "leaky_relu:0.25", "identity"]),
    "half dead second layer": ([[[1, 0]], [[1], [-1]], [[1, 1]]], [[0], [0, 0], [0]], None),
}


def exact_acts(acts):
    if acts is None:
        return None
    return [a if a in ("relu", "identity") else ("leaky", Q(a.split(":")[1])) for a in acts]
