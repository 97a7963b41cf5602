#!/usr/bin/env bash
# Runs every libFuzzer harness of a RELUTOPE_FUZZ build for a bounded time, starting from the seed
# corpus (tests/fuzz/seeds/NAME, data/fixtures for the file readers, and the crashers kept in
# tests/fuzz/regressions/NAME). Fails if any harness reports a crash, a leak, a timeout, running
# out of memory or a sanitizer finding; the failing input and the log stay in BUILD/fuzz-run.
#   usage: tests/fuzz/run.sh BUILD [SECONDS_PER_HARNESS (default 6)] [libFuzzer flags...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$1
seconds=${2:-6}
shift $(($# < 2 ? $# : 2))
work=$build/fuzz-run
rm -rf "$work"
mkdir -p "$work"
failed=()
for fuzzer in "$build"/tests/fuzz/fuzz_*; do
  name=${fuzzer##*/fuzz_}
  corpus=("$here/seeds/$name")
  [ -d "$here/regressions/$name" ] && corpus+=("$here/regressions/$name")
  case $name in network | points) corpus+=("$here/../../data/fixtures") ;; esac
  mkdir "$work/$name"  # new inputs go here; the seed directories are only read
  if "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$work/$name-" "$@" "$work/$name" "${corpus[@]}" >"$work/$name.log" 2>&1; then
    echo "fuzz $name: $(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$name.log") executions, no fault"
  else
    echo "fuzz $name: FAILED (log: $work/$name.log)"
    grep -E "^==[0-9]+==ERROR|runtime error|^SUMMARY|property violated|uncaught exception|Test unit written" "$work/$name.log" | head -n 8 || true
    failed+=("$name")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: faults in ${failed[*]}"
  exit 1
fi
