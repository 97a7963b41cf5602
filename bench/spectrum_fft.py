#!/usr/bin/python3
"""The FFT baseline for bench/spectrum.sh: what a user without relutope computes to get a 2-input
network's Fourier coefficients c(k) = integral over [0,1]^2 of f(x) exp(-2 pi i k.x) dx.

One grid size N per process (so that the caller's wait4 gives each N its own peak memory):

  1. sample the network in float64 numpy on the N x N grid x = (i/N, j/N), i, j = 0..N-1
     (chunked forward pass, one thread of BLAS: the caller sets the environment);
  2. rectangle rule: np.fft.fft2 of each output / N^2 (Rahaman et al.'s notebook's
     `np.fft.fft(y)/N`, in 2D); the estimate of c(k) is entry (k1 mod N, k2 mod N);
  3. trapezoid rule: the network also on the far edges x1 = 1 and x2 = 1 (2N + 1 more points),
     weights 1/2 on the edges, 1/4 at the corners; for integer k the weights fold the far edge onto
     the near one (exp(-2 pi i k) = 1), so it is again one N x N fft2 / N^2.

Timed (wall: perf_counter; CPU: process_time), per rule, for all three outputs: building the
grid, the forward pass, the fold (trapezoid), the fft2 and the division. Not timed: loading the
network, and comparing with the exact values (EXACT.npy: complex128 array [out, k1 + K, k2 + K]
over the frequency box [-K, K']^2 given by --kmin/--kmax).

  spectrum_fft.py NET.json EXACT.npy --n N --kmin -32 --kmax 31 --json OUT.json [--dump EST.npy]

  4. Richardson on the trapezoid, T(N) + (T(N) - T(N/2)) / 3, when N/2 still covers the
     frequency box: the folded grid's even rows and columns are T(N/2)'s folded grid, so it costs
     one more fft2 of size N/2 (timed on top of the trapezoid's time).

Writes {"n", "points", "rect": {"seconds", "cpu_seconds", "max_abs_error", "argmax": [out, k1, k2],
"median_abs_error"}, "trap": {... likewise, plus "edge_seconds"}, "rich": {... likewise},
"sample_seconds", "numpy"}. With --dump, saves the estimates as complex128
[rule (rectangle, trapezoid[, Richardson]), out, k1, k2].
"""
import argparse
import json
import sys
import time

import numpy as np


def load_network(path):
    with open(path) as f:
        doc = json.load(f)
    if doc.get("format") != "relutope.mlp" or doc["input_dim"] != 2:
        sys.exit(f"spectrum_fft: {path}: needs a 2-input relutope.mlp JSON network")
    if doc.get("encoding", {"type": "identity"}).get("type", "identity") != "identity":
        sys.exit(f"spectrum_fft: {path}: positional encoding not supported here")
    dom = [float(v) for v in doc["domain"]]
    if dom != [0.0, 1.0, 0.0, 1.0]:
        sys.exit(f"spectrum_fft: {path}: the domain must be [0,1]^2, not {dom}")
    return [(np.ascontiguousarray(np.asarray(l["weight"], dtype=np.float64).T),
             np.asarray(l["bias"], dtype=np.float64)) for l in doc["layers"]]


def forward(layers, x):
    h = x
    for i, (wt, b) in enumerate(layers):
        h = h @ wt
        h += b
        if i + 1 < len(layers):
            np.maximum(h, 0.0, out=h)
    return h


