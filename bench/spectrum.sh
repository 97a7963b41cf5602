#!/usr/bin/env bash
# The exact Fourier spectrum against the FFT, in one run (issue 4's benchmark). Not a test:
# nothing here passes or fails on the numbers; the report states the goals and whether they are met.
#
#   bash bench/spectrum.sh      # ~5 minutes on a 2-core Debian 12 VM (plus the build), mostly the FFT
#   FFT_EXTRA_N=10240 bash bench/spectrum.sh   # + ~4.5 minutes: one more, non-power-of-two N
#   KMAX=4 FFT_MAX_N=512 FFT_BUDGET=30 BENCH_WORK=/tmp/spectrum-quick bash bench/spectrum.sh
#                               # a quick check of the script (~1 minute; it rewrites the report)
#
# What it measures (every process pinned to CPU 0, one thread):
#   1. a trained lazzari-random-rgb network (the full preset, 16,000 steps, ~15 s of training) on
#      [0,1]^2: `relutope spectrum NET --freq "-32,-32 -32,-31 ... 31,31" --precision 128 --json F`,
#      the exact Fourier coefficients of all three outputs on the 64 x 64 integer frequency grid
#      [-32,31]^2 (the grid an N = 64 FFT returns; `--grid 32` would be 65 x 65) by the default
#      route C (`edges`: Green's identity over the kinked region edges, in doubles with certified
#      radii; what it certifies to fewer than 6 digits it recomputes by route A at --precision);
#      the process's wall time, CPU time and peak resident memory (wait4's ru_maxrss) and the
#      "seconds" relutope reports (medians of EXACT_REPEATS runs), the certified digits, and the
#      largest absolute uncertainty they imply, |c| 10^-(digits-1), which must stay below a tenth
#      of both targets for route C's values to be the reference of the FFT errors. Probes: route
#      C at k = 0 alone (the exact rational mean) and 1 nonzero frequency (medians too); route A
#      (`--route regions`, Arb at PRECISION bits, the former default) at k = 0 alone, 1 and 65
#      nonzero frequencies: its time per frequency, its whole grid predicted from it, and its
#      values against route C's (there and at the 16 frequencies where route C's certified
#      uncertainty is the largest).
#   2. the FFT estimate a user computes (bench/spectrum_fft.py, one process per N): the network
#      in float64 numpy on the N x N grid x = (i/N, j/N), np.fft.fft2 / N^2 (rectangle rule),
#      and the trapezoid-weighted variant (far edges sampled too, folded), N = 64, 128, ... while
#      the next N is predicted (N^2 log N from the last) to fit the remaining FFT_BUDGET and the
#      memory; max |estimate - exact| over the grid, all three outputs; the smallest N reaching
#      1e-6 and 1e-10 for each rule, its time, and the ratio to the exact time. Targets beyond
#      the largest N measured are extrapolated from the rule's order (O(1/N) rectangle,
#      O(1/N^2) trapezoid) and N^2 log N, and labelled so. Each run also reports the
#      Richardson-extrapolated trapezoid T(N) + (T(N) - T(N/2)) / 3 (T(N/2) from every other
#      sample: one more, smaller FFT), an FFT user's cheap improvement, as a caveat to the goals.
#   3. cross-checks: route A against route C (above), and their exact means;
#      relutope's own `--fft 256` (FFTW, rectangle rule) against numpy's at a few frequencies;
#      coefficients where the FFT and the exact value disagree beyond the FFT's own error
#      estimate (Richardson: |T(N) - T(N/2)| / 3, |R(N) - R(N/2)|).
#   numpy uses OpenBLAS (Debian's libopenblas0-pthread, fetched with `apt-get download` into
#   bench/.cache and put first with LD_LIBRARY_PATH, not installed; shared with regions.sh),
#   the fast BLAS a pip numpy brings. The FFT itself is numpy's pocketfft.
# It writes bench/results/spectrum.md and prints it; work files go to bench/.cache/spectrum.
#
# Environment: KMAX (32: the grid [-KMAX, KMAX-1]^2), PRECISION (128: route A's bits, and route
# C's recomputations'), EXACT_REPEATS (3: runs of each route C case, medians reported),
# FFT_BUDGET (300 s for the whole N series: N = 8192 is its last, ~150 s), FFT_MAX_N (16384),
# FFT_EXTRA_N (comma list of further N run after the series, outside the budget; empty),
# TRAINED_STEPS (the preset's), and bench/common.sh's (the shared preamble: numpy, the build,
# OpenBLAS, pinning): BUILD_DIR (build-bench), PYTHON (/usr/bin/python3), RELUTOPE (an executable
# to measure instead of building one; the report then names it, with RELUTOPE_LABEL if set),
# BENCH_OPENBLAS (1), BENCH_CPU (the CPU to pin to, 0), BENCH_WORK (the work directory,
# bench/.cache/spectrum).
set -euo pipefail

BENCH_NAME=spectrum
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec "$PYTHON" "$BENCH/spectrum_bench.py"
