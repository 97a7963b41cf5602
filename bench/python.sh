#!/usr/bin/env bash
# relutope's Python layer, in one run (issue 11's benchmark). Not a test: nothing here passes or
# fails on the numbers; the report states the goal (the Python layer within 5% of the CLI on the
# same work) and whether the data meet it.
#
#   FLOWER_NET=/path/rahaman-flower-60k.json bash bench/python.sh
#       # ~7 minutes on a 2-core Debian 12 VM (plus the build), given the trained flower network
#   bash bench/python.sh     # without it the large network is a PyTorch-initialised 2 -> 64 x 4 -> 1
#   REPEATS=3 EXACT_REPEATS=1 RESOLUTIONS=64,256 BENCH_RESULTS=/tmp/python.md bash bench/python.sh  # a quick check
#
# What it measures (1-thread runs pinned to CPU $BENCH_CPU, THREADS-thread runs to $BENCH_CPUS):
#   1. the trained 2x128 lazzari-random-rgb network (the engine bench's: the full preset, seed 0),
#      the CLI against `import relutope` (bench/python_bench.py --relutope MODE, a fresh process per
#      run that times its phases: import numpy, import relutope, load, the call) on the same work:
#      `relutope regions NET --json -` vs `relutope.regions(net, keep_regions=False)` (counts, pieces,
#      dead neurons, Lipschitz); `--polytopes FILE` (every region's exact vertices, map, measure)
#      vs `iter_regions` / `regions` with each region's exact values; streaming and holding every
#      region's float arrays (against the summary run: the CLI has no float-only output); and the
#      processes' start: `relutope --help`, `relutope info NET`, `python3 -c pass`, `import numpy`,
#      `import relutope; relutope.load(NET)`. REPEATS interleaved rounds (EXACT_REPEATS for the
#      exact values in Python, seconds each), medians and min-max: process wall times, the
#      in-process times, and where Python's process time goes;
#   2. "how many linear regions": relutope.regions(net, keep_regions=False) (1 and THREADS threads)
#      against sampling activation patterns with torch (float64, OpenBLAS, one thread) on R x R
#      grids of cell centres, R in RESOLUTIONS: times and counts (sampled / exact), on the 2x128
#      network and on a large one: FLOWER_NET (the trained rahaman-flower, 1.5M regions, about a
#      minute exact on one thread) if given, else 2 -> LARGE_HIDDEN -> 1 PyTorch-initialised on
#      LARGE_DOMAIN (its count saturates near 31,000 regions however large the box).
# The Python module is built here too (target relutope_python: pybind11-dev must be installed)
# and imported from $BUILD_DIR/python. It writes bench/results/python.md and prints it; work
# files go to bench/.cache/python.
#
# Environment: REPEATS (11), EXACT_REPEATS (3), THREADS (2), BENCH_CPUS (0,1), LAZZARI_STEPS (the
# preset's), FLOWER_NET, LARGE_HIDDEN (64,64,64,64), LARGE_DOMAIN (-20,20,-20,20), RESOLUTIONS
# (64,256,1024,2048), QUIET_WAIT (0 s; on a shared machine, e.g. 300: each part first waits up to
# that long for other processes to keep fewer than QUIET_CPUS (0.15) CPUs busy), RELUTOPE_PYTHONPATH
# (with RELUTOPE: the directory holding its relutope package), and bench/common.sh's: BUILD_DIR
# (build-bench), PYTHON (/usr/bin/python3), RELUTOPE, BENCH_OPENBLAS (1), BENCH_CPU (0), BENCH_WORK
# (bench/.cache/python), BENCH_RESULTS.
set -euo pipefail

BENCH_NAME=python
BENCH_MODULE=torch
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
if [ -n "${RELUTOPE_PYTHONPATH:-}" ]; then
  export PYTHONPATH="$RELUTOPE_PYTHONPATH"
else
  cmake --build "$BUILD_DIR" -j2 --target relutope_python >/dev/null
  export PYTHONPATH="$BUILD_DIR/python"
fi
mkdir -p "$WORK"
exec "$PYTHON" "$BENCH/python_bench.py"
