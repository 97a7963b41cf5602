#!/usr/bin/python3
"""Driver of bench/spectrum.sh (run that, not this): the exact Fourier spectrum against the FFT.

Runs every case as a child process, measures its wall time, CPU time and peak resident memory
with os.wait4 (the kernel's rusage of that child: what `/usr/bin/time -v` reports), parses
relutope's JSON, runs bench/spectrum_fft.py once per grid size N, and writes the markdown report.

Arguments come from the environment (see spectrum.sh): RELUTOPE, WORK, RESULTS, PYTHON, PIN,
OPENBLAS_DIR, and the knobs documented in spectrum.sh.
"""
import datetime
import json
import math
import os
import platform
import random
import shlex
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measured_run import run  # noqa: E402
from fractions import Fraction

import numpy as np

sys.set_int_max_str_digits(0)  # the exact mean is a rational with ~10^5 digits

RELUTOPE = os.environ["RELUTOPE"]
WORK = os.environ["WORK"]
RESULTS = os.environ["RESULTS"]
ROOT = os.environ["ROOT"]
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
PIN = shlex.split(os.environ.get("PIN", ""))
OPENBLAS_DIR = os.environ.get("OPENBLAS_DIR", "")
KMAX = int(os.environ.get("KMAX", "32"))
PRECISION = int(os.environ.get("PRECISION", "128"))
EXACT_BUDGET = float(os.environ.get("EXACT_BUDGET", "600"))
EXACT_SUBGRID = int(os.environ.get("EXACT_SUBGRID", "8"))
FFT_BUDGET = float(os.environ.get("FFT_BUDGET", "300"))
FFT_MAX_N = int(os.environ.get("FFT_MAX_N", "16384"))
FFT_EXTRA_N = [int(v) for v in os.environ.get("FFT_EXTRA_N", "").split(",") if v]
TRAINED_STEPS = os.environ.get("TRAINED_STEPS", "")  # empty: the preset's 16,000
TARGETS = [1e-6, 1e-10]
ORDER = {"rect": 1, "trap": 2}  # the rules' error orders in 1/N for this f (continuous, non-periodic)
RULE_NAME = {"rect": "rectangle (fft2/N^2)", "trap": "trapezoid"}

anomalies = []
notes = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def status_of(r):
    if r["rc"] == 0:
        return "ok"
    if r["rc"] == "timeout":
        return "killed after the timeout"
    return f"error (exit {r['rc']}): " + last_line(r["stderr"])


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def git_state():
    if os.path.realpath(os.path.dirname(RELUTOPE)) != os.path.realpath(os.environ.get("BUILD_DIR", os.path.join(ROOT, "build-bench"))):
        label = os.environ.get("RELUTOPE_LABEL", "")
        return f"executable {RELUTOPE} (given, not built from this tree{': ' + label if label else ''})"
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "include", "CMakeLists.txt"],
                               capture_output=True, text=True).stdout.split("\n")
        dirty = [l[3:] for l in dirty if l.strip()]
        return head + (" + uncommitted changes to " + ", ".join(dirty) if dirty else "")
    except OSError:
        return "unknown"


def freq_arg(ks):
    return " ".join(f"{a},{b}" for a, b in ks)


def spectrum(net, ks, out, extra=(), timeout=None):
    r = run([RELUTOPE, "spectrum", net, "--freq", freq_arg(ks), "--precision", PRECISION, "--json", out, *extra],
            timeout=timeout)
    r["doc"] = None
    if r["rc"] == 0:
        try:
            with open(out) as f:
                r["doc"] = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            r["rc"] = f"bad JSON ({e})"
    return r


def to_float(s):
    return float(Fraction(s)) if "/" in s else float(s)


def fmt_s(x):
    if x is None:
        return "-"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 0.1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def fmt_n(n):
    return f"{n:,}"


def fmt_bytes(b):
    if b >= 1e15:
        return f"{b:.2g} bytes"
    if b >= 1e12:
        return f"{b / 1e12:.1f} TB"
    if b >= 1e9:
        return f"{b / 1e9:.1f} GB"
    return f"{b / 1e6:.0f} MB"


def fmt_dur(s):
    if s < 120:
        return f"{s:.1f} s"
    if s < 7200:
        return f"{s / 60:.1f} min"
    if s < 172800:
        return f"{s / 3600:.1f} h"
    if s < 3.156e7:
        return f"{s / 86400:.1f} days"
    return f"{s / 3.156e7:.2g} years"


def fmt_big(n):
    return f"{n:,.0f}" if n < 1e7 else f"{n:.2g}"


def fmt_ratio(x):
    return f"{x:.2g}" if x < 0.01 else f"{x:,.4f}" if x < 1 else f"{x:,.2f}" if x < 1e6 else f"{x:.2g}"


def nlogn_scale(n_to, n_from):
    return (n_to ** 2 * math.log2(n_to)) / (n_from ** 2 * math.log2(n_from))


