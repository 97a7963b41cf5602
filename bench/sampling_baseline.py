#!/usr/bin/python3
"""The sampling baseline for bench/regions.sh and bench/engine.sh: what a user without relutope
would run to count a network's linear regions on a box (2D, 3D or any dimension d).

It evaluates the network on the R^d grid of cell centres, ((i + 1/2)/R, (j + 1/2)/R, ...) scaled
to the domain, in float64 numpy, takes each point's activation pattern (bit = pre-activation > 0,
all hidden layers in order, as relutope's patterns), packs the bits and counts the distinct
patterns. For each R it then matches the sampled patterns against the exact ones (`relutope
regions NET --polygons FILE.geojson`, property "pattern", or `--polytopes FILE.json`, each region's
"pattern") and reports how many exact regions the grid found, and how many sampled patterns are not
exact regions at all ("foreign": float64 rounding, or a grid point exactly on a boundary).

The timed part is only what the user's script does per grid: build the grid, forward pass,
threshold, pack, unique (chunked to bound memory). Loading the network, reading the GeoJSON and the
matching are not timed. Thread counts are the caller's business (the bench scripts set
OMP/OPENBLAS/MKL_NUM_THREADS=1 and pin to one CPU).

  sampling_baseline.py NET.json EXACT.geojson|EXACT.polytopes.json --resolutions 64,128,... [--target 0.99]
                       [--stop] [--max-points N] [--repeat K] [--predict R1,R2,... [--bisect]] [--json OUT]

With --stop, resolutions after the first one that reaches the target coverage are skipped (64 is
always run, the paper's grid). --max-points skips grids larger than N points (reported as skipped).
--predict counts, without sampling, how many exact regions each of these grids would find (a
region is found when a grid centre lies strictly inside its polygon, or its polytope), up to the
first grid that reaches the target: how the benches find the 99% grid when it is too large to
sample. In 2D it reads the GeoJSON's polygons; in 3D and beyond the polytopes' vertices (their
bounding boxes) and facets (each a hidden neuron's zero set, its plane rebuilt in float64 from the
network and the region's pattern, or a face of the box). --bisect then also bisects between the
last predicted grid below the target and the first at it, for the smallest R that reaches it.
Prints one JSON document: {"exact_regions", "dim", "blas", "rows": [{"resolution", "points",
"seconds", "cpu_seconds", "patterns", "found", "coverage", "foreign"}, ...], "predicted":
[{"resolution", "found", "coverage"}, ...], "bisected": {"resolution", "found", "coverage"} or null}.
"""
import argparse
import json
import sys
import time

import numpy as np


def load_network(path):
    with open(path) as f:
        doc = json.load(f)
    if doc.get("format") != "relutope.mlp":
        sys.exit(f"sampling_baseline: {path}: not a relutope.mlp JSON network")
    enc = doc.get("encoding", {"type": "identity"})
    if enc.get("type", "identity") != "identity":
        sys.exit(f"sampling_baseline: {path}: positional encoding not supported here")
    layers = [(np.asarray(l["weight"], dtype=np.float64), np.asarray(l["bias"], dtype=np.float64))
              for l in doc["layers"]]
    domain = [float(v) if not isinstance(v, str) else float_fraction(v) for v in doc["domain"]]
    return layers[:-1], domain  # the output layer plays no part in the patterns


def float_fraction(s):
    if "/" in s:
        p, q = s.split("/")
        return float(p) / float(q)
    return float(s)


def polytope_regions(path):
    """The regions of a `--polytopes` file one at a time (relutope writes one region a line, so a
    file of hundreds of MB is never held whole)."""
    with open(path) as f:
        head = f.readline()
        if '"relutope.polytopes"' not in head:
            sys.exit(f"sampling_baseline: {path}: not a relutope.polytopes file")
        decoder = json.JSONDecoder()
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                yield decoder.raw_decode(line)[0]  # the region; a trailing "," or "]}" is left


