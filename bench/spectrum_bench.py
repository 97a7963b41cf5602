#!/usr/bin/python3
"""Driver of bench/spectrum.sh (run that, not this): the exact Fourier spectrum against the FFT.

Runs every case as a child process, measures its wall time, CPU time and peak resident memory
with os.wait4 (the kernel's rusage of that child: what `/usr/bin/time -v` reports), parses
relutope's JSON, runs bench/spectrum_fft.py once per grid size N, and writes the markdown report.

Arguments come from the environment (see spectrum.sh and common.sh): RELUTOPE, WORK, RESULTS,
PYTHON, PIN, OPENBLAS_DIR, and the knobs documented in spectrum.sh.
"""
import json
import math
import os
import random
import re
import statistics
import sys
import time
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measured_run import run, run_json, train  # noqa: E402
from report import (Load, closing_sections, fmt_bytes, log, machine_line, meminfo, numpy_env,  # noqa: E402
                    status_of, write_report)

sys.set_int_max_str_digits(0)  # the exact mean is a rational with ~10^5 digits

RELUTOPE = os.environ["RELUTOPE"]
WORK = os.environ["WORK"]
ROOT = os.environ["ROOT"]
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
KMAX = int(os.environ.get("KMAX", "32"))
PRECISION = int(os.environ.get("PRECISION", "128"))
FFT_BUDGET = float(os.environ.get("FFT_BUDGET", "300"))
FFT_MAX_N = int(os.environ.get("FFT_MAX_N", "16384"))
FFT_EXTRA_N = [int(v) for v in os.environ.get("FFT_EXTRA_N", "").split(",") if v]
TRAINED_STEPS = os.environ.get("TRAINED_STEPS", "")  # empty: the preset's 16,000
EXACT_REPEATS = max(1, int(os.environ.get("EXACT_REPEATS", "3")))  # route C's runs: median of these
TARGETS = [1e-6, 1e-10]
REFERENCE_MARGIN = 0.1  # the reference's uncertainty must stay below this fraction of each target
MIN_DIGITS = 6  # route C recomputes by route A what it certifies to fewer digits than this
ORDER = {"rect": 1, "trap": 2}  # the rules' error orders in 1/N for this f (continuous, non-periodic)
RULE_NAME = {"rect": "rectangle (fft2/N^2)", "trap": "trapezoid"}

anomalies = []
notes = []


def freq_arg(ks):
    return " ".join(f"{a},{b}" for a, b in ks)


def spectrum(net, ks, name, route=None, extra=(), timeout=600):
    """`relutope spectrum NET --freq KS --precision PRECISION [--route ROUTE] --json WORK/NAME`;
    route None: the default route (C, edges)."""
    out = os.path.join(WORK, name)
    return run_json([RELUTOPE, "spectrum", net, "--freq", freq_arg(ks), "--precision", PRECISION,
                     *(["--route", route] if route else []), "--json", out, *extra], out=out, timeout=timeout)


def spectrum_median(net, ks, name, timeout=600):
    """spectrum() with the default route, EXACT_REPEATS times (route C takes seconds, so one run is
    at the mercy of the machine's noise): the last run's result, with the median wall, CPU and
    relutope "seconds" (r["seconds"]) of the runs, their largest peak memory and all their
    "seconds" (r["all_seconds"]); a failed run is returned as is."""
    runs = []
    for _ in range(EXACT_REPEATS):
        r = spectrum(net, ks, name, timeout=timeout)
        if r["rc"] != 0:
            return r
        runs.append(r)
    r = dict(runs[-1])
    r.update(wall=statistics.median(x["wall"] for x in runs), cpu=statistics.median(x["cpu"] for x in runs),
             maxrss_kb=max(x["maxrss_kb"] for x in runs), seconds=statistics.median(x["doc"]["seconds"] for x in runs),
             all_seconds=[x["doc"]["seconds"] for x in runs])
    return r


def to_float(s):
    return float(Fraction(s)) if "/" in s else float(s)


def uncertainty(c):
    """The absolute uncertainty that a coefficient's certified digits (relative to |c|) imply:
    one unit in the last certified digit, |c| 10^-(digits - 1)."""
    return c["abs"] * 10.0 ** (1 - c["certified_digits"]) if c["abs"] != 0 else 0.0


def digits_of(doc):
    """Certified digits of the evaluated (not exact: k = 0 is the exact rational mean) nonzero coefficients."""
    return np.array([c["certified_digits"] for c in doc["coefficients"] if not c["exact"] and c["abs"] != 0],
                    dtype=np.int64)


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


