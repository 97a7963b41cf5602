#!/usr/bin/env bash
# The exact Fourier spectrum against the FFT, in one run (issue 4's benchmark). Not a test:
# nothing here passes or fails on the numbers; the report states the goals and whether they are met.
#
#   bash bench/spectrum.sh      # ~11 minutes on a 2-core Debian 12 VM (plus the build)
#   FFT_EXTRA_N=10240 bash bench/spectrum.sh   # + ~4.5 minutes: one more, non-power-of-two N
#
# What it measures (every process pinned to CPU 0, one thread):
#   1. a trained lazzari-random-rgb network (the full preset, 16,000 steps, ~15 s of training) on
#      [0,1]^2: `relutope spectrum NET --freq "-32,-32 -32,-31 ... 31,31" --json F`, the exact
#      Fourier coefficients of all three outputs on the 64 x 64 integer frequency grid
#      [-32,31]^2 (the grid an N = 64 FFT returns; `--grid 32` would be 65 x 65) at 128 bits;
#      the process's wall time, CPU time and peak resident memory (wait4's ru_maxrss), and the
#      "seconds" relutope reports. Two short probes first (k = 0 alone: the exact rational mean;
#      1 and 65 nonzero frequencies) predict the full run; if the prediction exceeds
#      EXACT_BUDGET, only the subgrid [-EXACT_SUBGRID, EXACT_SUBGRID-1]^2 is computed and the time
#      extrapolated linearly in the number of nonzero frequencies (said so in the report).
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
#   3. cross-checks: relutope's own `--fft 256` (FFTW, rectangle rule) against numpy's at a few
#      frequencies; certified digits; coefficients where the FFT and the exact value disagree
#      beyond the FFT's own error estimate (Richardson: |T(N) - T(N/2)| / 3, |R(N) - R(N/2)|).
#   numpy uses OpenBLAS (Debian's libopenblas0-pthread, fetched with `apt-get download` into
#   bench/.cache and put first with LD_LIBRARY_PATH, not installed; shared with regions.sh),
#   the fast BLAS a pip numpy brings. The FFT itself is numpy's pocketfft.
# It writes bench/results/spectrum.md and prints it; work files go to bench/.cache/spectrum.
#
# Environment: KMAX (32: the grid [-KMAX, KMAX-1]^2), PRECISION (128), EXACT_BUDGET (600 s),
# EXACT_SUBGRID (8), FFT_BUDGET (300 s for the whole N series: N = 8192 is its last, ~140 s),
# FFT_MAX_N (16384), FFT_EXTRA_N (comma list of further N run after the series, outside the
# budget; empty),
# TRAINED_STEPS (the preset's), BENCH_OPENBLAS (1), BUILD_DIR (build-bench),
# PYTHON (/usr/bin/python3), RELUTOPE (a relutope executable to measure instead of building one;
# the report then names it, with RELUTOPE_LABEL if set), BENCH_CPU (the CPU to pin to, default 0).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
PYTHON="${PYTHON:-/usr/bin/python3}"
BENCH_OPENBLAS="${BENCH_OPENBLAS:-1}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# numpy for the FFT baseline.
if ! "$PYTHON" -c "import numpy" 2>/dev/null; then
  echo "== installing python3-numpy" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-numpy >&2 ||
    { as_root apt-get update >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-numpy >&2; }
fi

if [ -n "${RELUTOPE:-}" ]; then
  echo "== using $RELUTOPE (not building)" >&2
else
  echo "== building relutope in $BUILD_DIR" >&2
  build_start=$SECONDS
  cmake -S "$ROOT" -B "$BUILD_DIR" -DRELUTOPE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target relutope_cli >/dev/null
  echo "   ($((SECONDS - build_start)) s)" >&2
  RELUTOPE="$BUILD_DIR/relutope"
fi

OPENBLAS_DIR=""
if [ "$BENCH_OPENBLAS" = 1 ]; then
  source "$BENCH/openblas.sh"
fi

PIN=""
command -v taskset >/dev/null && PIN="taskset -c ${BENCH_CPU:-0}"

export ROOT PYTHON OPENBLAS_DIR PIN BUILD_DIR
export RELUTOPE
export WORK="$BENCH/.cache/spectrum"
export RESULTS="$BENCH/results/spectrum.md"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
exec "$PYTHON" "$BENCH/spectrum_bench.py"
