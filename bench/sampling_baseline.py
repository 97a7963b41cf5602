#!/usr/bin/python3
"""The sampling baseline for bench/regions.sh: what a user without relutope would run to count a
network's linear regions on a 2D box.

It evaluates the network on the R x R grid of cell centres, ((i + 1/2)/R, (j + 1/2)/R) scaled to
the domain, in float64 numpy, takes each point's activation pattern (bit = pre-activation > 0, all
hidden layers in order, as relutope's patterns), packs the bits and counts the distinct patterns.
For each R it then matches the sampled patterns against the exact ones (`relutope regions NET
--polygons FILE.geojson`, property "pattern") and reports how many exact regions the grid found,
and how many sampled patterns are not exact regions at all ("foreign": float64 rounding, or a grid
point exactly on a boundary).

The timed part is only what the user's script does per grid: build the grid, forward pass,
threshold, pack, unique (chunked to bound memory). Loading the network, reading the GeoJSON and the
matching are not timed. Thread counts are the caller's business (bench/regions.sh sets
OMP/OPENBLAS/MKL_NUM_THREADS=1 and pins to one CPU).

  sampling_baseline.py NET.json EXACT.geojson --resolutions 64,128,... [--target 0.99]
                       [--stop] [--max-points N] [--repeat K] [--predict R1,R2,...] [--json OUT]

With --stop, resolutions after the first one that reaches the target coverage are skipped (64 is
always run, the paper's grid). --max-points skips grids larger than N points (reported as skipped).
--predict counts, without sampling, how many exact regions each of these grids would find (a
region is found when a grid centre lies strictly inside its polygon), up to the first grid that
reaches the target: how bench/regions.sh finds the 99% grid when it is too large to sample.
Prints one JSON document: {"exact_regions", "blas", "rows": [{"resolution", "points", "seconds",
"cpu_seconds", "patterns", "found", "coverage", "foreign"}, ...], "predicted": [{"resolution", "found",
"coverage"}, ...]}.
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
    if doc["input_dim"] != 2:
        sys.exit(f"sampling_baseline: {path}: needs a 2-input network")
    layers = [(np.asarray(l["weight"], dtype=np.float64), np.asarray(l["bias"], dtype=np.float64))
              for l in doc["layers"]]
    domain = [float(v) if not isinstance(v, str) else float_fraction(v) for v in doc["domain"]]
    return layers[:-1], domain  # the output layer plays no part in the patterns


def float_fraction(s):
    if "/" in s:
        p, q = s.split("/")
        return float(p) / float(q)
    return float(s)


def exact_patterns(path, widths):
    """The exact regions' patterns, packed exactly as the sampled ones are."""
    with open(path) as f:
        doc = json.load(f)
    total = sum(widths)
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
    """Distinct packed activation patterns over the R x R grid of cell centres (the timed part)."""
    a, b, c, d = domain
    xs = a + (np.arange(R, dtype=np.float64) + 0.5) * ((b - a) / R)
    ys = c + (np.arange(R, dtype=np.float64) + 0.5) * ((d - c) / R)
    weights_t = [(np.ascontiguousarray(W.T), bias) for W, bias in hidden]
    total = sum(W.shape[0] for W, _ in hidden)
    uniques = []
    for y0 in range(0, R, chunk_rows):
        yy = ys[y0:y0 + chunk_rows]
        pts = np.empty((len(yy) * R, 2))
        pts[:, 0] = np.tile(xs, len(yy))
        pts[:, 1] = np.repeat(yy, R)
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
    p.add_argument("geojson")
    p.add_argument("--resolutions", default="64,128,256,512,1024,2048,4096")
    p.add_argument("--target", type=float, default=0.99)
    p.add_argument("--stop", action="store_true")
    p.add_argument("--max-points", type=float, default=float("inf"))
    p.add_argument("--repeat", type=int, default=1, help="time each grid at least K times, report the fastest")
    p.add_argument("--chunk-points", type=int, default=1 << 16)
    p.add_argument("--predict", default="",
                   help="also predict, from the polygons, the regions found by these grids (comma list); "
                        "reports the first that reaches the target")
    p.add_argument("--json", default="-")
    args = p.parse_args()

    hidden, domain = load_network(args.net)
    widths = [W.shape[0] for W, _ in hidden]
    exact, n_exact = exact_patterns(args.geojson, widths)
    rows, reached = [], False
    for R in [int(r) for r in args.resolutions.split(",")]:
        if reached and args.stop and R != 64:
            continue
        if R * R > args.max_points:
            rows.append({"resolution": R, "points": R * R, "skipped": "max-points"})
            continue
        chunk_rows = max(1, args.chunk_points // R)
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
        row = {"resolution": R, "points": R * R, "seconds": best, "cpu_seconds": best_cpu, "patterns": len(sampled),
               "found": found, "coverage": found / n_exact if n_exact else 1.0,
               "foreign": len(sampled - exact)}
        rows.append(row)
        print(f"  R={R}: {row['patterns']} patterns, {found}/{n_exact} regions "
              f"({100 * row['coverage']:.2f}%), {row['foreign']} foreign, {best:.3f} s", file=sys.stderr)
        if row["coverage"] >= args.target:
            reached = True
    predicted = []
    if args.predict:
        rings = exact_polygons(args.geojson)
        for R in [int(r) for r in args.predict.split(",")]:
            t0 = time.perf_counter()
            hits = grid_hits(rings, domain, R)
            predicted.append({"resolution": R, "found": hits, "coverage": hits / n_exact if n_exact else 1.0})
            print(f"  predicted R={R}: {hits}/{n_exact} regions ({100 * hits / max(1, n_exact):.2f}%)"
                  f" [{time.perf_counter() - t0:.2f} s]", file=sys.stderr)
            if hits >= args.target * n_exact:
                break
    doc = {"exact_regions": n_exact, "distinct_exact_patterns": len(exact), "blas": blas_name(),
           "numpy": np.__version__, "rows": rows,
           "predicted": predicted}
    text = json.dumps(doc, indent=1)
    if args.json == "-":
        print(text)
    else:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
