#!/usr/bin/env bash
# Training throughput of relutope's Eigen trainer against PyTorch on the CPU, one thread each,
# measured in one run and reported as ratios (relutope steps/s / PyTorch steps/s; > 1: relutope
# is faster); then relutope on 1 and 2 threads (and, given BASELINE, an older relutope) on
# rahaman-flower, lazzari-random-rgb and rahaman-sines. Not a test: nothing here passes or fails
# on the numbers.
#
#   bench/train_throughput.sh            # ~2.5 minutes on a 2-core Debian 12 VM
#   BASELINE=old/relutope BASELINE_LABEL=fb8f9d3 bench/train_throughput.sh
#
# What it does:
#   1. installs Debian's python3-torch if /usr/bin/python3 cannot import torch (apt-get, idempotent);
#   2. builds relutope in build-bench (Release, no tests);
#   3. for each preset runs `relutope train --preset P --steps N --quiet --json -` and
#      bench/pytorch_train.py for float64 (the same arithmetic as relutope) and float32 (what
#      PyTorch users usually run), all with OMP/MKL/OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)
#      and, where taskset exists, pinned to one CPU;
#   4. (first, in fact) runs `relutope train --threads T` for T = 1 (pinned to one CPU) and 2 (not pinned), and
#      BASELINE (another relutope executable, e.g. one built from an older commit; its default
#      threads, pinned to one CPU) if set, on the three presets, REPEATS times each interleaved,
#      keeping each one's best steps/s (the machine may be shared: the report gives its load);
#   5. prints markdown tables and writes them to bench/results/train_throughput.md.
#
# The BLAS caveat. Debian's python3-torch does its matrix products through the system
# libblas.so.3, which on a default Debian install is the netlib *reference* BLAS (a plain loop
# nest). That is what `apt install python3-torch` gives, so it is the first PyTorch row. A pip
# wheel of torch uses MKL instead, so the table also has a row "torch + OpenBLAS": Debian's
# libopenblas0-pthread fetched with `apt-get download` into bench/.cache (unpacked, NOT installed:
# the system's BLAS alternative is left alone) and put in front of the loader with
# LD_LIBRARY_PATH for those runs only. BENCH_OPENBLAS=0 skips that row.
#
# Step counts: relutope trains N + W steps and PyTorch W warm-up + N timed steps, so both end
# after the same number of optimizer steps and their final (whole-data) losses are comparable.
# The data come from different random generators (random RGB targets, sine phases), so the losses
# agree in size, not in digits.
#
# Environment: LAZZARI_STEPS (default 1600 = 100 epochs), SINES_STEPS (default 150), FLOWER_STEPS
# (default 200; the threads table only), REPEATS (default 3), BASELINE and BASELINE_LABEL, and
# those of bench/common.sh: BENCH_OPENBLAS (1/0, default 1), BUILD_DIR (default build-bench),
# PYTHON (default /usr/bin/python3), RELUTOPE, BENCH_CPU, BENCH_RESULTS.
set -euo pipefail

BENCH_NAME=train_throughput
BENCH_MODULE=torch
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"  # torch, the build, OpenBLAS, PIN, RESULTS
LAZZARI_STEPS="${LAZZARI_STEPS:-1600}"
SINES_STEPS="${SINES_STEPS:-150}"
FLOWER_STEPS="${FLOWER_STEPS:-200}"
REPEATS="${REPEATS:-3}"
BASELINE="${BASELINE:-}"
BASELINE_LABEL="${BASELINE_LABEL:-$BASELINE}"

# Runs ---------------------------------------------------------------------------------------

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

run_relutope() {  # preset steps -> json file
  $PIN "$RELUTOPE" train --preset "$1" --steps "$2" --threads 1 --quiet --json - --out "$TMP/$1.net.json" \
    >"$TMP/$1.relutope.json" 2>"$TMP/$1.relutope.err"
}
run_torch() {  # preset steps warmup dtype tag [LD_LIBRARY_PATH]
  LD_LIBRARY_PATH="${6:-${LD_LIBRARY_PATH:-}}" $PIN "$PYTHON" "$BENCH/pytorch_train.py" \
    --preset "$1" --steps "$2" --warmup "$3" --dtype "$4" --threads 1 >"$TMP/$1.$5.$4.json"
}