def is_polytopes(path):
    with open(path) as f:
        return '"relutope.polytopes"' in f.read(200)


def exact_patterns(path, widths):
    """The exact regions' patterns, packed exactly as the sampled ones are."""
    total = sum(widths)
    if is_polytopes(path):
        strings = [r["pattern"] for r in polytope_regions(path)]
    else:
        with open(path) as f:
            doc = json.load(f)
        strings = [feat["properties"]["pattern"] for feat in doc["features"]]
    if any(len(s) != total for s in strings):
        sys.exit(f"sampling_baseline: {path}: a pattern's length is not {total}")
    if not strings:
        return set(), 0
    bits = np.frombuffer("".join(strings).encode(), dtype=np.uint8).reshape(len(strings), total) == ord("1")
    packed = np.packbits(bits, axis=1)
    return {row.tobytes() for row in packed}, len(strings)


def exact_polygons(path):
    """Each exact region's outer ring as float arrays (x, y), from the GeoJSON's double coordinates."""
    with open(path) as f:
        doc = json.load(f)
    rings = []
    for feat in doc["features"]:
        ring = np.asarray(feat["geometry"]["coordinates"][0], dtype=np.float64)
        rings.append((ring[:, 0], ring[:, 1]))
    return rings


def grid_hits(rings, domain, R):
    """How many regions hold at least one centre of the R x R grid, computed from the polygons
    (no forward pass): for every grid column crossing a convex region, the span of the region on
    that column and whether a grid row lies strictly inside it. A predictor of what the sampled
    grid finds (the polygons' double coordinates, not exact), for grids too large to sample."""
    a, b, c, d = domain
    hx, hy = (b - a) / R, (d - c) / R
    hits = 0
    for xs, ys in rings:
        i0 = max(0, int(np.ceil((xs.min() - a) / hx - 0.5)))
        i1 = min(R - 1, int(np.floor((xs.max() - a) / hx - 0.5)))
        if i1 < i0:
            continue
        cx = a + (np.arange(i0, i1 + 1) + 0.5) * hx
        lo = np.full(cx.shape, np.inf)
        hi = np.full(cx.shape, -np.inf)
        for k in range(len(xs) - 1):
            x1, y1, x2, y2 = xs[k], ys[k], xs[k + 1], ys[k + 1]
            if x1 == x2:
                continue
            on = (cx >= min(x1, x2)) & (cx <= max(x1, x2))
            y = y1 + (cx[on] - x1) * ((y2 - y1) / (x2 - x1))
            lo[on] = np.minimum(lo[on], y)
            hi[on] = np.maximum(hi[on], y)
        # grid rows j with c + (j + 1/2) hy strictly inside (lo, hi)
        jlo = np.floor((lo - c) / hy - 0.5) + 1
        jhi = np.ceil((hi - c) / hy - 0.5) - 1
        jlo = np.maximum(jlo, 0)
        jhi = np.minimum(jhi, R - 1)
        if np.any(jhi >= jlo):
            hits += 1
    return hits


def sample(hidden, domain, R, chunk_rows):
    """Distinct packed activation patterns over the R^d grid of cell centres (the timed part), in
    chunks of chunk_rows lines of R points (the first coordinate fastest)."""
    d = len(domain) // 2
    axes = [domain[2 * k] + (np.arange(R, dtype=np.float64) + 0.5) * ((domain[2 * k + 1] - domain[2 * k]) / R)
            for k in range(d)]
    weights_t = [(np.ascontiguousarray(W.T), bias) for W, bias in hidden]
    total = sum(W.shape[0] for W, _ in hidden)
    lines = R ** (d - 1)
    uniques = []
    for m0 in range(0, lines, chunk_rows):
        m = np.arange(m0, min(lines, m0 + chunk_rows))
        pts = np.empty((len(m) * R, d))
        pts[:, 0] = np.tile(axes[0], len(m))
        for k in range(1, d):
            pts[:, k] = np.repeat(axes[k][m % R], R)
            m = m // R
        bits = np.empty((pts.shape[0], total), dtype=bool)
        h, col = pts, 0
        for Wt, bias in weights_t:
            z = h @ Wt
            z += bias
            np.greater(z, 0.0, out=bits[:, col:col + Wt.shape[1]])
            col += Wt.shape[1]
            h = np.maximum(z, 0.0, out=z)
        packed = np.packbits(bits, axis=1)
        uniques.append(np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel()))
    allu = np.unique(np.concatenate(uniques))
    return allu


