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
# BENCH_REFBLAS (1), and bench/common.sh's (the shared preamble: numpy, the build, OpenBLAS,
# pinning): BUILD_DIR (build-bench), PYTHON (/usr/bin/python3), RELUTOPE (an executable to measure
# instead of building one; the report then names it, with RELUTOPE_LABEL if set), BENCH_OPENBLAS
# (1), BENCH_CPU (the CPU to pin to, 0), BENCH_WORK (the work directory, bench/.cache/regions).
set -euo pipefail

BENCH_NAME=regions
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec "$PYTHON" "$BENCH/regions_bench.py"