def fmt_dur(s):
    if s < 120:
        return f"{fmt_s(s)} s"
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
    return (f"{x:.2g}" if x < 0.01 else f"{x:.4f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:,.0f}" if x < 1e6
            else f"{x:.2g}")


def fmt_times(x):
    """A speed ratio: '250x', '1.5x'."""
    return f"{x:,.0f}x" if x >= 10 else f"{x:.2g}x"


def nlogn_scale(n_to, n_from):
    return (n_to ** 2 * math.log2(n_to)) / (n_from ** 2 * math.log2(n_from))


def main():
    os.makedirs(WORK, exist_ok=True)
    started = time.perf_counter()
    load = Load()
    kmin, kmax = -KMAX, KMAX - 1
    ks1 = list(range(kmin, kmax + 1))  # 64 integer frequencies per axis: [-32, 31]
    m = len(ks1)
    grid = [(a, b) for a in ks1 for b in ks1]
    nonzero = [k for k in grid if k != (0, 0)]

    # 1. The trained network ---------------------------------------------------------------
    log("== training lazzari-random-rgb" + (f" ({TRAINED_STEPS} steps)" if TRAINED_STEPS else " (full preset)"))
    targs = ["--preset", "lazzari-random-rgb"] + (["--steps", TRAINED_STEPS] if TRAINED_STEPS else [])
    net, tr = train(RELUTOPE, WORK, "lazzari-random-rgb", targs, who="spectrum bench")
    log(f"   {tr['steps']} steps in {tr['seconds']:.1f} s, loss {tr['final_loss']:.4f}")

    # 2. Probes: route C (the default) k = 0 alone (the exact rational mean) and 1 nonzero
    #    frequency; route A at PRECISION bits: k = 0 alone, 1 and 65 nonzero frequencies --------
    rng = random.Random(0)
    probe_ks = rng.sample(nonzero, min(65, len(nonzero)))
    log(f"== probes: route C k = 0 alone, 1 nonzero frequency; route A ({PRECISION} bits) k = 0 alone, 1 and "
        f"{len(probe_ks)} nonzero frequencies")
    c0 = spectrum_median(net, [(0, 0)], "probe-C-k0.json")
    c1 = spectrum_median(net, probe_ks[:1], "probe-C-1.json")
    a0 = spectrum(net, [(0, 0)], "probe-A-k0.json", route="regions")
    a1 = spectrum(net, probe_ks[:1], "probe-A-1.json", route="regions")
    a65 = spectrum(net, probe_ks, "probe-A-65.json", route="regions")
    for name, p in (("route C, k = 0", c0), ("route C, 1 frequency", c1), ("route A, k = 0", a0),
                    ("route A, 1 frequency", a1), (f"route A, {len(probe_ks)} frequencies", a65)):
        if p["rc"] != 0:
            sys.exit(f"spectrum bench: probe ({name}) failed: {status_of(p)}")
    a_per_freq = (a65["doc"]["seconds"] - a1["doc"]["seconds"]) / max(1, len(probe_ks) - 1)
    a_grid = a0["doc"]["seconds"] + a_per_freq * len(nonzero)  # route A's grid, predicted (relutope seconds)
    log(f"   route C: k = 0 alone {c0['seconds']:.2f} s, 1 frequency {c1['seconds']:.2f} s; route A: "
        f"k = 0 alone {a0['doc']['seconds']:.2f} s, {a_per_freq * 1000:.0f} ms per nonzero frequency, "
        f"grid predicted {a_grid:.0f} s")

    # 3. The exact spectrum on the 64 x 64 grid, all outputs: route C -----------------------
    log(f"== exact spectrum (route C, the default) on the {m}x{m} grid [{kmin},{kmax}]^2, all outputs "
        f"(median of {EXACT_REPEATS})")
    # Time limit: route A's whole grid twice (route C recomputes by route A what it certifies badly).
    ex = spectrum_median(net, grid, "exact.json", timeout=max(600, 2 * a_grid))
    if ex["rc"] != 0:
        sys.exit(f"spectrum bench: the exact spectrum failed: {status_of(ex)}")
    doc = ex["doc"]
    if doc.get("route") != "edges":
        sys.exit(f"spectrum bench: {RELUTOPE}'s default route is {doc.get('route', 'not named')}, not edges (C): "
                 "this driver measures route C")
    outputs = 1 + max(c["out"] for c in doc["coefficients"])
    exact = np.full((outputs, m, m), np.nan, dtype=np.complex128)
    uncert = np.zeros((outputs, m, m))
    exact_flag = np.zeros((outputs, m, m), dtype=bool)
    coef_at = {}
    for c in doc["coefficients"]:
        o, i, j = c["out"], int(round(c["k"][0])) - kmin, int(round(c["k"][1])) - kmin
        exact[o, i, j] = complex(to_float(c["re"]), to_float(c["im"]))
        exact_flag[o, i, j] = c["exact"]
        uncert[o, i, j] = uncertainty(c)
        coef_at[o, i + kmin, j + kmin] = c
    if np.isnan(exact).any():
        sys.exit("spectrum bench: the exact JSON misses some (k, output)")
    exact_npy = os.path.join(WORK, "exact.npy")
    np.save(exact_npy, exact)
    dig = digits_of(doc)
    n_coef = exact.size
    exact_zero = int(((np.abs(exact) == 0) & ~exact_flag).sum())
    exact_wall, exact_cpu, exact_s = ex["wall"], ex["cpu"], ex["seconds"]
    # Route C's cost per nonzero frequency and of the exact mean, from differences of medians:
    # None where the difference is not above twice the runs' spread (a small KMAX, a busy machine).
    def above_noise(x, y):
        spread = max(max(r_["all_seconds"]) - min(r_["all_seconds"]) for r_ in (x, y))
        diff = x["seconds"] - y["seconds"]
        return diff if diff > 2 * spread and diff > 0 else None

    c_per_freq = above_noise(ex, c0)
    c_per_freq = c_per_freq / len(nonzero) if c_per_freq else None
    mean_s = above_noise(c0, c1)
    mean_s = mean_s + (c_per_freq or 0) if mean_s else None  # k = 0's own cost, about
    if c_per_freq is None or mean_s is None:
        which = " and ".join(w for w, v in (("time per nonzero frequency", c_per_freq), ("exact mean's cost", mean_s))
                             if v is None)
        notes.append(f"Route C's {which} is below the timing noise here "
                     f"(medians: grid {exact_s:.2f} s, k = 0 alone {c0['seconds']:.2f} s, one nonzero frequency "
                     f"{c1['seconds']:.2f} s): not reported.")
    recomputed = doc.get("recomputed", {})
    n_recomputed = recomputed.get("coefficients", 0)
    u_max = float(uncert.max())
    u_o, u_i, u_j = np.unravel_index(int(np.argmax(uncert)), uncert.shape)
    u_c = coef_at[int(u_o), int(u_i) + kmin, int(u_j) + kmin]
    ref_ok = {t: u_max <= REFERENCE_MARGIN * t for t in TARGETS}
    log(f"   {exact_s:.2f} s relutope, {exact_wall:.2f} s wall, {ex['maxrss_kb'] / 1024:.0f} MB; certified digits "
        f"{dig.min()}..{dig.max()}; {n_recomputed} coefficients recomputed by route A; largest uncertainty {u_max:.1e}")
    if dig.min() < MIN_DIGITS:
        anomalies.append(f"route C returned {int((dig < MIN_DIGITS).sum())} coefficients certified to fewer than "
                         f"{MIN_DIGITS} digits (fewest {dig.min()}), which it should have recomputed by route A")
    if doc.get("precision_bits") != 53:
        anomalies.append(f"route C reports \"precision_bits\": {doc.get('precision_bits')}, not 53 (doubles)")
    for t in TARGETS:
        if not ref_ok[t]:
            anomalies.append(f"route C's largest certified uncertainty {u_max:.1e} is not below a tenth of the "
                             f"{t:.0e} target: the FFT errors near {t:.0e} are uncertain by up to that much")
    summary = re.search(r"at least (\d+) digits certified", ex["stdout"])
    all_digits = min(c["certified_digits"] for c in doc["coefficients"])
    if summary and int(summary.group(1)) != all_digits:
        anomalies.append(f"the CLI's summary says \"at least {summary.group(1)} digits certified\", the JSON's "
                         f"fewest is {all_digits}")

    # 4. The FFT series ----------------------------------------------------------------------
    env, blas_label = numpy_env()
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
    cross_ks = [k for k in rng.sample(nonzero, 6) if abs(k[0]) < n_cross // 2 and abs(k[1]) < n_cross // 2]
    if cross_ks:
        rc = spectrum(net, cross_ks, "cross.json", extra=["--fft", n_cross])
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

    # Route A (PRECISION bits) against route C: at the probe frequencies, and at the frequencies
    # where route C's certified uncertainty is the largest (where the reference is the loosest).
    def against_a(doc_a, what):
        ac = {"count": 0, "max_diff": 0.0, "max_rel": 0.0, "beyond": 0, "digits": digits_of(doc_a)}
        for c in doc_a["coefficients"]:
            mine = coef_at[c["out"], int(round(c["k"][0])), int(round(c["k"][1]))]
            diff = abs(complex(to_float(c["re"]), to_float(c["im"]))
                       - complex(to_float(mine["re"]), to_float(mine["im"])))
            ac["count"] += 1
            ac["max_diff"] = max(ac["max_diff"], diff)
            if uncertainty(mine) > 0:
                ac["max_rel"] = max(ac["max_rel"], diff / uncertainty(mine))
            ac["beyond"] += diff > uncertainty(mine) + uncertainty(c)
        if ac["beyond"]:
            anomalies.append(f"route A ({PRECISION} bits) and route C differ beyond their certified uncertainties on "
                             f"{ac['beyond']} of {ac['count']} coefficients ({what}; largest difference "
                             f"{ac['max_diff']:.1e})")
        return ac

    ac = against_a(a65["doc"], "the probe frequencies")
    u_freq = uncert.max(axis=0)
    u_freq[-kmin, -kmin] = 0  # k = 0: exact
    order_ = np.argsort(u_freq, axis=None)[::-1][:min(16, len(nonzero))]
    worst_ks = [(int(i) + kmin, int(j) + kmin) for i, j in zip(*np.unravel_index(order_, u_freq.shape))]
    log(f"== route A at the {len(worst_ks)} frequencies of route C's largest uncertainties")
    aw = spectrum(net, worst_ks, "check-A-worst.json", route="regions")
    if aw["rc"] == 0:
        acw = against_a(aw["doc"], "the frequencies of route C's largest uncertainties")
    else:
        acw = None
        anomalies.append(f"route A at the frequencies of route C's largest uncertainties: {status_of(aw)}")
    means_c = {c["out"]: c.get("mean") for c in doc["coefficients"] if c["exact"]}
    means_a = {c["out"]: c.get("mean") for c in a0["doc"]["coefficients"] if c["exact"]}
    means_agree = means_c == means_a and all(means_c.values())
    if not means_agree:
        anomalies.append("the exact mean (k = 0, \"mean\") differs between route C's grid and route A's k = 0 probe")
    mean_digits = max((len(part.lstrip("-")) for r_ in means_c.values() if r_ for part in r_.split("/")), default=0)

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

    # Errors measured against route C that are within its uncertainty of a target: which side of
    # the target they fall on is not certain.
    close = sorted({f"{RULE_NAME[rule]} at N = {row['n']:,} ({row[rule]['max_abs_error']:.2e})"
                    for row in fft_rows for rule in ORDER for t in TARGETS
                    if abs(row[rule]["max_abs_error"] - t) <= u_max}
                   | {f"Richardson trapezoid at N = {row['n']:,} ({row['max_abs_error']:.2e})"
                      for row in rich_rows for t in TARGETS if abs(row["max_abs_error"] - t) <= u_max})
    if close:
        notes.append("Within the reference's uncertainty (" + f"{u_max:.1e}" + ") of a target, so on an uncertain "
                     "side of it: " + "; ".join(close) + ".")

    def first_reaching(rule, target):
        for row in fft_rows:
            if row[rule]["max_abs_error"] <= target:
                return row
        return None

    n_fit = int(math.sqrt(mem_total / 16))  # one output's float64 samples + its rfft2: 16 N^2 bytes
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
    if n_recomputed:
        notes.append(f"Route C recomputed {n_recomputed:,} coefficients by route A at "
                     f"{recomputed.get('precision_bits', PRECISION)} bits (certified to fewer than {MIN_DIGITS} digits "
                     "in doubles); its time includes them.")
    if mean_digits:
        notes.append(f"The exact mean (k = 0) is a rational whose numerator or denominator has up to {mean_digits:,} "
                     "digits" + (f"; computing it costs about {mean_s:.2f} s (route C's k = 0 alone less one nonzero "
                                 f"frequency, medians), {mean_s / exact_s * 100:.0f}% of route C's grid time"
                                 + (f", as much as ~{mean_s / c_per_freq:,.0f} of its nonzero frequencies"
                                    if c_per_freq else "") + f" or ~{mean_s / a_per_freq:.0f} of route A's."
                                 if mean_s else "."))
    busy = load.note()
    if busy:
        notes.append(busy)
    n_label = f"{m} x {m}"
    L = []
    L.append("## Exact Fourier spectrum vs the FFT (`bash bench/spectrum.sh`)")
    L.append("")
    L.append(f"{machine_line(with_memory=True)} Bench total {total:.0f} s. Settings: KMAX={KMAX}, "
             f"PRECISION={PRECISION}, EXACT_REPEATS={EXACT_REPEATS}, FFT_BUDGET={FFT_BUDGET:g}, FFT_MAX_N={FFT_MAX_N}"
             + (f", FFT_EXTRA_N={','.join(map(str, FFT_EXTRA_N))} (run after the series, outside its budget)"
                if FFT_EXTRA_N else "") + ".")
    L.append("")
    L.append(f"Network: trained `lazzari-random-rgb` (2 -> 128 -> 128 -> 3, {tr['steps']:,} steps in "
             f"{tr['seconds']:.1f} s, loss {tr['final_loss']:.4f}) on [0,1]^2, {doc['regions']:,} exact regions. "
             f"Frequencies: the integer {n_label} grid [{kmin},{kmax}]^2 (the grid an N = {m} FFT returns; "
             f"`--grid {KMAX}` would give {m + 1} x {m + 1}), all {outputs} outputs: {n_coef:,} coefficients "
             "c(k) = integral over [0,1]^2 of f(x) exp(-2 pi i k.x) dx.")
    L.append("")
    L.append(f"### 1. Exact spectrum (`relutope spectrum NET --freq \"{kmin},{kmin} ... {kmax},{kmax}\" --precision "
             f"{PRECISION} --json F`: the default route C, `edges`)")
    L.append("")
    L.append(f"| route | frequencies | coefficients | relutope seconds | wall s | CPU s | peak memory MB | ms per "
             f"nonzero frequency ({outputs} outputs) | working precision | certified digits min / median / max | "
             "recomputed by route A |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    L.append(f"| **C** `edges` (default): the grid, median of {EXACT_REPEATS} | {len(grid):,} | {n_coef:,} | "
             f"{exact_s:.2f} | {exact_wall:.2f} | {exact_cpu:.2f} | {ex['maxrss_kb'] / 1024:.0f} | "
             f"{f'{c_per_freq * 1000:.2f}' if c_per_freq else '-'} | "
             f"{doc.get('precision_bits')} bits (doubles, certified radii) | {dig.min()} / {int(np.median(dig))} / "
             f"{dig.max()} | {n_recomputed:,} (at {recomputed.get('precision_bits', PRECISION)} bits) |")
    L.append(f"| A `regions`: {len(probe_ks)} nonzero frequencies (probe) | {len(probe_ks):,} | "
             f"{len(a65['doc']['coefficients']):,} | {a65['doc']['seconds']:.2f} | {a65['wall']:.2f} | "
             f"{a65['cpu']:.2f} | {a65['maxrss_kb'] / 1024:.0f} | {a_per_freq * 1000:.0f} | "
             f"{a65['doc'].get('precision_bits', PRECISION)} bits (Arb) | {ac['digits'].min()} / "
             f"{int(np.median(ac['digits']))} / {ac['digits'].max()} | - |")
    L.append(f"| A `regions`: the grid *predicted* | {len(grid):,} | {n_coef:,} | ~{a_grid:.0f} | - | - | - | "
             f"{a_per_freq * 1000:.0f} | {PRECISION} bits (Arb) | - | - |")
    L.append("")
    L.append("Wall s = the whole process (loading, enumerating the regions, the exact mean, every coefficient, the "
             "JSON); relutope seconds = the `seconds` it reports; route C's rows and probes are medians of "
             f"{EXACT_REPEATS} runs (grid: {', '.join(f'{x:.2f}' for x in ex['all_seconds'])} s). Probes (same process "
             f"kind, relutope seconds): k = 0 alone (the exact mean, a rational) {c0['seconds']:.2f} s by route C, "
             f"{a0['doc']['seconds']:.2f} s by route A; one nonzero frequency {c1['seconds']:.2f} s by C, "
             f"{a1['doc']['seconds']:.2f} s by A. Per nonzero frequency: route C (the grid - k = 0 alone) / "
             f"{len(nonzero):,}; route A ({len(probe_ks)} frequencies - 1) / {len(probe_ks) - 1}; route A's grid "
             f"predicted = its k = 0 alone + {len(nonzero):,} x that. Route C is "
             + (f"**{fmt_times(a_per_freq / c_per_freq)} faster than route A per nonzero frequency** and "
                if c_per_freq else "")
             + f"**{fmt_times(a_grid / exact_s)} faster on the whole grid** (route A predicted; both pay the same "
             "loading, regions and exact mean"
             + (f", about {mean_s:.2f} s of it the mean" if mean_s else "") + ").")
    L.append("")
    ref_words = " and ".join(f"{u_max / t:.2g} x {t:.0e}" for t in TARGETS)
    L.append(f"**The reference.** Route C's values (its decimal re/im strings, truncated to the certified digits, "
             f"parsed) are the exact values the FFT errors below are measured against. Their certified digits "
             f"(relative to |c|; over the {dig.size:,} evaluated nonzero coefficients, k = 0 being the exact "
             f"rational) imply an absolute uncertainty |c| x 10^-(digits-1) per coefficient: at most **{u_max:.1e}** "
             f"(output {int(u_o)}, k = ({int(u_i) + kmin},{int(u_j) + kmin}), |c| = {u_c['abs']:.2e}, "
             f"{u_c['certified_digits']} digits), that is {ref_words}: "
             + ("below a tenth of both targets, so route C's values are a valid reference for both (an FFT error "
                f"measured against them is off by at most {u_max:.1e})."
                if all(ref_ok.values()) else
                "**not** below a tenth of " + " and ".join(f"{t:.0e}" for t in TARGETS if not ref_ok[t])
                + ": the FFT errors near that target are uncertain by up to that much (see Anomalies).")
             + (f" Where that bound is the loosest ({len(worst_ks)} frequencies, {acw['count']} coefficients), route "
                f"A at {PRECISION} bits puts route C's actual error at {acw['max_diff']:.1e} at most "
                f"({acw['max_rel']:.2g}x its bound)" if acw else "")
             + (f"; {exact_zero} coefficients are exact zeros." if exact_zero else "."))
    L.append("")
    L.append(f"### 2. FFT estimates ({blas_label} for the forward pass, numpy {numpy_version} pocketfft, float64)")
    L.append("")
    L.append("Time = building the grid + forward pass + (trapezoid: the far edges and the fold) + `np.fft.fft2` / "
             f"N^2 of the {outputs} outputs (not loading, not the comparison); the trapezoid row shares the "
             "rectangle's N x N samples and adds the 2N + 1 far-edge ones. Error = max over the "
             f"{len(grid):,} frequencies and {outputs} outputs of |estimate - exact| (exact: route C); order = "
             "log(error ratio) / log(N ratio) to the previous N (1 expected for the rectangle rule, 2 for the "
             f"trapezoid). Peak memory = the process (both rules). Series stopped: {stop_reason}.")
    L.append("")
    L.append("| N | points | rule | time s | CPU s | peak memory MB | max abs error | at (output, k) | order | "
             "time / exact time |")
    L.append("|---:|---:|---|---:|---:|---:|---:|---|---:|---:|")
    for row in fft_rows:
        for rule in ORDER:
            e = row[rule]
            o, k1, k2 = e["argmax"]
            order = f"{e['order']:.2f}" if e["order"] is not None else "-"
            L.append(f"| {row['n']:,}{' (extra)' if row.get('extra') else ''} | {row['points']:,} | {RULE_NAME[rule]} | "
                     f"{fmt_s(e['seconds'])} | {fmt_s(e['cpu_seconds'])} | {row['maxrss_kb'] / 1024:.0f} | "
                     f"{e['max_abs_error']:.2e} | {o}, ({k1},{k2}) | {order} | {fmt_ratio(e['seconds'] / exact_wall)} |")
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
    L.append(f"### 3. Accuracy targets: time to the whole {n_label} spectrum, all outputs, max error <= target")
    L.append("")
    L.append(f"Exact route (C): {fmt_dur(exact_wall)} wall, the whole process, for every target (its error is at "
             f"most {u_max:.1e}, {'below a tenth of each target' if all(ref_ok.values()) else 'see section 1'}). "
             "FFT: the smallest N measured (powers "
             f"of two{', and ' + ','.join(map(str, FFT_EXTRA_N)) if FFT_EXTRA_N else ''}) to reach the target; where "
             "none did, N is **extrapolated** from the largest N measured with the rule's order (error x "
             "(N_last / N)^p, p = 1 rectangle, 2 trapezoid), and its time from N^2 log N. Memory: a float64 FFT of "
             "one output needs at least 16 N^2 bytes (the samples and a real FFT), so "
             f"{fmt_bytes(mem_total)} holds N <= {n_fit:,}.")
    L.append("")
    L.append("| target | rule | N | FFT time | FFT time / exact time | FFT CPU / exact CPU | memory (16 N^2) | fits this machine |")
    L.append("|---|---|---|---:|---:|---:|---:|---|")
    for target in TARGETS:
        for rule in ORDER:
            rr = reach[rule, target]
            if rr["how"] == "measured":
                L.append(f"| {target:.0e} | {RULE_NAME[rule]} | {rr['n']:,} (measured) | {fmt_dur(rr['seconds'])} | "
                         f"**{fmt_ratio(rr['seconds'] / exact_wall)}** | {fmt_ratio(rr['cpu'] / exact_cpu)} | "
                         f"{fmt_bytes(16 * rr['n'] ** 2)} | yes |")
            else:
                alt = (f"; at the measured order {rr['p_fit']:.2f}: N ~ {fmt_big(rr['n_fitted_rate'])}"
                       if rr["n_fitted_rate"] else "")
                L.append(f"| {target:.0e} | {RULE_NAME[rule]} | ~{fmt_big(rr['n'])} *extrapolated* (power of two: "
                         f"{fmt_big(rr['n_pow2'])}{alt}) | ~{fmt_dur(rr['seconds'])} *extrapolated* | "
                         f"~{fmt_ratio(rr['seconds'] / exact_wall)} | ~{fmt_ratio(rr['cpu'] / exact_cpu)} | "
                         f"{fmt_bytes(rr['mem'])} | {'yes' if rr['feasible'] else 'no'} |")
        rr = rich_reach.get(target)
        if rr and rr["how"] == "measured":
            L.append(f"| {target:.0e} | *Richardson trapezoid* | {rr['n']:,} (measured) | {fmt_dur(rr['seconds'])} | "
                     f"{fmt_ratio(rr['seconds'] / exact_wall)} | {fmt_ratio(rr['cpu'] / exact_cpu)} | "
                     f"{fmt_bytes(16 * rr['n'] ** 2)} | yes |")
        elif rr:
            L.append(f"| {target:.0e} | *Richardson trapezoid* | ~{rr['n']:,.0f} *extrapolated* (order {rr['p']:.2f}, "
                     f"fitted on N = {', '.join(format(x, ',') for x in rr['fit_ns'])}) | "
                     f"~{fmt_dur(rr['seconds'])} *extrapolated* | ~{fmt_ratio(rr['seconds'] / exact_wall)} | "
                     f"~{fmt_ratio(rr['cpu'] / exact_cpu)} | {fmt_bytes(rr['mem'])} | {'yes' if rr['feasible'] else 'no'} |")
    L.append("")

    # Goals.
    exact_words = f"the exact route's {fmt_dur(exact_wall)}"

    def versus_exact(seconds):
        """'**12x** the exact route's 4.0 s' or '**0.3x** (3.3x faster than ...)'."""
        return (f"**{fmt_times(seconds / exact_wall)}** {exact_words}" if seconds >= exact_wall else
                f"{fmt_ratio(seconds / exact_wall)}x {exact_words} (**{fmt_times(exact_wall / seconds)} faster than "
                "the exact route**)")

    L.append("### Goals (issue 4)")
    L.append("")
    t10 = [(reach[r, 1e-10], r) for r in ORDER]
    feasible10 = [(x, r) for x, r in t10 if x["feasible"]]
    if feasible10:
        best, rule = min(feasible10, key=lambda xr: xr[0]["seconds"])
        met = exact_wall < best["seconds"]
        L.append(f"- 1e-10, exact faster than any FFT that can reach it on this machine: **{'met' if met else 'not met'}**: "
                 f"the fastest is the {RULE_NAME[rule]} at N = {best['n']:,.0f} ({best['how']}), "
                 f"{'~' if best['how'] != 'measured' else ''}{fmt_dur(best['seconds'])}, {versus_exact(best['seconds'])}.")
    else:
        best, rule = min(t10, key=lambda xr: xr[0]["seconds"])
        L.append(f"- 1e-10, exact faster than any FFT that can reach it on this machine: **met**: no in-memory "
                 f"float64 FFT of the two rules reaches 1e-10 on this machine (it needs N ~ {best['n']:,.0f} with the "
                 f"{RULE_NAME[rule]}, {fmt_bytes(best['mem'])}, beyond N = {n_fit:,}); ignoring memory it would take "
                 f"~{fmt_dur(best['seconds'])} (*extrapolated*), {versus_exact(best['seconds'])}.")
    rr = rich_reach.get(1e-10)
    if rr:
        faster = rr["seconds"] < exact_wall
        L.append("- Caveat to the 1e-10 goal: the *Richardson trapezoid* (an FFT too) "
                 + (f"reaches 1e-10 at N = {rr['n']:,} (measured) in {fmt_dur(rr['seconds'])}, "
                    if rr["how"] == "measured" else
                    f"would reach 1e-10 at N ~ {rr['n']:,.0f} (*extrapolated* at its fitted order {rr['p']:.2f}; "
                    f"{fmt_bytes(rr['mem'])}, {'fits' if rr['feasible'] else 'does not fit'} this machine) in "
                    f"~{fmt_dur(rr['seconds'])}, ")
                 + f"{versus_exact(rr['seconds'])}: "
                 + ("so against it the goal is not met." if faster and rr["feasible"]
                    else "the exact route is faster." if rr["feasible"] else "not on this machine.")
                 + " Unlike the exact route, no FFT estimate says how many of its digits are right.")
    t6 = [(reach[r, 1e-6], r) for r in ORDER]
    best, rule = min(t6, key=lambda xr: xr[0]["seconds"])
    met = exact_wall <= best["seconds"]
    L.append(f"- 1e-6, exact no slower than the FFT: **{'met' if met else 'not met'}**: the fastest FFT to 1e-6 is "
             f"the {RULE_NAME[rule]} at N = {best['n']:,.0f} ({best['how']}), "
             f"{'~' if best['how'] != 'measured' else ''}{fmt_dur(best['seconds'])} (CPU "
             f"{fmt_dur(best['cpu'])}); the exact route takes {fmt_dur(exact_wall)} (CPU {fmt_dur(exact_cpu)}): "
             + (f"**{fmt_times(best['seconds'] / exact_wall)} faster** than that FFT." if met else
                f"**{fmt_times(exact_wall / best['seconds'])}** that FFT's time."))
    rr6 = rich_reach.get(1e-6)
    if rr6:
        L.append(f"  The *Richardson trapezoid* reaches 1e-6 at N {'= ' if rr6['how'] == 'measured' else '~ '}"
                 f"{fmt_big(rr6['n'])} ({rr6['how']}) in {'~' if rr6['how'] != 'measured' else ''}"
                 f"{fmt_dur(rr6['seconds'])}, {versus_exact(rr6['seconds'])}"
                 + (": against it the 1e-6 goal is not met." if rr6["seconds"] < exact_wall else "."))
    rr = reach["rect", 1e-6]
    L.append(f"- The rectangle rule (`np.fft.fft2(y) / N**2`, what users compute) to 1e-6: N "
             f"{'= ' + format(rr['n'], ',') + ' measured' if rr['how'] == 'measured' else '~ ' + fmt_big(rr['n']) + ' extrapolated'}"
             f", {fmt_dur(rr['seconds'])}, {versus_exact(rr['seconds'])} "
             f"({'fits' if rr['feasible'] else 'does not fit'} this machine's memory); at N = {fft_rows[0]['n']} "
             f"its max error is {fft_rows[0]['rect']['max_abs_error']:.1e}.")
    L.append("")

    # Cross-checks.
    L.append("### Cross-checks")
    L.append("")
    for what, x in ((f"the {len(probe_ks)} probe frequencies", ac),
                    (f"the {len(worst_ks)} frequencies of route C's largest certified uncertainties", acw)):
        if x:
            L.append(f"- Route A (`--route regions`, {PRECISION} bits) against route C at {what} ({x['count']} "
                     f"coefficients): largest difference {x['max_diff']:.1e}, at most {x['max_rel']:.2g}x route C's "
                     f"certified uncertainty; {x['beyond']} beyond both routes' uncertainties.")
    L.append("- The exact mean (k = 0, the rational \"mean\"): "
             + ("identical in routes C and A." if means_agree else "**differs** between routes C and A."))
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
    L += closing_sections(notes, anomalies)
    write_report(L)


if __name__ == "__main__":
    main()