def to_float(text):
    """An exact "p/q" (or integer) string as the nearest double (Python's int division rounds
    correctly, whatever the size of p and q)."""
    if "/" in text:
        p, q = text.split("/")
        return int(p) / int(q)
    return float(int(text))


class PolytopeHits:
    """Which regions of a `--polytopes` file hold a centre of the R^d grid (d >= 2), without a
    forward pass over the grid: a predictor of what sampling finds, for grids too large to sample.

    Each region is its facets' half-spaces: side * z(x) >= 0 for a neuron's facet (z the neuron's
    pre-activation, affine on the region: its row rebuilt in float64 from the network and the
    region's pattern) or the box's face. The grid lines along the last coordinate that cross the
    region's bounding box (from its vertices, rounded to doubles) are cut by the half-spaces into
    an interval each, and the region is hit when a grid centre lies strictly inside one. The
    line nearest the vertices' centroid is tried first, for all regions at once (a large region
    is hit there), then every line of the bounding box of the regions left, in blocks."""

    def __init__(self, path, hidden, domain):
        self.domain = domain
        self.d = d = len(domain) // 2
        self.hidden = hidden
        vmin, vmax, centroid, spaces = [], [], [], []
        for r in polytope_regions(path):
            verts = np.array([[to_float(c) for c in v] for v in r["vertices"]])
            vmin.append(verts.min(axis=0))
            vmax.append(verts.max(axis=0))
            centroid.append(verts.mean(axis=0))
            spaces.append(self.half_spaces(r["pattern"], [f["plane"] + [f["side"]] for f in r["facets"]]))
        self.vmin, self.vmax, self.centroid = np.array(vmin), np.array(vmax), np.array(centroid)
        # Half-spaces padded to the most facets with 0 . x + 1 >= 0 (always true).
        F = max(len(H) for H in spaces)
        self.H = np.zeros((len(spaces), F, d + 1))
        self.H[:, :, d] = 1.0
        for i, H in enumerate(spaces):
            self.H[i, :len(H)] = H

    def half_spaces(self, pattern, planes):
        """Rows [a | c] with a . x + c >= 0 on the region (float64)."""
        d = self.d
        rows = []
        need = {}
        for p in planes:
            if p[0] == "domain":
                k, hi = p[1], p[2] == "hi"
                a = np.zeros(d + 1)
                if hi:
                    a[k], a[d] = -1.0, self.domain[2 * k + 1]
                else:
                    a[k], a[d] = 1.0, -self.domain[2 * k]
                rows.append(a)
            else:
                need.setdefault(p[0], []).append((p[1], p[2]))
        if need:
            # The affine map of each hidden layer's pre-activations on the region, layer by layer.
            A = np.hstack([np.eye(d), np.zeros((d, 1))])  # x -> x, as [a | c] rows
            offset = 0
            for layer, (W, b) in enumerate(self.hidden):
                Z = W @ A
                Z[:, d] += b
                for j, side in need.get(layer, []):
                    rows.append(side * Z[j])
                if layer >= max(need):
                    break
                bits = np.frombuffer(pattern[offset:offset + W.shape[0]].encode(), dtype=np.uint8) == ord("1")
                A = Z * bits[:, None]
                offset += W.shape[0]
        return np.array(rows)

    def _hit(self, H, cols, lo, h, R):
        """Per line: does a grid centre lie strictly inside region H's interval on it?
        H: (n, F, d+1) half-spaces, cols: (n, d-1) the lines' other coordinates."""
        d = self.d
        a_last, rest, c = H[:, :, d - 1], H[:, :, :d - 1], H[:, :, d]
        t = -(np.einsum("nfk,nk->nf", rest, cols) + c)  # a_last * x_last >= t
        pos, neg, zero = a_last > 0, a_last < 0, a_last == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            lower = np.max(np.where(pos, t / np.where(pos, a_last, 1), -np.inf), axis=1)
            upper = np.min(np.where(neg, t / np.where(neg, a_last, 1), np.inf), axis=1)
        ok = np.all(np.where(zero, t < 0, True), axis=1)
        klo = np.maximum(np.floor((lower - lo[-1]) / h[-1] - 0.5) + 1, 0)
        khi = np.minimum(np.ceil((upper - lo[-1]) / h[-1] - 0.5) - 1, R - 1)
        return ok & (khi >= klo)

    def count(self, R, block=1 << 16):
        d, dom = self.d, self.domain
        lo = np.array(dom[0::2])
        h = (np.array(dom[1::2]) - lo) / R
        # grid indices (per coordinate) of the centres in each bounding box
        i0 = np.maximum(0, np.ceil((self.vmin - lo) / h - 0.5)).astype(np.int64)
        i1 = np.minimum(R - 1, np.floor((self.vmax - lo) / h - 0.5)).astype(np.int64)
        candidate = np.all(i1 >= i0, axis=1)
        first = np.clip(np.round((self.centroid[:, :-1] - lo[:-1]) / h[:-1] - 0.5), i0[:, :-1], i1[:, :-1])
        hit = np.zeros(len(self.H), dtype=bool)
        idx = np.nonzero(candidate)[0]
        for s0 in range(0, len(idx), block):
            part = idx[s0:s0 + block]
            hit[part] = self._hit(self.H[part], lo[:-1] + (first[part] + 0.5) * h[:-1], lo, h, R)
        for r in np.nonzero(candidate & ~hit)[0]:
            spans = [np.arange(i0[r, k], i1[r, k] + 1) for k in range(d - 1)]
            n = int(np.prod([len(sp) for sp in spans]))
            for start in range(0, n, block):
                j = np.arange(start, min(n, start + block))
                cols = np.empty((len(j), d - 1))
                for k in range(d - 1):
                    cols[:, k] = lo[k] + (spans[k][j % len(spans[k])] + 0.5) * h[k]
                    j = j // len(spans[k])
                if np.any(self._hit(np.broadcast_to(self.H[r], (len(cols),) + self.H[r].shape), cols, lo, h, R)):
                    hit[r] = True
                    break
        return int(hit.sum())