def sample_grid(layers, n, outputs, chunk_points=65536):
    """f on (i/n, j/n), i, j < n: array [outputs, n, n] (axis 1 = x1, axis 2 = x2)."""
    out = np.empty((outputs, n, n), dtype=np.float64)
    t = np.arange(n, dtype=np.float64) / n
    rows = max(1, chunk_points // n)
    for i0 in range(0, n, rows):
        i1 = min(n, i0 + rows)
        x = np.empty(((i1 - i0) * n, 2))
        x[:, 0] = np.repeat(t[i0:i1], n)
        x[:, 1] = np.tile(t, i1 - i0)
        y = forward(layers, x)
        out[:, i0:i1, :] = y.T.reshape(outputs, i1 - i0, n)
    return out


def spectra(samples, n, idx):
    """fft2 / n^2 of each output, kept at the frequencies wanted (rows and columns idx): complex
    [outputs, len(idx), len(idx)]. One output's full spectrum at a time, to bound memory."""
    est = np.empty((samples.shape[0], len(idx), len(idx)), dtype=np.complex128)
    for o, s in enumerate(samples):
        full = np.fft.fft2(s)
        est[o] = full[np.ix_(idx, idx)] / (n * n)
        del full
    return est


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("net")
    ap.add_argument("exact")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--kmin", type=int, default=-32)
    ap.add_argument("--kmax", type=int, default=31)
    ap.add_argument("--json", required=True)
    ap.add_argument("--dump")
    a = ap.parse_args()
    n = a.n
    layers = load_network(a.net)
    outputs = layers[-1][0].shape[1]
    exact = np.load(a.exact)
    ks = np.arange(a.kmin, a.kmax + 1)
    if exact.shape != (outputs, len(ks), len(ks)):
        sys.exit(f"spectrum_fft: {a.exact} has shape {exact.shape}, expected {(outputs, len(ks), len(ks))}")
    if n < len(ks):
        sys.exit(f"spectrum_fft: N = {n} is smaller than the frequency box")
    idx = np.mod(ks, n)

    def errors(est):
        err = np.abs(est - exact)
        o, i, j = np.unravel_index(int(np.argmax(err)), err.shape)
        return err, {"max_abs_error": float(err.max()), "median_abs_error": float(np.median(err)),
                     "argmax": [int(o), int(ks[i]), int(ks[j])]}

    # Warm-up, not timed: the first BLAS call and the first FFT pay one-off set-up costs that a
    # user's session pays once, not per grid.
    forward(layers, np.zeros((65536, 2)))
    np.fft.fft2(np.zeros((64, 64)))

    # Rectangle rule: samples + fft2.
    w0, c0 = time.perf_counter(), time.process_time()
    f = sample_grid(layers, n, outputs)
    w1, c1 = time.perf_counter(), time.process_time()
    spec = spectra(f, n, idx)
    w2, c2 = time.perf_counter(), time.process_time()
    est_r = spec
    err_r, rect = errors(spec)
    rect.update(seconds=w2 - w0, cpu_seconds=c2 - c0, fft_seconds=w2 - w1)

    # Trapezoid rule: the same samples, plus the far edges, folded onto the near ones.
    w3, c3 = time.perf_counter(), time.process_time()
    t = np.arange(n + 1, dtype=np.float64) / n
    edge_a = np.column_stack([np.ones(n + 1), t])       # x1 = 1, x2 = 0..1
    edge_b = np.column_stack([t[:n], np.ones(n)])       # x2 = 1, x1 = 0..(n-1)/n
    fa = forward(layers, edge_a).T                      # [outputs, n + 1]
    fb = forward(layers, edge_b).T                      # [outputs, n]
    w4, c4 = time.perf_counter(), time.process_time()
    # Weights 1/2 on the four edges, 1/4 at the corners, then fold index n onto 0.
    corner = (f[:, 0, 0] + fa[:, 0] + fb[:, 0] + fa[:, n]) / 4   # f(0,0), f(1,0), f(0,1), f(1,1)
    f[:, 0, :] = (f[:, 0, :] + fa[:, :n]) / 2                   # row x1 = 0 with row x1 = 1
    f[:, :, 0] = (f[:, :, 0] + fb) / 2                          # column x2 = 0 with column x2 = 1
    f[:, 0, 0] = corner
    spec = spectra(f, n, idx)
    w5, c5 = time.perf_counter(), time.process_time()
    est_t = spec
    err_t, trap = errors(spec)
    sample_s = w1 - w0
    trap.update(seconds=sample_s + (w5 - w3), cpu_seconds=(c1 - c0) + (c5 - c3), edge_seconds=w4 - w3,
                fft_seconds=w5 - w4)
    doc = {"n": n, "points": n * n, "sample_seconds": sample_s, "rect": rect, "trap": trap,
           "numpy": np.__version__}
    dumps = [est_r, est_t]

    # Richardson on the trapezoid: T(N) + (T(N) - T(N/2)) / 3. The folded N x N grid's even rows
    # and columns are exactly T(N/2)'s folded grid, so T(N/2) costs one more, smaller fft2.
    if n % 2 == 0 and n // 2 >= len(ks):
        w6, c6 = time.perf_counter(), time.process_time()
        half = spectra(np.ascontiguousarray(f[:, ::2, ::2]), n // 2, np.mod(ks, n // 2))
        est_x = spec + (spec - half) / 3
        w7, c7 = time.perf_counter(), time.process_time()
        err_x, rich = errors(est_x)
        rich.update(seconds=trap["seconds"] + (w7 - w6), cpu_seconds=trap["cpu_seconds"] + (c7 - c6),
                    half_seconds=w7 - w6)
        doc["rich"] = rich
        dumps.append(est_x)
    with open(a.json, "w") as fh:
        json.dump(doc, fh, indent=1)
    if a.dump:
        np.save(a.dump, np.stack(dumps))


if __name__ == "__main__":
    main()
