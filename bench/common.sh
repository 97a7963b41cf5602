# Sourced by the bench scripts after they set BENCH_NAME (regions, spectrum, train_throughput)
# and, if their baseline is not numpy, BENCH_MODULE (torch): the preamble they share, ending with
# the environment their drivers read.
#
#   - python3-$BENCH_MODULE (apt-get) if $PYTHON cannot import it (the baseline);
#   - relutope built in $BUILD_DIR (Release, no tests), unless RELUTOPE names an executable;
#   - Debian's OpenBLAS, fetched into bench/.cache (bench/openblas.sh), unless BENCH_OPENBLAS=0;
#   - PIN: every measured process on CPU $BENCH_CPU (taskset), one thread of BLAS/OpenMP.
#
# Exports ROOT, PYTHON, BUILD_DIR, RELUTOPE, OPENBLAS_DIR, PIN, WORK (bench/.cache/$BENCH_NAME,
# or BENCH_WORK: the drivers' work files) and RESULTS (bench/results/$BENCH_NAME.md).
#
# Environment: BUILD_DIR (build-bench), PYTHON (/usr/bin/python3), RELUTOPE (an executable to
# measure instead of building one; the report names it, with RELUTOPE_LABEL if set, e.g. the
# commit it was built from), BENCH_OPENBLAS (1), BENCH_CPU (0), BENCH_WORK (the work directory),
# BENCH_RESULTS (the report, default bench/results/$BENCH_NAME.md; set it for quick trial runs).
set -euo pipefail
: "${BENCH_NAME:?set BENCH_NAME before sourcing bench/common.sh}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
BUILD_DIR="${BUILD_DIR:-$ROOT/build-bench}"
PYTHON="${PYTHON:-/usr/bin/python3}"
BENCH_OPENBLAS="${BENCH_OPENBLAS:-1}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

BENCH_MODULE="${BENCH_MODULE:-numpy}"
if ! "$PYTHON" -c "import $BENCH_MODULE" 2>/dev/null; then
  echo "== installing python3-$BENCH_MODULE" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "python3-$BENCH_MODULE" >&2 ||
    { as_root apt-get update >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "python3-$BENCH_MODULE" >&2; }
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

WORK="${BENCH_WORK:-$BENCH/.cache/$BENCH_NAME}"
RESULTS="${BENCH_RESULTS:-$BENCH/results/$BENCH_NAME.md}"
export ROOT PYTHON BUILD_DIR RELUTOPE OPENBLAS_DIR PIN WORK RESULTS
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