def blas_name():
    try:
        import threadpoolctl  # noqa: F401  (not a dependency; only if present)
        return ",".join(sorted({i["internal_api"] for i in threadpoolctl.threadpool_info()}))
    except Exception:
        pass
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "blas" in line.lower() and ".so" in line}
        return ",".join(sorted(libs)) or "unknown"
    except OSError:
        return "unknown"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("net")
    p.add_argument("exact", help="the exact regions: relutope's --polygons GeoJSON (2D) or --polytopes JSON")
    p.add_argument("--resolutions", default="64,128,256,512,1024,2048,4096")
    p.add_argument("--target", type=float, default=0.99)
    p.add_argument("--stop", action="store_true")
    p.add_argument("--max-points", type=float, default=float("inf"))
    p.add_argument("--repeat", type=int, default=1, help="time each grid at least K times, report the fastest")
    p.add_argument("--chunk-points", type=int, default=1 << 16)
    p.add_argument("--predict", default="",
                   help="also predict, from the polygons or polytopes, the regions found by these grids (comma "
                        "list); reports the first that reaches the target")
    p.add_argument("--bisect", action="store_true",
                   help="with --predict: also bisect, between the last predicted grid below the target and the "
                        "first at it, for the smallest R whose grid reaches the target")
    p.add_argument("--json", default="-")
    args = p.parse_args()

    hidden, domain = load_network(args.net)
    widths = [W.shape[0] for W, _ in hidden]
    d = len(domain) // 2
    exact, n_exact = exact_patterns(args.exact, widths)
    rows, reached = [], False
    for R in [int(r) for r in args.resolutions.split(",")]:
        if reached and args.stop and R != 64:
            continue
        if R ** d > args.max_points:
            rows.append({"resolution": R, "points": R ** d, "skipped": "max-points"})
            continue
        chunk_rows = max(1, args.chunk_points // R)  # lines of R points
        # The fastest of --repeat runs; grids under a second run up to three times (warm caches
        # and allocator), larger ones once.
        best, best_cpu, spent, runs = float("inf"), float("inf"), 0.0, 0
        while runs < max(1, args.repeat) or (spent < 1.0 and runs < 3):
            t0, c0 = time.perf_counter(), time.process_time()
            found_packed = sample(hidden, domain, R, chunk_rows)
            took, cpu = time.perf_counter() - t0, time.process_time() - c0
            best, best_cpu = min(best, took), min(best_cpu, cpu)
            spent, runs = spent + took, runs + 1
        sampled = {bytes(v) for v in found_packed}
        found = len(sampled & exact)
        row = {"resolution": R, "points": R ** d, "seconds": best, "cpu_seconds": best_cpu, "patterns": len(sampled),
               "found": found, "coverage": found / n_exact if n_exact else 1.0,
               "foreign": len(sampled - exact)}
        rows.append(row)
        print(f"  R={R}: {row['patterns']} patterns, {found}/{n_exact} regions "
              f"({100 * row['coverage']:.2f}%), {row['foreign']} foreign, {best:.3f} s", file=sys.stderr)
        if row["coverage"] >= args.target:
            reached = True
    predicted, bisected = [], None
    if args.predict:
        if is_polytopes(args.exact):
            polytopes = PolytopeHits(args.exact, hidden, domain)
            hits_at = polytopes.count
        else:
            rings = exact_polygons(args.exact)
            hits_at = lambda R: grid_hits(rings, domain, R)  # noqa: E731

        def predict(R):
            t0 = time.perf_counter()
            hits = hits_at(R)
            print(f"  predicted R={R}: {hits}/{n_exact} regions ({100 * hits / max(1, n_exact):.2f}%)"
                  f" [{time.perf_counter() - t0:.2f} s]", file=sys.stderr)
            return {"resolution": R, "found": hits, "coverage": hits / n_exact if n_exact else 1.0}

        for R in [int(r) for r in args.predict.split(",")]:
            predicted.append(predict(R))
            if predicted[-1]["found"] >= args.target * n_exact:
                break
        if args.bisect and predicted and predicted[-1]["found"] >= args.target * n_exact:
            # The grids of different R do not nest, so coverage need not grow with R at every step:
            # this finds where it crosses the target between two grids, not a global minimum.
            below = [q for q in predicted if q["found"] < args.target * n_exact]
            lo, hi = (below[-1]["resolution"] if below else 0), predicted[-1]
            while hi["resolution"] - lo > 1:
                mid = predict((lo + hi["resolution"]) // 2)
                if mid["found"] >= args.target * n_exact:
                    hi = mid
                else:
                    lo = mid["resolution"]
            bisected = hi
    doc = {"exact_regions": n_exact, "distinct_exact_patterns": len(exact), "blas": blas_name(),
           "numpy": np.__version__, "rows": rows,
           "predicted": predicted, "bisected": bisected, "dim": d}
    text = json.dumps(doc, indent=1)
    if args.json == "-":
        print(text)
    else:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