def main():
    os.makedirs(WORK, exist_ok=True)
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    ks1 = list(range(-KMAX, KMAX))  # 64 integer frequencies per axis: [-32, 31]
    grid = [(a, b) for a in ks1 for b in ks1]
    nonzero = [k for k in grid if k != (0, 0)]

    # 1. The trained network ---------------------------------------------------------------
    log("== training lazzari-random-rgb" + (f" ({TRAINED_STEPS} steps)" if TRAINED_STEPS else " (full preset)"))
    net = os.path.join(WORK, "lazzari-random-rgb.json")
    targs = ["--preset", "lazzari-random-rgb"] + (["--steps", TRAINED_STEPS] if TRAINED_STEPS else [])
    r = run([RELUTOPE, "train", *targs, "--quiet", "--out", net, "--json", "-"])
    if r["rc"] != 0:
        sys.exit(f"spectrum bench: training failed ({r['rc']}): {last_line(r['stderr'])}")
    tr = json.loads(r["stdout"])
    log(f"   {tr['steps']} steps in {tr['seconds']:.1f} s, loss {tr['final_loss']:.4f}")

    # 2. Probes: k = 0 alone (the exact rational mean), 1 and 65 nonzero frequencies ------
    log("== probes: k = 0 alone; 1 and 65 nonzero frequencies")
    p0 = spectrum(net, [(0, 0)], os.path.join(WORK, "probe-k0.json"), timeout=600)
    rng = random.Random(0)
    probe_ks = rng.sample(nonzero, min(65, len(nonzero)))
    p1 = spectrum(net, probe_ks[:1], os.path.join(WORK, "probe-1.json"), timeout=600)
    p65 = spectrum(net, probe_ks, os.path.join(WORK, "probe-65.json"), timeout=600)
    p65_lo = spectrum(net, probe_ks, os.path.join(WORK, "probe-65-64bits.json"), extra=["--precision", "64"],
                      timeout=600)
    for name, p in (("k=0", p0), ("1 frequency", p1), ("65 frequencies", p65)):
        if p["rc"] != 0:
            sys.exit(f"spectrum bench: probe ({name}) failed: {status_of(p)}")
    per_freq = (p65["doc"]["seconds"] - p1["doc"]["seconds"]) / max(1, len(probe_ks) - 1)
    mean_s = p0["doc"]["seconds"] - p1["doc"]["seconds"] + per_freq  # k = 0's own cost, about
    predicted = p0["wall"] + per_freq * len(nonzero)
    log(f"   k=0 alone {p0['doc']['seconds']:.2f} s; {per_freq * 1000:.0f} ms per nonzero frequency; "
        f"full grid predicted {predicted:.0f} s")

    # 3. The exact spectrum on the 64 x 64 grid (or a subgrid, extrapolated) -------------
    extrapolated_exact = predicted > EXACT_BUDGET
    if extrapolated_exact:
        sub1 = list(range(-EXACT_SUBGRID, EXACT_SUBGRID))
        kmin, kmax = -EXACT_SUBGRID, EXACT_SUBGRID - 1
        measured_grid = [(a, b) for a in sub1 for b in sub1]
        log(f"== exact spectrum on the subgrid [{kmin},{kmax}]^2 (the full grid is predicted at {predicted:.0f} s "
            f"> EXACT_BUDGET {EXACT_BUDGET:.0f} s)")
    else:
        kmin, kmax = -KMAX, KMAX - 1
        measured_grid = grid
        log(f"== exact spectrum on the {len(ks1)}x{len(ks1)} grid [{kmin},{kmax}]^2, all outputs, {PRECISION} bits")
    exact_json = os.path.join(WORK, "exact.json")
    ex = spectrum(net, measured_grid, exact_json, timeout=max(3 * predicted, 300) + 120)
    if ex["rc"] != 0:
        sys.exit(f"spectrum bench: the exact spectrum failed: {status_of(ex)}")
    doc = ex["doc"]
    m = kmax - kmin + 1
    outputs = 1 + max(c["out"] for c in doc["coefficients"])
    exact = np.full((outputs, m, m), np.nan, dtype=np.complex128)
    digits = np.full((outputs, m, m), -1, dtype=np.int64)
    uncert = np.zeros((outputs, m, m))
    exact_flag = np.zeros((outputs, m, m), dtype=bool)
    digits_note = []
    mean_digits = 0
    for c in doc["coefficients"]:
        o, i, j = c["out"], int(round(c["k"][0])) - kmin, int(round(c["k"][1])) - kmin
        rational = c.get("mean", c["re"]) if c["exact"] else ""  # older builds put the rational in "re"
        if "/" in rational:
            mean_digits = max(mean_digits, max(len(part.lstrip("-")) for part in rational.split("/")))
        if c["exact"] and c["certified_digits"] < 20 and not digits_note:
            digits_note.append(f"exact coefficients (k = 0, the rational mean) carry `certified_digits` "
                               f"{c['certified_digits']} by convention (src/spectrum.cpp), so the CLI's summary line "
                               "\"at least N digits certified\" reports that, not the fewest digits of the "
                               "evaluated coefficients")
        exact[o, i, j] = complex(to_float(c["re"]), to_float(c["im"]))
        digits[o, i, j] = c["certified_digits"]
        exact_flag[o, i, j] = c["exact"]
        if not c["exact"] and c["abs"] != 0:
            uncert[o, i, j] = c["abs"] * 10.0 ** (1 - c["certified_digits"])  # one unit in the last digit
    if np.isnan(exact).any():
        sys.exit("spectrum bench: the exact JSON misses some (k, output)")
    exact_npy = os.path.join(WORK, "exact.npy")
    np.save(exact_npy, exact)
    inexact = ~exact_flag & (np.abs(exact) > 0)
    dig = digits[inexact]
    n_coef = exact.size
    exact_zero = int(((np.abs(exact) == 0) & ~exact_flag).sum())
    if extrapolated_exact:
        n_sub_nonzero = len(measured_grid) - 1
        exact_wall = ex["wall"] + (ex["wall"] - p0["wall"]) / n_sub_nonzero * (len(nonzero) - n_sub_nonzero)
        exact_cpu = ex["cpu"] + (ex["cpu"] - p0["cpu"]) / n_sub_nonzero * (len(nonzero) - n_sub_nonzero)
        exact_s = doc["seconds"] + (doc["seconds"] - p0["doc"]["seconds"]) / n_sub_nonzero * (len(nonzero) - n_sub_nonzero)
    else:
        exact_wall, exact_cpu, exact_s = ex["wall"], ex["cpu"], doc["seconds"]
    log(f"   {doc['seconds']:.1f} s relutope, {ex['wall']:.1f} s wall, {ex['maxrss_kb'] / 1024:.0f} MB; "
        f"certified digits {dig.min()}..{dig.max()}")
    if dig.min() < 20:
        anomalies.append(f"some coefficients certify only {dig.min()} digits at {PRECISION} bits "
                         f"({int((dig < 20).sum())} below 20)")
    if uncert.max() > 1e-12:
        anomalies.append(f"the exact values' certified uncertainty reaches {uncert.max():.1e}: not a valid reference at 1e-10")

    # 4. The FFT series ----------------------------------------------------------------------
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("LD_LIBRARY_PATH", None)
    blas_label = "Debian numpy, system libblas"
    if OPENBLAS_DIR:
        env["LD_LIBRARY_PATH"] = OPENBLAS_DIR
        blas_label = "Debian numpy + OpenBLAS (one thread)"
    mem_total = meminfo("MemTotal")
    fft_rows, stop_reason = [], f"FFT_MAX_N = {FFT_MAX_N}"

    def fft_one(n, t_pred, extra=False):
        out = os.path.join(WORK, f"fft-{n}.json")
        dump = os.path.join(WORK, f"fft-{n}.npy")
        r = run([PYTHON, os.path.join(ROOT, "bench", "spectrum_fft.py"), net, exact_npy, "--n", n, "--kmin", kmin,
                 "--kmax", kmax, "--json", out, "--dump", dump], env=env, timeout=3 * t_pred + 60)
        if r["rc"] != 0:
            anomalies.append(f"the FFT at N = {n}: {status_of(r)}")
            return False
        with open(out) as f:
            row = json.load(f)
        row.update(wall=r["wall"], cpu=r["cpu"], maxrss_kb=r["maxrss_kb"], est=np.load(dump), extra=extra)
        fft_rows.append(row)
        log(f"   N = {n}: rectangle {row['rect']['seconds']:.2f} s, max error {row['rect']['max_abs_error']:.2e}; "
            f"trapezoid {row['trap']['seconds']:.2f} s, {row['trap']['max_abs_error']:.2e}"
            + (f"; Richardson {row['rich']['max_abs_error']:.2e}" if "rich" in row else "")
            + f"; {r['maxrss_kb'] / 1024:.0f} MB")
        return True

    fft_start = time.perf_counter()
    n = 64
    while n < m:
        n *= 2
    log(f"== FFT baseline ({blas_label}), N = {n}, {2 * n}, ... (budget {FFT_BUDGET:.0f} s)")
    while n <= FFT_MAX_N:
        spent = time.perf_counter() - fft_start
        if fft_rows:
            last = fft_rows[-1]
            t_pred = last["wall"] * nlogn_scale(n, last["n"])
            mem_pred = last["maxrss_kb"] * 1024 * (n / last["n"]) ** 2
            if spent + t_pred > FFT_BUDGET:
                stop_reason = (f"N = {n} is predicted at {t_pred:.0f} s (N^2 log N from N = {last['n']}), beyond "
                               f"the {FFT_BUDGET:.0f} s FFT budget ({spent:.0f} s spent)")
                break
            if mem_pred > 0.8 * meminfo("MemAvailable"):
                stop_reason = f"N = {n} is predicted to need {fmt_bytes(mem_pred)}, beyond 80% of the available memory"
                break
            if all(row[rule]["max_abs_error"] <= TARGETS[-1] for rule in ORDER for row in fft_rows[-1:]):
                stop_reason = "both rules reached the last target"
                break
        else:
            t_pred = 60
        if not fft_one(n, t_pred):
            stop_reason = f"N = {n} failed"
            break
        n *= 2
    for n in FFT_EXTRA_N:  # asked for by name: no budget, only the memory check
        if fft_rows and fft_rows[-1]["maxrss_kb"] * 1024 * (n / fft_rows[-1]["n"]) ** 2 > 0.8 * meminfo("MemAvailable"):
            anomalies.append(f"FFT_EXTRA_N {n} skipped: predicted beyond 80% of the available memory")
            continue
        log(f"== FFT at the extra N = {n} (FFT_EXTRA_N)")
        fft_one(n, fft_rows[-1]["wall"] * nlogn_scale(n, fft_rows[-1]["n"]) if fft_rows else 600, extra=True)
    fft_rows.sort(key=lambda row: row["n"])
    if not fft_rows:
        sys.exit("spectrum bench: no FFT ran")
    numpy_version = fft_rows[0]["numpy"]

    # 5. Cross-check: relutope's own --fft (FFTW, rectangle rule) against numpy's ---------
    cross = None
    n_cross = 256 if any(row["n"] == 256 for row in fft_rows) else fft_rows[0]["n"]
    cross_ks = [k for k in rng.sample(nonzero, 6) if kmin <= k[0] <= kmax and kmin <= k[1] <= kmax
                and abs(k[0]) < n_cross // 2 and abs(k[1]) < n_cross // 2]
    if cross_ks:
        rc = spectrum(net, cross_ks, os.path.join(WORK, "cross.json"), extra=["--fft", n_cross], timeout=600)
        if rc["rc"] == 0:
            row = next(row for row in fft_rows if row["n"] == n_cross)
            diffs = []
            for c, e in zip(rc["doc"]["coefficients"], rc["doc"]["fft"]["coefficients"]):
                mine = row["est"][0, c["out"], int(round(c["k"][0])) - kmin, int(round(c["k"][1])) - kmin]
                diffs.append(abs(complex(e["re"], e["im"]) - mine))
            cross = {"n": n_cross, "count": len(diffs), "max_diff": max(diffs),
                     "relutope_max_err": rc["doc"]["fft"]["max_abs_error"]}
            if cross["max_diff"] > 1e-12:
                anomalies.append(f"relutope --fft {n_cross} and numpy's rectangle rule differ by "
                                 f"{cross['max_diff']:.1e} at the same frequencies")
        else:
            anomalies.append(f"relutope --fft {n_cross} cross-check: {status_of(rc)}")

    # 6. Analysis --------------------------------------------------------------------------
    for i, row in enumerate(fft_rows):
        for rule in ORDER:
            prev = fft_rows[i - 1] if i else None
            row[rule]["order"] = (math.log(prev[rule]["max_abs_error"] / row[rule]["max_abs_error"])
                                  / math.log(row["n"] / prev["n"]) if prev else None)

    # The Richardson-extrapolated trapezoid, T(N) + (T(N) - T(N/2)) / 3: not one of the two rules
    # asked for, but an FFT user can have it for one more fft (T(N/2)'s samples are every other
    # one of T(N)'s); spectrum_fft.py measures it in the same process.
    rich_rows = [{"n": row["n"], "max_abs_error": row["rich"]["max_abs_error"], "argmax": tuple(row["rich"]["argmax"]),
                  "seconds": row["rich"]["seconds"], "cpu": row["rich"]["cpu_seconds"]}
                 for row in fft_rows if "rich" in row]
    for i, row in enumerate(rich_rows):
        prev = rich_rows[i - 1] if i else None
        row["order"] = (math.log(prev["max_abs_error"] / row["max_abs_error"]) / math.log(row["n"] / prev["n"])
                        if prev else None)

    # Per-coefficient check against the FFT's own error estimate (Richardson), at the last two N.
    model = {}
    if len(fft_rows) >= 2:
        a, b = fft_rows[-2], fft_rows[-1]
        for idx, rule in enumerate(ORDER):
            p = ORDER[rule]
            factor = (b["n"] / a["n"]) ** p - 1
            est_err = np.abs(b["est"][idx] - a["est"][idx]) / factor
            actual = np.abs(b["est"][idx] - exact)
            rich = b["est"][idx] + (b["est"][idx] - a["est"][idx]) / factor
            rich_err = np.abs(rich - exact)
            floor = 1e-13
            ratio = actual / (est_err + floor)
            # Beyond the model: 10x the estimate, and not small next to the grid's worst error (the
            # per-coefficient error oscillates with N where its leading term nearly cancels).
            bad = (actual > 10 * est_err + 1e-12) & (actual > 0.1 * actual.max())
            beyond = actual > 10 * est_err + 1e-12
            o, i, j = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
            model[rule] = {"n": b["n"], "n_prev": a["n"], "factor": factor, "median_ratio": float(np.median(ratio)), "worst_ratio": float(ratio.max()),
                           "worst_at": (int(o), int(i + kmin), int(j + kmin)), "bad": int(bad.sum()),
                           "beyond": int(beyond.sum()),
                           "beyond_max": float(actual[beyond].max()) if beyond.any() else 0.0,
                           "actual_max": float(actual.max()),
                           "within2": float(np.mean((actual <= 2 * est_err + floor))),
                           "rich_max": float(rich_err.max())}

    def first_reaching(rule, target):
        for row in fft_rows:
            if row[rule]["max_abs_error"] <= target:
                return row
        return None

    mem_avail = meminfo("MemTotal")
    n_fit = int(math.sqrt(mem_avail / 16))  # one output's float64 samples + its rfft2: 16 N^2 bytes
    reach = {}
    for rule in ORDER:
        for target in TARGETS:
            row = first_reaching(rule, target)
            if row:
                t = row[rule]["seconds"]
                reach[rule, target] = {"how": "measured", "n": row["n"], "seconds": t, "cpu": row[rule]["cpu_seconds"],
                                       "feasible": True}
                continue
            last = fft_rows[-1]
            p = ORDER[rule]
            n_star = last["n"] * (last[rule]["max_abs_error"] / target) ** (1 / p)
            n_pow2 = 2 ** math.ceil(math.log2(n_star))
            t_star = last[rule]["seconds"] * nlogn_scale(n_star, last["n"])
            t_pow2 = last[rule]["seconds"] * nlogn_scale(n_pow2, last["n"])
            p_fit = last[rule]["order"]
            n_fit_rate = (last["n"] * (last[rule]["max_abs_error"] / target) ** (1 / p_fit)) if p_fit and p_fit > 0.2 else None
            reach[rule, target] = {"how": "extrapolated", "n": n_star, "n_pow2": n_pow2, "seconds": t_star,
                                   "cpu": last[rule]["cpu_seconds"] * nlogn_scale(n_star, last["n"]),
                                   "seconds_pow2": t_pow2, "n_fitted_rate": n_fit_rate, "p_fit": p_fit,
                                   "mem": 16 * n_star ** 2, "feasible": n_star <= n_fit}

    # The Richardson-extrapolated trapezoid: no clean order (the kinks' error terms oscillate with
    # N), so extrapolate with the least-squares order of its last three N.
    rich_reach = {}
    for target in TARGETS:
        hit = next((row for row in rich_rows if row["max_abs_error"] <= target), None)
        if hit:
            rich_reach[target] = {"how": "measured", "n": hit["n"], "seconds": hit["seconds"], "cpu": hit["cpu"],
                                  "feasible": True}
        elif len(rich_rows) >= 2:
            tail = rich_rows[-3:]
            xs = [math.log2(row["n"]) for row in tail]
            ys = [math.log2(row["max_abs_error"]) for row in tail]
            xm, ym = statistics.mean(xs), statistics.mean(ys)
            slope = sum((x - xm) * (y - ym) for x, y in zip(xs, ys)) / sum((x - xm) ** 2 for x in xs)
            p = -slope
            last = rich_rows[-1]
            if p > 0.2:
                n_star = last["n"] * (last["max_abs_error"] / target) ** (1 / p)
                rich_reach[target] = {"how": "extrapolated", "n": n_star, "p": p, "fit_ns": [row["n"] for row in tail],
                                      "seconds": last["seconds"] * nlogn_scale(n_star, last["n"]),
                                      "cpu": last["cpu"] * nlogn_scale(n_star, last["n"]),
                                      "mem": 16 * n_star ** 2, "feasible": n_star <= n_fit}

    # Report -------------------------------------------------------------------------------
    total = time.perf_counter() - started
    load_end = os.getloadavg()[0]
    for d_ in digits_note:
        anomalies.append("Minor, cosmetic: " + d_ + f" ({int(dig.min())}).")
    if mean_digits:
        notes.append(f"The exact mean (k = 0) is a rational whose numerator or denominator has up to {mean_digits:,} "
                     f"digits; computing it costs about {mean_s:.1f} s, as much as ~{mean_s / per_freq:.0f} nonzero "
                     f"frequencies ({mean_s / exact_s * 100:.0f}% of the grid's time).")
    if load_start > 1.2 or load_end > 1.2:
        notes.append(f"The machine was not idle: 1-minute load average {load_start:.1f} at the start, "
                     f"{load_end:.1f} at the end, on {os.cpu_count()} CPUs. Wall times are inflated by the other "
                     "processes; CPU times less so.")
    full_label = f"{len(ks1)} x {len(ks1)} grid [{-KMAX},{KMAX - 1}]^2"
    L = []
    L.append("## Exact Fourier spectrum vs the FFT (`bash bench/spectrum.sh`)")
    L.append("")
    L.append(f"{datetime.date.today().isoformat()}, {cpu_model()}, {os.cpu_count()} CPUs, "
             f"{fmt_bytes(mem_total)} memory; relutope {git_state()}; every process pinned to one CPU "
             f"({' '.join(PIN) or 'no taskset'}), one thread. Bench total {total:.0f} s. Settings: KMAX={KMAX}, "
             f"PRECISION={PRECISION}, EXACT_BUDGET={EXACT_BUDGET:g}, FFT_BUDGET={FFT_BUDGET:g}, FFT_MAX_N={FFT_MAX_N}"
             + (f", FFT_EXTRA_N={','.join(map(str, FFT_EXTRA_N))} (run after the series, outside its budget)"
                if FFT_EXTRA_N else "") + ".")
    L.append("")
    L.append(f"Network: trained `lazzari-random-rgb` (2 -> 128 -> 128 -> 3, {tr['steps']:,} steps in "
             f"{tr['seconds']:.1f} s, loss {tr['final_loss']:.4f}) on [0,1]^2, {doc['regions']:,} exact regions. "
             f"Frequencies: the integer {full_label} (the grid an N = 64 FFT returns; `--grid 32` would give "
             f"65 x 65), all three outputs: {len(grid) * outputs:,} coefficients c(k) = integral over [0,1]^2 of "
             "f(x) exp(-2 pi i k.x) dx.")
    L.append("")
    L.append(f"### 1. Exact spectrum (`relutope spectrum NET --freq \"-32,-32 ... 31,31\" --precision {PRECISION} "
             "--json F`)")
    L.append("")
    if extrapolated_exact:
        L.append(f"**Extrapolated**: the full grid was predicted at {predicted:.0f} s (> EXACT_BUDGET "
                 f"{EXACT_BUDGET:.0f} s), so only the subgrid [{kmin},{kmax}]^2 ({len(measured_grid):,} frequencies) "
                 "was computed; the full-grid times are that run's plus its per-nonzero-frequency cost times the "
                 "remaining frequencies.")
        L.append("")
    L.append("| frequencies | coefficients | relutope seconds | wall s | CPU s | peak memory MB | ms per nonzero "
             "frequency (3 outputs) | certified digits min / median / max |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    L.append(f"| {len(measured_grid):,}{' (subgrid)' if extrapolated_exact else ''} | {n_coef:,} | "
             f"{doc['seconds']:.1f} | {ex['wall']:.1f} | {ex['cpu']:.1f} | {ex['maxrss_kb'] / 1024:.0f} | "
             f"{(doc['seconds'] - p0['doc']['seconds']) / (len(measured_grid) - 1) * 1000:.0f} | "
             f"{dig.min()} / {int(np.median(dig))} / {dig.max()} |")
    if extrapolated_exact:
        L.append(f"| {len(grid):,} *extrapolated* | {len(grid) * outputs:,} | ~{exact_s:.0f} | ~{exact_wall:.0f} | "
                 f"~{exact_cpu:.0f} | - | - | - |")
    L.append("")
    L.append(f"Wall s = the whole process (loading, enumerating the regions, every coefficient, the JSON); "
             "relutope seconds = the `seconds` it reports. Probes (same process kind): k = 0 alone (the exact "
             f"mean, a rational) {p0['doc']['seconds']:.2f} s, one nonzero frequency {p1['doc']['seconds']:.2f} s, "
             f"{len(probe_ks)} nonzero frequencies {p65['doc']['seconds']:.2f} s at {PRECISION} bits"
             + (f" and {p65_lo['doc']['seconds']:.2f} s at 64 bits (certified digits "
                f"{min(c['certified_digits'] for c in p65_lo['doc']['coefficients'])}.."
                f"{max(c['certified_digits'] for c in p65_lo['doc']['coefficients'])})" if p65_lo["rc"] == 0 else "")
             + f": {per_freq * 1000:.0f} ms per nonzero frequency, and the exact mean alone costs about "
             f"{mean_s:.1f} s, {mean_s / exact_s * 100:.0f}% of the grid. The certified digits at {PRECISION} bits "
             f"(of the {PRECISION * math.log10(2):.0f} the precision holds) put every coefficient's uncertainty "
             f"below {max(uncert.max(), 1e-300):.0e} (absolute): the exact values are a valid reference for both targets."
             + (f" {exact_zero} coefficients are exact zeros." if exact_zero else ""))
    L.append("")
    L.append(f"### 2. FFT estimates ({blas_label} for the forward pass, numpy {numpy_version} pocketfft, float64)")
    L.append("")
    L.append("Time = building the grid + forward pass + (trapezoid: the far edges and the fold) + `np.fft.fft2` / "
             "N^2 of the three outputs (not loading, not the comparison); the trapezoid row shares the "
             "rectangle's N x N samples and adds the 2N + 1 far-edge ones. Error = max over the "
             f"{len(measured_grid):,} frequencies and 3 outputs of |estimate - exact|; order = log(error ratio) / "
             "log(N ratio) to the previous N (1 expected for the rectangle rule, 2 for the trapezoid). Peak memory = the "
             f"process (both rules). Series stopped: {stop_reason}.")
    L.append("")
    L.append("| N | points | rule | time s | CPU s | peak memory MB | max abs error | at (output, k) | order | "
             "time / exact time |")
    L.append("|---:|---:|---|---:|---:|---:|---:|---|---:|---:|")
    for row in fft_rows:
        for rule in ORDER:
            e = row[rule]
            o, k1, k2 = e["argmax"]
            order = f"{e['order']:.2f}" if e["order"] is not None else "-"
            L.append(f"| {row['n']:,}{' (extra)' if row.get('extra') else ''} | {row['points']:,} | {RULE_NAME[rule]} | {fmt_s(e['seconds'])} | "
                     f"{fmt_s(e['cpu_seconds'])} | {row['maxrss_kb'] / 1024:.0f} | {e['max_abs_error']:.2e} | "
                     f"{o}, ({k1},{k2}) | {order} | {fmt_ratio(e['seconds'] / exact_wall)} |")
    for row in rich_rows:
        o, k1, k2 = row["argmax"]
        order = f"{row['order']:.2f}" if row["order"] is not None else "-"
        L.append(f"| {row['n']:,} | {row['n'] ** 2:,} | *Richardson trapezoid* | {fmt_s(row['seconds'])} | "
                 f"{fmt_s(row['cpu'])} | - | "
                 f"{row['max_abs_error']:.2e} | {o}, ({k1},{k2}) | {order} | {fmt_ratio(row['seconds'] / exact_wall)} |")
    L.append("")
    L.append("*Richardson trapezoid* (not one of the two rules the benchmark asks for; computed from the same runs): "
             "T(N) + (T(N) - T(N/2)) / 3, what an FFT user can get for one more, smaller FFT (T(N/2)'s folded "
             "grid is every other sample of T(N)'s); time = T(N)'s time + that N/2 FFT, measured in the same "
             "process. Its order is not clean: the interior kinks' error terms oscillate with N.")
    L.append("")
    L.append(f"### 3. Accuracy targets: time to the whole {m} x {m} spectrum, all outputs, max error <= target")
    L.append("")
    L.append(f"Exact route: {exact_wall:.1f} s wall{' (extrapolated)' if extrapolated_exact else ''} for every "
             f"target (its error is below {max(uncert.max(), 1e-300):.0e}). FFT: the smallest N measured (powers "
             f"of two{', and ' + ','.join(map(str, FFT_EXTRA_N)) if FFT_EXTRA_N else ''}) to reach the target; where none did, N is **extrapolated** from the largest N measured "
             "with the rule's order (error x (N_last / N)^p, p = 1 rectangle, 2 trapezoid), and its time from "
             f"N^2 log N. Memory: a float64 FFT of one output needs at least 16 N^2 bytes (the samples and a real "
             f"FFT), so {fmt_bytes(mem_total)} holds N <= {n_fit:,}.")
    L.append("")
    L.append("| target | rule | N | FFT time | FFT time / exact time | FFT CPU / exact CPU | memory (16 N^2) | fits this machine |")
    L.append("|---|---|---|---:|---:|---:|---:|---|")
    for target in TARGETS:
        for rule in ORDER:
            rr = reach[rule, target]
            if rr["how"] == "measured":
                L.append(f"| {target:.0e} | {RULE_NAME[rule]} | {rr['n']:,} (measured) | {rr['seconds']:.2f} s | "
                         f"**{rr['seconds'] / exact_wall:.4f}** | {rr['cpu'] / exact_cpu:.4f} | {fmt_bytes(16 * rr['n'] ** 2)} | yes |")
            else:
                alt = (f"; at the measured order {rr['p_fit']:.2f}: N ~ {fmt_big(rr['n_fitted_rate'])}"
                       if rr["n_fitted_rate"] else "")
                L.append(f"| {target:.0e} | {RULE_NAME[rule]} | ~{fmt_big(rr['n'])} *extrapolated* (power of two: "
                         f"{fmt_big(rr['n_pow2'])}{alt}) | ~{fmt_dur(rr['seconds'])} *extrapolated* | "
                         f"~{fmt_ratio(rr['seconds'] / exact_wall)} | ~{fmt_ratio(rr['cpu'] / exact_cpu)} | "
                         f"{fmt_bytes(rr['mem'])} | {'yes' if rr['feasible'] else 'no'} |")
        rr = rich_reach.get(target)
        if rr and rr["how"] == "measured":
            L.append(f"| {target:.0e} | *Richardson trapezoid* | {rr['n']:,} (measured) | {rr['seconds']:.2f} s | "
                     f"{rr['seconds'] / exact_wall:.4f} | {rr['cpu'] / exact_cpu:.4f} | {fmt_bytes(16 * rr['n'] ** 2)} | yes |")
        elif rr:
            L.append(f"| {target:.0e} | *Richardson trapezoid* | ~{rr['n']:,.0f} *extrapolated* (order {rr['p']:.2f}, "
                     f"fitted on N = {', '.join(format(x, ',') for x in rr['fit_ns'])}) | "
                     f"~{fmt_dur(rr['seconds'])} *extrapolated* | ~{fmt_ratio(rr['seconds'] / exact_wall)} | "
                     f"~{fmt_ratio(rr['cpu'] / exact_cpu)} | {fmt_bytes(rr['mem'])} | {'yes' if rr['feasible'] else 'no'} |")
    L.append("")

    # Goals.
    L.append("### Goals (issue 4)")
    L.append("")
    t10 = [(reach[r, 1e-10], r) for r in ORDER]
    feasible10 = [(x, r) for x, r in t10 if x["feasible"]]
    if feasible10:
        best, rule = min(feasible10, key=lambda xr: xr[0]["seconds"])
        met = exact_wall < best["seconds"]
        L.append(f"- 1e-10, exact faster than any FFT that can reach it on this machine: **{'met' if met else 'not met'}**: "
                 f"the fastest is the {RULE_NAME[rule]} at N = {best['n']:,.0f} ({best['how']}), "
                 f"{fmt_dur(best['seconds'])}, **{best['seconds'] / exact_wall:,.2f}x** the exact route's "
                 f"{exact_wall:.0f} s.")
    else:
        best, rule = min(t10, key=lambda xr: xr[0]["seconds"])
        L.append(f"- 1e-10, exact faster than any FFT that can reach it on this machine: **met**: no in-memory "
                 f"float64 FFT on this machine reaches 1e-10 (it needs N ~ {best['n']:,.0f} with the "
                 f"{RULE_NAME[rule]}, {fmt_bytes(best['mem'])}, beyond N = {n_fit:,}); ignoring memory it would take "
                 f"~{fmt_dur(best['seconds'])} (*extrapolated*), **~{best['seconds'] / exact_wall:,.0f}x** the exact "
                 f"route's {exact_wall:.0f} s.")
    rr = rich_reach.get(1e-10)
    if rr:
        faster = rr["seconds"] < exact_wall
        L.append(f"- Caveat to the 1e-10 goal: the *Richardson trapezoid* (an FFT too) "
                 + (f"reaches 1e-10 at N = {rr['n']:,} (measured) in {fmt_dur(rr['seconds'])}, "
                    if rr["how"] == "measured" else
                    f"would reach 1e-10 at N ~ {rr['n']:,.0f} (*extrapolated* at its fitted order {rr['p']:.2f}; "
                    f"{fmt_bytes(rr['mem'])}, {'fits' if rr['feasible'] else 'does not fit'} this machine) in "
                    f"~{fmt_dur(rr['seconds'])}, ")
                 + f"{rr['seconds'] / exact_wall:.2f}x the exact route: "
                 + ("**faster than the exact route**, so against it the goal is not met." if faster and rr["feasible"]
                    else "slower than the exact route." if rr["feasible"] else "not on this machine.")
                 + " Unlike the exact route, no FFT estimate says how many of its digits are right.")
    t6 = [(reach[r, 1e-6], r) for r in ORDER]
    best, rule = min(t6, key=lambda xr: xr[0]["seconds"])
    met = exact_wall <= best["seconds"]
    L.append(f"- 1e-6, exact no slower than the FFT: **{'met' if met else 'not met'}**: the fastest FFT to 1e-6 is "
             f"the {RULE_NAME[rule]} at N = {best['n']:,.0f} ({best['how']}), {fmt_dur(best['seconds'])}; the "
             f"exact route takes {exact_wall:.1f} s, **{exact_wall / best['seconds']:,.1f}x** the FFT "
             f"(FFT / exact = {best['seconds'] / exact_wall:.4f}); in CPU time {exact_cpu:.1f} s against "
             f"{best['cpu']:.2f} s." if best["how"] == "measured" else
             f"- 1e-6, exact no slower than the FFT: **{'met' if met else 'not met'}**: the fastest FFT to 1e-6 is the "
             f"{RULE_NAME[rule]}, ~{fmt_dur(best['seconds'])} (*extrapolated*, N ~ {best['n']:,.0f}); exact "
             f"{exact_wall:.1f} s.")
    rr6 = rich_reach.get(1e-6)
    if rr6 and rr6["seconds"] < best["seconds"]:
        L.append(f"  The *Richardson trapezoid* gets there faster still: N = {fmt_big(rr6['n'])} "
                 f"({rr6['how']}), {fmt_dur(rr6['seconds'])}.")
    rr = reach["rect", 1e-6]
    L.append(f"- The rectangle rule (`np.fft.fft2(y) / N**2`, what users compute) to 1e-6: N "
             f"{'= ' + format(rr['n'], ',') + ' measured' if rr['how'] == 'measured' else '~ ' + fmt_big(rr['n']) + ' extrapolated'}"
             f", {fmt_dur(rr['seconds'])}, {fmt_ratio(rr['seconds'] / exact_wall)}x the exact route "
             f"({'fits' if rr['feasible'] else 'does not fit'} this machine's memory); at the paper's "
             f"N = 64 its max error is {fft_rows[0]['rect']['max_abs_error']:.1e}.")
    L.append("")

    # Cross-checks.
    L.append("### Cross-checks")
    L.append("")
    if cross:
        L.append(f"- `relutope spectrum --fft {cross['n']}` (FFTW) and numpy's rectangle rule at N = {cross['n']} "
                 f"agree to {cross['max_diff']:.1e} on {cross['count']} coefficients.")
    for rule, mm in model.items():
        L.append(f"- {RULE_NAME[rule]}, N = {mm['n']:,}: the FFT's own error estimate (Richardson, |E({mm['n']:,}) - "
                 f"E({mm['n_prev']:,})| / {mm['factor']:.3g}) against its actual error: median ratio actual / estimate "
                 f"{mm['median_ratio']:.2f}, {100 * mm['within2']:.1f}% of coefficients within 2x the estimate, "
                 f"worst {mm['worst_ratio']:.1f}x at output {mm['worst_at'][0]}, k = ({mm['worst_at'][1]},"
                 f"{mm['worst_at'][2]}); {mm['beyond']} coefficients beyond 10x the estimate + 1e-12, where the "
                 f"error oscillates with N (their largest actual error {mm['beyond_max']:.1e}, against the grid's "
                 f"{mm['actual_max']:.1e}); {mm['bad']} of them beyond 10% of the grid's worst error.")
        if mm["bad"]:
            anomalies.append(f"{RULE_NAME[rule]} at N = {mm['n']:,}: {mm['bad']} coefficients differ from the exact "
                             "value by more than 10x the FFT's own Richardson error estimate and 10% of the grid's "
                             "worst error (see Cross-checks)")
    L.append("")
    if notes:
        L.append("### Notes")
        L.append("")
        for n_ in notes:
            L.append(f"- {n_}")
        L.append("")
    L.append("### Anomalies")
    L.append("")
    if anomalies:
        for a_ in anomalies:
            L.append(f"- {a_}")
    else:
        L.append("- none")
    text = "\n".join(L) + "\n"
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    tmp = RESULTS + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, RESULTS)
    print(text)


if __name__ == "__main__":
    main()
