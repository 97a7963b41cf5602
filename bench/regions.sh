#!/usr/bin/env bash
# Exact linear regions against sampling, in one run (issue 3's benchmark). Not a test: nothing
# here passes or fails on the numbers; the report states the goals and whether they are met.
#
#   bash bench/regions.sh       # ~3-4 minutes on a 2-core Debian 12 VM (plus the build)
#
# What it measures (every process pinned to CPU 0, one thread):
#   1. a trained lazzari-random-rgb network (the full preset, 16,000 steps, ~15 s of training) on
#      [0,1]^2: `relutope regions NET --json - --quiet`, its "seconds" (the enumeration) and
#      "regions", the process's wall time and peak resident memory (wait4's ru_maxrss, what
#      /usr/bin/time -v reports), regions per second; median of EXACT_REPEATS runs;
#   2. scaling: 2 hidden layers of width 16..512, and 1..6 hidden layers of width 64, initialised
#      by `relutope train --config` with "steps": SCALING_STEPS (default 1: PyTorch's default
#      initialisation after one Adam step), with --max-regions and --time-limit so that no case
#      runs much over a minute; a case that hits a limit or fails is reported as such;
#   3. the sampling baseline a user would run (bench/sampling_baseline.py): the trained network
#      in float64 numpy on the R x R grid of cell centres, R = 64, 128, ..., SAMPLING_MAX_R,
#      activation patterns packed and counted, and matched against the exact patterns that
#      `relutope regions --polygons` writes; the smallest R whose grid finds >= 99% of the exact
#      regions, its time, and the ratio to the exact enumeration. Grids above SAMPLING_MAX_R are
#      not sampled (R = 8192 alone takes ~3 minutes): which regions they would find is counted
#      from the exact polygons (it matches sampling exactly on every measured grid) and their
#      time extrapolated from the largest sampled grid, in proportion to the points.
#   numpy uses OpenBLAS (Debian's libopenblas0-pthread, fetched with `apt-get download` into
#   bench/.cache and put first with LD_LIBRARY_PATH, not installed; shared with
#   train_throughput.sh), the fast BLAS a pip numpy brings; Debian's numpy as installed (the
#   netlib reference BLAS) is timed too at R = 64 and 1024 (BENCH_REFBLAS=0 skips it).
# It writes bench/results/regions.md and prints it; work files go to bench/.cache/regions.
#
# Environment: SCALING_STEPS (1), WIDTHS (16,32,64,128,256,512), DEPTHS (1,2,3,4,5,6),
# DEPTH_WIDTH (64), MAX_REGIONS (300000), TIME_LIMIT (40 s, relutope's --time-limit; the process
# is killed 60 s later), EXACT_REPEATS (5), SAMPLING_MAX_R (4096), TRAINED_STEPS (the preset's),
# BENCH_OPENBLAS (1), BENCH_REFBLAS (1), BUILD_DIR (build-bench), PYTHON (/usr/bin/python3),
# RELUTOPE (a relutope executable to measure instead of building one; the report then names it,
# with RELUTOPE_LABEL if set, e.g. the commit it was built from),
# BENCH_CPU (the CPU to pin to, default 0).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
PYTHON="${PYTHON:-/usr/bin/python3}"
BENCH_OPENBLAS="${BENCH_OPENBLAS:-1}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# numpy for the sampling baseline.
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
export WORK="$BENCH/.cache/regions"
export RESULTS="$BENCH/results/regions.md"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
exec "$PYTHON" "$BENCH/regions_bench.py"