# relutope's threads (first: the quieter the machine the better) ------------------------------
# Other processes busy when it starts (over 20% of a CPU in one second, by top), and the load.
OTHERS="$(top -b -n 2 -d 1 2>/dev/null | awk '/^top -/ {n++} n == 2 && $1 ~ /^[0-9]+$/ && $9 > 20 {printf "%s%s (%s%%)", sep, $12, $9; sep=", "}')"
LABEL="${RELUTOPE_LABEL:-$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo "$RELUTOPE")}"
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }  # all CPUs, not idle
child_ticks() { awk '{print $16 + $17}' "/proc/$$/stat"; }                       # this script's children
section_start=$(date +%s.%N) busy_start=$(busy_ticks) child_start=$(child_ticks)
for rep in $(seq "$REPEATS"); do
  for spec in "rahaman-flower $FLOWER_STEPS" "lazzari-random-rgb $LAZZARI_STEPS" "rahaman-sines $SINES_STEPS"; do
    read -r preset steps <<<"$spec"
    echo "== threads, round $rep: $preset, $steps steps" >&2
    if [ -n "$BASELINE" ]; then
      $PIN "$BASELINE" train --preset "$preset" --steps "$steps" --quiet --json - --out "$TMP/b.net.json" \
        >"$TMP/$preset.baseline.$rep.json"
    fi
    $PIN "$RELUTOPE" train --preset "$preset" --steps "$steps" --threads 1 --quiet --json - \
      --out "$TMP/t1.net.json" >"$TMP/$preset.t1.$rep.json"
    "$RELUTOPE" train --preset "$preset" --steps "$steps" --threads 2 --quiet --json - \
      --out "$TMP/t2.net.json" >"$TMP/$preset.t2.$rep.json"
    # Whatever the threads, the same network.
    cmp -s "$TMP/t1.net.json" "$TMP/t2.net.json" || { echo "1 and 2 threads trained different networks" >&2; exit 1; }
  done
done
# What other processes took from the CPUs meanwhile (their CPU-seconds per second: 0 is a quiet
# machine, 1 a whole core busy elsewhere).
TICK=$(getconf CLK_TCK)
OTHERS_DURING="$(awk -v b=$(($(busy_ticks) - busy_start)) -v c=$(($(child_ticks) - child_start)) -v t="$TICK" \
  -v s="$section_start" -v e="$(date +%s.%N)" 'BEGIN {x = (b - c) / t / (e - s); printf "%.2f", x < 0 ? 0 : x}')"

# relutope against PyTorch -------------------------------------------------------------------
for spec in "lazzari-random-rgb $LAZZARI_STEPS 50" "rahaman-sines $SINES_STEPS 10"; do
  read -r preset steps warmup <<<"$spec"
  echo "== $preset: $steps steps (+ $warmup warm-up)" >&2
  echo "   relutope" >&2
  run_relutope "$preset" $((steps + warmup))
  for dtype in float64 float32; do
    echo "   pytorch $dtype (system BLAS)" >&2
    run_torch "$preset" "$steps" "$warmup" "$dtype" system
    if [ -n "$OPENBLAS_DIR" ]; then
      echo "   pytorch $dtype (OpenBLAS)" >&2
      run_torch "$preset" "$steps" "$warmup" "$dtype" openblas "$OPENBLAS_DIR"
    fi
  done
done

# Tables ----------------------------------------------------------------------------------
mkdir -p "$(dirname "$RESULTS")"
SYSTEM_BLAS="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)"
CPU="$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)"
"$PYTHON" - "$TMP" "$SYSTEM_BLAS" "$CPU" "$LAZZARI_STEPS" "$SINES_STEPS" "${OPENBLAS_DIR:+1}" "$FLOWER_STEPS" \
  "$REPEATS" "$BASELINE_LABEL" "$LOAD" "$OTHERS" "$LABEL" "$OTHERS_DURING" >"$TMP/table.md" <<'EOF'
import json, os, sys, datetime
(tmp, system_blas, cpu, lazzari_steps, sines_steps, openblas, flower_steps, repeats, baseline, load_average,
 others, relutope_label, others_during) = sys.argv[1:14]

