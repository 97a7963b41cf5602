#!/usr/bin/env bash
# The exact region engine (filtered predicates, streaming, TBB threads, any input dimension) on one
# and two threads, in one run. Not a test: nothing here passes or fails on the numbers; the report
# states the goals and whether they are met.
#
#   FLOWER_NET=/path/rahaman-flower-60k.json bash bench/engine.sh
#       # ~12 minutes on a 2-core Debian 12 VM (plus the build), given the trained flower; on a
#       # shared machine add QUIET_WAIT=600 (each part first waits for the others to go quiet)
#   bash bench/engine.sh
#       # the same, after training the flower once (~40 minutes; cached in bench/.cache/engine)
#   FLOWER_STEPS=2000 DEPTHS=3 WIDTHS=64,128 SCALING_TIME_LIMIT=3 TORUS_STEPS=500 \
#     SAMPLING3D_MAX_R=128 BENCH_RESULTS=/tmp/engine.md bash bench/engine.sh   # a quick check
#
# What it measures (1-thread runs pinned to CPU $BENCH_CPU, multi-thread runs to $BENCH_CPUS):
#   1. rahaman-flower (2 -> 256 x 5 -> 1) trained fully (60,000 steps, seed 0; FLOWER_NET names a
#      file trained so, else `relutope train --preset rahaman-flower --seed 0` trains it once into
#      bench/.cache/engine): `relutope regions NET --json - --quiet --max-regions
#      FLOWER_MAX_REGIONS` on THREADS threads and on 1: regions, linear pieces, seconds, the whole
#      process's wall time and peak resident memory (wait4's ru_maxrss); the memory per region
#      streamed (against a run stopped at its first region by --max-regions 1, and a run with the
#      default --max-regions when the count exceeds it); and `--sample FLOWER_SAMPLE`: the regions
#      a grid finds against the exact count. Goal: under 60 s and 2 GB on 2 threads.
#   2. the trained lazzari-random-rgb network (2 -> 128 -> 128 -> 3, the full preset, ~10 s of
#      training) on [0,1]^2: seconds and the whole process, medians of EXACT_REPEATS runs on 1 and
#      THREADS threads; and what --polygons and --points (the partition held) cost. Goal: < 0.1 s.
#   3. scaling: hidden layers DEPTHS x widths WIDTHS, initialised by `relutope train --config`
#      with "steps": SCALING_STEPS (PyTorch's initialisation after one Adam step) on SCALING_PRESET's
#      task (rahaman-flower: 1 output, [-1.5,1.5]^2), each on 1 thread with --time-limit
#      SCALING_TIME_LIMIT, then on THREADS threads over the same work (the whole enumeration) or,
#      when 1 thread stopped at the limit, for the same time: regions per second (per core), the
#      speedup (goal 1.9x on 2 cores), and the memory per region streamed; then one 3-output
#      network (lazzari preset, LIPSCHITZ_CASE) whose time after the enumeration is measured (the
#      certified Lipschitz constant).
#   4. 3D: a 3 -> 64 -> 64 -> 1 network fitted to a torus's signed distance in PyTorch
#      (bench/sdf3d_train.py, TORUS_STEPS, saved with torch.save), `relutope regions torus.pt
#      --domain -1,1,-1,1,-1,1` (TORUS_REPEATS runs on 1 and THREADS threads, and once with
#      --polytopes), against sampling: numpy (OpenBLAS, one thread) on the R^3 grid of cell centres
#      up to SAMPLING3D_MAX_R, larger grids predicted from the polytopes (bench/sampling_baseline.py
#      --predict --bisect); the smallest grid finding 99% of the regions, its time and the ratio.
# It writes bench/results/engine.md and prints it; work files go to bench/.cache/engine.
#
# Environment: FLOWER_NET, FLOWER_STEPS (the preset's), FLOWER_MAX_REGIONS (50000000),
# FLOWER_TIME_LIMIT (1800 s), FLOWER_SAMPLE (1024; 0 skips), THREADS (2), BENCH_CPUS (0,1),
# LAZZARI_STEPS (the preset's), EXACT_REPEATS (5), POINTS (100), SCALING_PRESET (rahaman-flower),
# SCALING_STEPS (1), DEPTHS (3,4,5,6), WIDTHS (64,128,256,512), SCALING_TIME_LIMIT (20 s),
# LIPSCHITZ_CASE (256,256,256,256; empty skips), TORUS_STEPS (4000), TORUS_REPEATS (3),
# SAMPLING3D_MAX_R (256), QUIET_WAIT (0 s; on a shared machine, e.g. 600: each part first waits up
# to that long for other processes to keep fewer than QUIET_CPUS (0.15) CPUs busy; every run's
# report shows the CPUs others kept busy meanwhile), and bench/common.sh's: BUILD_DIR
# (build-bench), PYTHON (/usr/bin/python3), RELUTOPE (an executable to measure instead of building
# one; RELUTOPE_LABEL), BENCH_OPENBLAS (1), BENCH_CPU (0), BENCH_WORK (bench/.cache/engine),
# BENCH_RESULTS.
set -euo pipefail

BENCH_NAME=engine
BENCH_MODULE=torch
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
exec "$PYTHON" "$BENCH/engine_bench.py"