def load(path):
    text = open(path).read()
    return json.JSONDecoder().raw_decode(text[text.index("{"):])[0]

blas_name = "netlib reference BLAS" if "/blas/" in system_blas else os.path.basename(os.path.dirname(system_blas))
backends = [("system", f"torch + system libblas ({blas_name})")]
if openblas:
    backends.append(("openblas", "torch + OpenBLAS 0.3.21"))
torch_version = None
rows = []
for preset in ["lazzari-random-rgb", "rahaman-sines"]:
    r = load(f"{tmp}/{preset}.relutope.json")
    for tag, label in backends:
        t64 = load(f"{tmp}/{preset}.{tag}.float64.json")
        t32 = load(f"{tmp}/{preset}.{tag}.float32.json")
        torch_version = t64["framework"]
        rs = r["steps_per_second"]
        rows.append(f"| {preset} | {label} | {rs:.1f} | {t64['steps_per_second']:.1f} | "
                    f"{rs / t64['steps_per_second']:.2f} | {t32['steps_per_second']:.1f} | "
                    f"{rs / t32['steps_per_second']:.2f} | {r['final_loss']:.4g} | "
                    f"{t64['final_loss']:.4g} (f32 {t32['final_loss']:.4g}) |")

print(f"## Training throughput: relutope (Eigen, float64) vs PyTorch, one CPU thread\n")
print(f"{datetime.date.today()}, {cpu}, {torch_version}; steps: lazzari-random-rgb {lazzari_steps}, "
      f"rahaman-sines {sines_steps} timed (+ 50 / 10 warm-up for PyTorch; relutope times all of its "
      f"steps, same total). Ratio = relutope steps/s / PyTorch steps/s (> 1: relutope faster).\n")
print("| preset | PyTorch BLAS | relutope steps/s | PyTorch f64 steps/s | ratio | PyTorch f32 steps/s "
      "| ratio | relutope final loss | PyTorch final loss |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
print("\n".join(rows))
print("\nPyTorch loop: nn.Sequential of nn.Linear/ReLU, torch.optim.Adam defaults, nn.MSELoss, "
      "minibatches by slicing a torch.randperm per epoch (faster here than DataLoader(shuffle=True)). "
      "Final losses are on the whole data after the same number of steps; the random targets and "
      "phases come from different generators, so they match in size, not digits.")

def best(preset, tag):
    runs = [load(f"{tmp}/{preset}.{tag}.{r}.json") for r in range(1, int(repeats) + 1)]
    return max(r["steps_per_second"] for r in runs)

print(f"\n## relutope on 1 and 2 threads\n")
print(f"relutope {relutope_label}; same day and machine; best of {repeats} interleaved runs each; load average "
      f"{load_average} at the start"
      f"{'; other busy processes then: ' + others if others else ''}; other processes used "
      f"{others_during} CPUs on average during these runs (0: a quiet machine; a second thread can only "
      "help if the second core is free). `--threads 1` and the baseline pinned "
      "to one CPU, `--threads 2` not pinned; 1 and 2 threads train the same network to the bit "
      "(the script checks).\n")
head = "| preset | steps |"
rule = "|---|---:|"
if baseline:
    head += f" before ({baseline}) steps/s |"
    rule += "---:|"
head += " `--threads 1` steps/s | `--threads 2` steps/s | 2 threads / 1 thread |"
rule += "---:|---:|---:|"
if baseline:
    head += " 2 threads / before |"
    rule += "---:|"
print(head)
print(rule)
for preset, steps in [("rahaman-flower", flower_steps), ("lazzari-random-rgb", lazzari_steps),
                      ("rahaman-sines", sines_steps)]:
    t1, t2 = best(preset, "t1"), best(preset, "t2")
    row = f"| {preset} | {steps} |"
    if baseline:
        b = best(preset, "baseline")
        row += f" {b:.1f} |"
    row += f" {t1:.1f} | {t2:.1f} | {t2 / t1:.2f} |"
    if baseline:
        row += f" {t2 / b:.2f} |"
    print(row)
EOF
cat "$TMP/table.md"
cp "$TMP/table.md" "$RESULTS"
echo "(written to ${RESULTS#$ROOT/})" >&2
