#!/usr/bin/python3
"""Driver of bench/engine.sh (run that, not this): the exact region engine on one and two threads.

Runs every case as a child process, measures its wall time, CPU time and peak resident memory with
os.wait4 (bench/measured_run.py), parses relutope's JSON, and writes the markdown report
(bench/report.py). One-thread runs are pinned to CPU BENCH_CPU, multi-thread runs to BENCH_CPUS.

Arguments come from the environment (see engine.sh and common.sh): RELUTOPE, WORK, RESULTS, ROOT,
PYTHON, PIN, OPENBLAS_DIR, and the knobs documented in engine.sh.
"""
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measured_run import busy_cpu_seconds, run, run_json, train as train_net  # noqa: E402
from report import Load, closing_sections, log, machine_line, numpy_env, status_of, write_report  # noqa: E402

RELUTOPE = os.environ["RELUTOPE"]
WORK = os.environ["WORK"]
ROOT = os.environ["ROOT"]
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
THREADS = int(os.environ.get("THREADS", "2"))
CPUS = os.environ.get("BENCH_CPUS", "0,1")
PIN_MANY = (["taskset", "-c", CPUS] if os.environ.get("PIN") else [])

FLOWER_NET = os.environ.get("FLOWER_NET", "")
FLOWER_STEPS = os.environ.get("FLOWER_STEPS", "")  # empty: the preset's 60,000
FLOWER_MAX_REGIONS = int(os.environ.get("FLOWER_MAX_REGIONS", "50000000"))
FLOWER_TIME_LIMIT = float(os.environ.get("FLOWER_TIME_LIMIT", "1800"))
FLOWER_SAMPLE = int(os.environ.get("FLOWER_SAMPLE", "1024"))
DEFAULT_MAX_REGIONS = 1_000_000  # relutope's default --max-regions

LAZZARI_STEPS = os.environ.get("LAZZARI_STEPS", "")  # empty: the preset's 16,000
EXACT_REPEATS = max(1, int(os.environ.get("EXACT_REPEATS", "5")))
POINTS = int(os.environ.get("POINTS", "100"))

SCALING_PRESET = os.environ.get("SCALING_PRESET", "rahaman-flower")
SCALING_STEPS = int(os.environ.get("SCALING_STEPS", "1"))
DEPTHS = [int(v) for v in os.environ.get("DEPTHS", "3,4,5,6").split(",") if v]
WIDTHS = [int(v) for v in os.environ.get("WIDTHS", "64,128,256,512").split(",") if v]
SCALING_TIME_LIMIT = float(os.environ.get("SCALING_TIME_LIMIT", "20"))
LIPSCHITZ_CASE = [int(v) for v in os.environ.get("LIPSCHITZ_CASE", "256,256,256,256").split(",") if v]

TORUS_STEPS = int(os.environ.get("TORUS_STEPS", "4000"))
TORUS_REPEATS = max(1, int(os.environ.get("TORUS_REPEATS", "3")))
SAMPLING3D_MAX_R = int(os.environ.get("SAMPLING3D_MAX_R", "256"))
QUIET_WAIT = float(os.environ.get("QUIET_WAIT", "0"))
QUIET_CPUS = float(os.environ.get("QUIET_CPUS", "0.15"))
TARGET = 0.99

anomalies = []
notes = []
loads = []


def others_now(window=3.0):
    """CPUs kept busy by other processes, on average over the next `window` seconds (this driver
    runs nothing meanwhile)."""
    a = busy_cpu_seconds()
    time.sleep(window)
    b = busy_cpu_seconds()
    return None if a is None else (b - a) / window


def wait_quiet(where):
    """With QUIET_WAIT > 0: wait (up to QUIET_WAIT s) until other processes keep fewer than
    QUIET_CPUS CPUs busy, so that the next runs have the machine to themselves."""
    if QUIET_WAIT <= 0:
        return
    t0 = time.perf_counter()
    while True:
        o = others_now()
        if o is None or o < QUIET_CPUS:
            return
        if time.perf_counter() - t0 > QUIET_WAIT:
            log(f"   ({where}: still {o:.2f} CPUs busy with other processes after {QUIET_WAIT:.0f} s; going on)")
            return


def load_now(where):
    wait_quiet(where)
    loads.append((where, os.getloadavg()[0]))


def pin_for(threads):
    return True if threads == 1 else (PIN_MANY or False)


LIMIT_AFTER = re.compile(r"reached after (\d+) regions")


def regions(net, threads, extra=(), max_regions=None, time_limit=None, timeout=None):
    """One `relutope regions NET --json - --quiet --threads T ...` process, measured."""
    cmd = [RELUTOPE, "regions", net, "--json", "-", "--quiet", "--threads", threads]
    if max_regions is not None:
        cmd += ["--max-regions", max_regions]
    if time_limit is not None:
        cmd += ["--time-limit", time_limit]
    before = busy_cpu_seconds()
    r = run_json(cmd + list(extra), timeout=timeout, pin=pin_for(threads))
    after = busy_cpu_seconds()
    # Other processes' share of the CPUs during the run: the machine's busy time less the run's own.
    r["others"] = max(0.0, (after - before - r["cpu"]) / r["wall"]) if before is not None and r["wall"] > 0 else None
    r["threads"] = threads
    r["status"] = status_of(r, limit_exit=3)
    m = LIMIT_AFTER.search(r["stderr"])
    r["after"] = int(m.group(1)) if m else None
    return r


def fmt(x, digits=3):
    if x is None:
        return "-"
    if isinstance(x, int):
        return f"{x:,}"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def mb(kb):
    return kb / 1024


def gb(kb):
    return kb / (1024 * 1024)


def train_supports_threads():
    r = subprocess.run([RELUTOPE, "train", "--help"], capture_output=True, text=True)
    return "--threads" in r.stdout


def meta_of(path):
    try:
        with open(path) as f:
            return json.load(f).get("meta", {})
    except (OSError, json.JSONDecodeError, AttributeError):
        return {}


def median(xs):
    return statistics.median(xs) if xs else None


def others(r):
    return "-" if r.get("others") is None else f"{r['others']:.2f}"


def others_median(runs):
    xs = [r["others"] for r in runs if r.get("others") is not None]
    return f"{median(xs):.2f}" if xs else "-"


# 1. The trained 2x128 lazzari-random-rgb network ------------------------------------------------

def lazzari_section():
    load_now("lazzari")
    log("== training lazzari-random-rgb" + (f" ({LAZZARI_STEPS} steps)" if LAZZARI_STEPS else " (full preset)"))
    args = ["--preset", "lazzari-random-rgb", "--seed", "0"] + (["--steps", LAZZARI_STEPS] if LAZZARI_STEPS else [])
    net, summary = train_net(RELUTOPE, WORK, "lazzari-random-rgb", args, who="engine bench")
    log(f"   {summary['steps']} steps in {summary['seconds']:.1f} s, loss {summary['final_loss']:.4f}")
    out = {"net": net, "train": summary, "runs": {}}
    for threads in (1, THREADS):
        runs = []
        for _ in range(EXACT_REPEATS):
            r = regions(net, threads, timeout=300)
            if r["rc"] != 0:
                anomalies.append(f"lazzari, {threads} thread(s): {r['status']}")
                break
            runs.append(r)
        if runs:
            log(f"   {threads} thread(s): {runs[0]['doc']['regions']} regions, enumeration "
                f"{median([r['doc']['seconds'] for r in runs]):.3f} s, process {median([r['wall'] for r in runs]):.3f} s")
        out["runs"][threads] = runs
    counts = {r["doc"]["regions"] for rs in out["runs"].values() for r in rs}
    if len(counts) > 1:
        anomalies.append(f"**BUG**: the trained lazzari network's region count differs between runs or thread counts: "
                         f"{sorted(counts)}")
    # What holding more costs: the GeoJSON written as the regions stream, and --points (the partition held).
    geo = os.path.join(WORK, "lazzari.geojson")
    pts = os.path.join(WORK, "lazzari-points.txt")
    rng = random.Random(0)
    with open(pts, "w") as f:
        for _ in range(POINTS):
            f.write(f"{rng.randint(1, 999) / 1000} {rng.randint(1, 999) / 1000}\n")
    out["polygons"] = regions(net, THREADS, ["--polygons", geo], timeout=300)
    out["points"] = regions(net, THREADS, ["--points", pts], timeout=600)
    for key in ("polygons", "points"):
        r = out[key]
        if r["rc"] != 0:
            anomalies.append(f"lazzari --{key}: {r['status']}")
        elif counts and r["doc"]["regions"] not in counts:
            anomalies.append(f"**BUG**: lazzari --{key} counts {r['doc']['regions']} regions, the plain runs {sorted(counts)}")
    return out


# 2. rahaman-flower, trained fully --------------------------------------------------------------

def flower_net():
    """FLOWER_NET if given, else bench/.cache/engine/rahaman-flower-seed0[-STEPS].json, trained once."""
    if FLOWER_NET:
        if not os.path.exists(FLOWER_NET):
            sys.exit(f"engine bench: FLOWER_NET={FLOWER_NET} does not exist")
        return FLOWER_NET, "given (FLOWER_NET)", None
    name = "rahaman-flower-seed0" + (f"-{FLOWER_STEPS}" if FLOWER_STEPS else "")
    path = os.path.join(WORK, name + ".json")
    if os.path.exists(path):
        return path, "cached (trained by an earlier run of this script)", None
    args = ["--preset", "rahaman-flower", "--seed", "0"] + (["--steps", FLOWER_STEPS] if FLOWER_STEPS else [])
    if train_supports_threads():
        args += ["--threads", str(THREADS)]
    log(f"== training rahaman-flower (relutope train {' '.join(args)}; the full preset takes over an hour)")
    # not pinned to one CPU: training may use THREADS threads
    r = run_json([RELUTOPE, "train", *args, "--quiet", "--out", path + ".tmp", "--json", "-"], pin=PIN_MANY or False)
    if r["rc"] != 0:
        sys.exit(f"engine bench: training rahaman-flower failed: {status_of(r)}")
    os.replace(path + ".tmp", path)
    return path, f"trained by this run in {r['doc']['seconds']:.0f} s ({' '.join(args)})", r["doc"]


def flower_section():
    net, origin, trained = flower_net()
    meta = meta_of(net)
    load_now("flower")
    out = {"net": net, "origin": origin, "meta": meta, "trained": trained}
    if meta.get("preset") != "rahaman-flower" or str(meta.get("seed")) != "0" or \
            str(meta.get("steps")) != (FLOWER_STEPS or "60000"):
        notes.append(f"The flower network {net} is not the preset trained fully with seed 0: its meta says preset "
                     f"{meta.get('preset')}, seed {meta.get('seed')}, steps {meta.get('steps')}.")
    timeout = FLOWER_TIME_LIMIT + 600
    log(f"== flower: exact regions, {THREADS} threads, --max-regions {FLOWER_MAX_REGIONS:,}")
    many = regions(net, THREADS, max_regions=FLOWER_MAX_REGIONS, time_limit=FLOWER_TIME_LIMIT, timeout=timeout)
    log(f"   {many['status']}: {many['doc']['regions'] if many['doc'] else many['after']} regions, {many['wall']:.1f} s, "
        f"{gb(many['maxrss_kb']):.2f} GB")
    out["many"] = many
    load_now("flower, 1 thread")
    log("== flower: the same on 1 thread")
    one = regions(net, 1, max_regions=FLOWER_MAX_REGIONS, time_limit=FLOWER_TIME_LIMIT, timeout=timeout)
    log(f"   {one['status']}: {one['doc']['regions'] if one['doc'] else one['after']} regions, {one['wall']:.1f} s")
    out["one"] = one
    if many["doc"] and one["doc"]:
        a, b = many["doc"], one["doc"]
        for key in ("regions", "linear_pieces", "adjacent_pairs"):
            if a[key] != b[key]:
                anomalies.append(f"**BUG**: the flower network's {key} differ between {THREADS} threads ({a[key]:,}) "
                                 f"and 1 thread ({b[key]:,})")
        if a["lipschitz"]["value"] != b["lipschitz"]["value"]:
            anomalies.append(f"**BUG**: the flower's Lipschitz constant differs between {THREADS} threads and 1 thread")
    # The default summary and --max-regions: does the engine stop at the default limit?
    if many["doc"] and many["doc"]["regions"] > DEFAULT_MAX_REGIONS:
        log(f"== flower: the default --max-regions ({DEFAULT_MAX_REGIONS:,})")
        out["default"] = regions(net, THREADS, timeout=timeout)
    # Where the run holds only what the summary needs: the memory before any region streams.
    out["base"] = regions(net, THREADS, max_regions=1, timeout=600)
    if FLOWER_SAMPLE:
        load_now("flower, --sample")
        log(f"== flower: --sample {FLOWER_SAMPLE}")
        s = regions(net, THREADS, ["--sample", FLOWER_SAMPLE], max_regions=FLOWER_MAX_REGIONS,
                    time_limit=FLOWER_TIME_LIMIT, timeout=timeout)
        out["sample"] = s
        if s["doc"] and many["doc"] and s["doc"]["regions"] != many["doc"]["regions"]:
            anomalies.append(f"**BUG**: the flower's --sample run counts {s['doc']['regions']:,} regions, "
                             f"the plain run {many['doc']['regions']:,}")
        if s["doc"] and s["doc"]["sampled"].get("foreign_patterns"):
            notes.append(f"--sample {FLOWER_SAMPLE} on the flower saw {s['doc']['sampled']['foreign_patterns']} "
                         "patterns of no exact region (grid points exactly on a boundary).")
        if s["rc"] != 0:
            anomalies.append(f"flower --sample {FLOWER_SAMPLE}: {s['status']}")
    for key in ("many", "one"):
        if out[key]["rc"] != 0:
            anomalies.append(f"flower ({out[key]['threads']} thread(s)): {out[key]['status']}")
    return out


# 3. Scaling on deep networks -------------------------------------------------------------------

def init_net(preset, hidden):
    key = "x".join(map(str, hidden))
    cfg = os.path.join(WORK, f"config-{preset}-{key}.json")
    with open(cfg, "w") as f:
        json.dump({"preset": preset, "hidden": hidden, "steps": SCALING_STEPS, "seed": 0}, f)
    return train_net(RELUTOPE, WORK, f"net-{preset}-{key}", ["--config", cfg], who="engine bench")


def count_of(r):
    return r["doc"]["regions"] if r["doc"] else r["after"]


def scaling_section():
    """Each network on 1 thread with --time-limit; then on THREADS threads the same work (the whole
    enumeration) when 1 thread finished it, else the same time."""
    rows = []
    for depth in DEPTHS:
        for width in WIDTHS:
            hidden = [width] * depth
            key = "x".join(map(str, hidden))
            net, summary = init_net(SCALING_PRESET, hidden)
            wait_quiet(f"scaling {key}")
            log(f"== scaling {key}")
            base = regions(net, 1, max_regions=1, timeout=600)
            a = regions(net, 1, max_regions=10 ** 12, time_limit=SCALING_TIME_LIMIT, timeout=SCALING_TIME_LIMIT + 600)
            row = {"key": key, "depth": depth, "width": width, "params": summary["parameters"], "base": base, "a": a,
                   "regions": count_of(a), "finished": a["doc"] is not None}
            if a["rc"] == 0:
                b = regions(net, THREADS, timeout=SCALING_TIME_LIMIT * 2 + 600)
                if b["doc"] and b["doc"]["regions"] != a["doc"]["regions"]:
                    anomalies.append(f"**BUG**: hidden {key}: {a['doc']['regions']:,} regions on 1 thread, "
                                     f"{b['doc']['regions']:,} on {THREADS}")
                if b["rc"] == 0:
                    row["rate1"] = a["doc"]["regions"] / a["doc"]["seconds"]
                    row["rate2"] = b["doc"]["regions"] / b["doc"]["seconds"]
                    row["seconds1"], row["seconds2"] = a["doc"]["seconds"], b["doc"]["seconds"]
            elif a["rc"] == 3 and a["after"] is not None:
                # Stopped at the limit: THREADS threads for the same time. (--max-regions N1 is no
                # equal-work bound here: the engine stops as soon as the cells of one region's cut
                # alone would exceed it, long before N1 regions are streamed.)
                b = regions(net, THREADS, max_regions=10 ** 12, time_limit=SCALING_TIME_LIMIT,
                            timeout=SCALING_TIME_LIMIT + 600)
                row["rate1"], row["seconds1"] = a["after"] / SCALING_TIME_LIMIT, SCALING_TIME_LIMIT
                if b["rc"] == 0:
                    row["rate2"], row["seconds2"] = b["doc"]["regions"] / b["doc"]["seconds"], b["doc"]["seconds"]
                elif b["rc"] == 3 and b["after"] is not None:
                    row["rate2"], row["seconds2"] = b["after"] / SCALING_TIME_LIMIT, SCALING_TIME_LIMIT
                    row["regions2"] = b["after"]
                else:
                    anomalies.append(f"scaling {key}, {THREADS} threads: {b['status']}")
            else:
                b = None
                anomalies.append(f"scaling {key}, 1 thread: {a['status']}")
            row["b"] = b
            log(f"   1 thread: {a['status'][:40]}: {count_of(a)} regions, {a['wall']:.1f} s, {mb(a['maxrss_kb']):.0f} MB; "
                + (f"{THREADS} threads: {b['status'][:40]}, {b['wall']:.1f} s, {mb(b['maxrss_kb']):.0f} MB" if b else ""))
            rows.append(row)
    return rows


def lipschitz_case():
    """A 3-output network (lazzari preset): how much of `seconds` is the enumeration."""
    if not LIPSCHITZ_CASE:
        return None
    net, summary = init_net("lazzari-random-rgb", LIPSCHITZ_CASE)
    wait_quiet("lipschitz case")
    log(f"== 3-output case {'x'.join(map(str, LIPSCHITZ_CASE))} (lazzari preset)")
    full = regions(net, THREADS, timeout=1800)
    out = {"key": "x".join(map(str, LIPSCHITZ_CASE)), "params": summary["parameters"], "full": full}
    if full["doc"]:
        n = full["doc"]["regions"]
        out["enum"] = regions(net, THREADS, max_regions=n - 1, timeout=1800)
        out["base"] = regions(net, THREADS, max_regions=1, timeout=600)
        log(f"   {n} regions: {full['doc']['seconds']:.1f} s in all; stopped at the last region "
            f"after {out['enum']['wall']:.1f} s")
    else:
        anomalies.append(f"3-output case: {full['status']}")
    return out


# 4. 3D: a torus SDF network from PyTorch -------------------------------------------------------

def torus_section():
    load_now("torus")
    pt = os.path.join(WORK, "torus.pt")
    log(f"== training the torus SDF network in PyTorch ({TORUS_STEPS} steps)")
    r = run([PYTHON, os.path.join(ROOT, "bench", "sdf3d_train.py"), pt, "--steps", TORUS_STEPS, "--seed", 0])
    if r["rc"] != 0:
        sys.exit(f"engine bench: sdf3d_train.py failed: {r['stderr'][-500:]}")
    trained = json.loads(r["stdout"])
    domain = "-1,1,-1,1,-1,1"
    nj = os.path.join(WORK, "torus.json")
    c = run([RELUTOPE, "convert", pt, nj, "--domain", domain])
    if c["rc"] != 0:
        sys.exit(f"engine bench: relutope convert failed: {c['stderr']}")
    out = {"train": trained, "runs": {}}
    for threads in (1, THREADS):
        runs = [regions(pt, threads, ["--domain", domain], timeout=600) for _ in range(TORUS_REPEATS)]
        bad = [x for x in runs if x["rc"] != 0]
        if bad:
            anomalies.append(f"torus, {threads} thread(s): {bad[0]['status']}")
        out["runs"][threads] = [x for x in runs if x["rc"] == 0]
    counts = {x["doc"]["regions"] for rs in out["runs"].values() for x in rs}
    if len(counts) != 1:
        anomalies.append(f"**BUG**: the torus network's region count differs between runs or thread counts: {sorted(counts)}")
    n_exact = min(counts) if counts else 0
    log(f"   {n_exact} regions")
    # The regions as polytopes (patterns, vertices, facets): what holding them costs, and the input
    # of the sampling predictor.
    poly = os.path.join(WORK, "torus.polytopes.json")
    log("== torus: --polytopes")
    out["polytopes"] = regions(pt, THREADS, ["--domain", domain, "--polytopes", poly], timeout=3600)
    if out["polytopes"]["rc"] != 0:
        sys.exit(f"engine bench: torus --polytopes failed: {out['polytopes']['status']}")
    out["polytopes_bytes"] = os.path.getsize(poly)
    out["sample64"] = regions(pt, THREADS, ["--domain", domain, "--sample", 64], timeout=600)
    # The sampling baseline: numpy on R^3 grids up to SAMPLING3D_MAX_R, the rest predicted from the polytopes.
    env, blas_label = numpy_env()
    resolutions, R = [], 64
    while R <= SAMPLING3D_MAX_R:
        resolutions.append(R)
        R *= 2
    predict = ",".join(str(64 << k) for k in range(13))  # 64 .. 262144
    log(f"== torus: sampling baseline ({blas_label}), R = {resolutions[0]}..{resolutions[-1]}, then predicted")
    sjson = os.path.join(WORK, "torus-sampling.json")
    s = run([PYTHON, os.path.join(ROOT, "bench", "sampling_baseline.py"), nj, poly, "--resolutions",
             ",".join(map(str, resolutions)), "--predict", predict, "--bisect", "--json", sjson], env=env)
    sys.stderr.write(s["stderr"])
    if s["rc"] != 0:
        sys.exit(f"engine bench: the 3D sampling baseline failed ({s['rc']})")
    with open(sjson) as f:
        out["sampling"] = json.load(f)
    out["sampling_rss_kb"] = s["maxrss_kb"]
    out["blas"] = blas_label
    samp = out["sampling"]
    measured = [row for row in samp["rows"] if "seconds" in row]
    pred = {p["resolution"]: p for p in samp["predicted"]}
    for row in measured:
        if row["foreign"]:
            anomalies.append(f"torus R={row['resolution']}: {row['foreign']} sampled patterns are not exact regions")
        p = pred.get(row["resolution"])
        if p and p["found"] != row["found"]:
            anomalies.append(f"torus R={row['resolution']}: the polytope predictor says {p['found']} regions found, "
                             f"sampling {row['found']}")
    if samp["distinct_exact_patterns"] != n_exact:
        anomalies.append(f"the torus polytopes hold {samp['distinct_exact_patterns']} distinct patterns for {n_exact} regions")
    s64 = out["sample64"]["doc"]
    m64 = next((row for row in measured if row["resolution"] == 64), None)
    if s64 and m64 and s64["sampled"]["regions_found"] != m64["found"]:
        anomalies.append(f"torus: relutope --sample 64 finds {s64['sampled']['regions_found']} regions, numpy {m64['found']}")
    out["n_exact"] = n_exact
    return out


# The report ------------------------------------------------------------------------------------

def main():
    os.makedirs(WORK, exist_ok=True)
    started = time.perf_counter()
    load = Load()
    lz = lazzari_section()
    fl = flower_section()
    load_now("scaling")
    sc = scaling_section()
    lc = lipschitz_case()
    to = torus_section()
    total = time.perf_counter() - started
    busy = load.note()
    if busy:
        notes.append(busy)

    pin1 = os.environ.get("PIN", "") or "no taskset"
    pinmany = " ".join(PIN_MANY) or "no taskset"
    L = ["## The exact region engine (`bash bench/engine.sh`)", ""]
    L.append(machine_line(pinning=f"1-thread runs pinned to one CPU ({pin1}), {THREADS}-thread runs to {pinmany}.")
             + " others' CPUs = how many CPUs other processes kept busy, on average, during a run (/proc/stat's "
             "busy time less the run's own CPU time; 2 means the run had to share both cores).")
    L.append("")
    L.append("seconds = the `seconds` relutope reports (the enumeration, adjacency, linear pieces and the "
             "certified Lipschitz constant; not loading the network nor writing the JSON); process s = the whole "
             "`relutope regions NET --json - --quiet` process (wall); peak memory = its maximum resident set size "
             f"(wait4). Bench total {total / 60:.1f} minutes. 1-minute load average (this bench's runs included) "
             "when each part started: " + ", ".join(f"{w} {v:.1f}" for w, v in loads) + "."
             + (f" Each part waited (up to {QUIET_WAIT:.0f} s) for other processes to keep fewer than {QUIET_CPUS:g} "
                "CPUs busy." if QUIET_WAIT > 0 else ""))
    L.append("")

    # 1. flower
    many, one = fl["many"], fl["one"]
    md = many["doc"]
    meta = fl["meta"]
    L.append(f"### 1. `rahaman-flower` (2 -> 256 x 5 -> 1), trained: {meta.get('steps', '?')} steps, seed "
             f"{meta.get('seed', '?')}, final loss {float(meta.get('final_loss', 'nan')):.4g}, on its domain "
             f"[-1.5,1.5]^2")
    L.append("")
    L.append(f"Network: {fl['net']} ({fl['origin']}). `--max-regions {FLOWER_MAX_REGIONS:,} --time-limit "
             f"{FLOWER_TIME_LIMIT:g}`.")
    L.append("")
    L.append("| threads | regions | linear pieces | adjacent pairs | predicates exact / filtered | seconds | process s | CPU s | regions/s | peak memory | others' CPUs | status |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in (many, one):
        d = r["doc"]
        if d:
            L.append(f"| {r['threads']} | {d['regions']:,} | {d['linear_pieces']:,} | {d['adjacent_pairs']:,} | "
                     f"{d['predicates']['exact']:,} / {d['predicates']['filtered']:,} | {d['seconds']:.1f} | "
                     f"{r['wall']:.1f} | {r['cpu']:.1f} | {d['regions'] / d['seconds']:,.0f} | "
                     f"{gb(r['maxrss_kb']):.2f} GB | {others(r)} | ok |")
        else:
            L.append(f"| {r['threads']} | {fmt(r['after'])} | - | - | - | - | {r['wall']:.1f} | {r['cpu']:.1f} | - | "
                     f"{gb(r['maxrss_kb']):.2f} GB | {others(r)} | {r['status']} |")
    L.append("")
    if md and one["doc"]:
        L.append(f"{THREADS} threads against 1: **{one['doc']['seconds'] / md['seconds']:.2f}x** in seconds, "
                 f"{one['wall'] / many['wall']:.2f}x for the process; the counts, pieces, adjacency and Lipschitz "
                 f"constant are {'identical' if md['regions'] == one['doc']['regions'] else '**NOT identical**'}.")
        L.append("")
    base = fl.get("base")
    if md:
        per = many["maxrss_kb"] * 1024 / md["regions"]
        line = (f"Memory per region streamed: {per:,.0f} bytes of peak memory per region ({gb(many['maxrss_kb']):.2f} GB / "
                f"{md['regions']:,})")
        if base and base["rc"] == 3:
            line += (f"; {(many['maxrss_kb'] - base['maxrss_kb']) * 1024 / md['regions']:,.0f} bytes per region above "
                     f"the {mb(base['maxrss_kb']):.0f} MB a run stopped at its first region holds (`--max-regions 1`: the "
                     "network, the first layer's cells)")
        dflt = fl.get("default")
        if dflt:
            line += (f". With the default `--max-regions` ({DEFAULT_MAX_REGIONS:,}) the run stops "
                     f"({dflt['status']}) after {dflt['wall']:.1f} s at {mb(dflt['maxrss_kb']):.0f} MB")
        L.append(line + ".")
        L.append("")
    s = fl.get("sample")
    if s and s["doc"] and md:
        sd = s["doc"]["sampled"]
        L.append(f"Sampling (`--sample {FLOWER_SAMPLE}`, {sd['points']:,} cell centres, in double): {sd['patterns']:,} "
                 f"distinct patterns, {sd['regions_found']:,} of the {md['regions']:,} exact regions "
                 f"(**{100 * sd['regions_found'] / md['regions']:.1f}%**; {sd['regions_missed']:,} missed, "
                 f"{sd['foreign_patterns']} foreign; the smallest missed region has area "
                 f"{sd.get('smallest_missed_area', 0):.3g}, the median missed one {sd.get('median_missed_area', 0):.3g}). "
                 f"The sampling run's process took {s['wall']:.1f} s, {s['wall'] - many['wall']:.1f} s more than "
                 f"the plain run, at {gb(s['maxrss_kb']):.2f} GB.")
        L.append("")

    # 2. lazzari
    L.append(f"### 2. Trained `lazzari-random-rgb` (2 -> 128 -> 128 -> 3, {lz['train']['steps']:,} steps, loss "
             f"{lz['train']['final_loss']:.4f}) on [0,1]^2")
    L.append("")
    L.append(f"Medians of {EXACT_REPEATS} runs (fastest in parentheses).")
    L.append("")
    L.append("| threads | regions | linear pieces | dead neurons | seconds | process s | CPU s | peak memory MB | others' CPUs |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    lz_rows = {}
    for t, runs in lz["runs"].items():
        if not runs:
            continue
        d = runs[0]["doc"]
        sec = [r["doc"]["seconds"] for r in runs]
        wall = [r["wall"] for r in runs]
        lz_rows[t] = (median(sec), min(sec), median(wall), min(wall))
        L.append(f"| {t} | {d['regions']:,} | {d['linear_pieces']:,} | {len(d['dead_neurons'])} | {median(sec):.3f} "
                 f"({min(sec):.3f}) | {median(wall):.3f} ({min(wall):.3f}) | {median([r['cpu'] for r in runs]):.3f} | "
                 f"{max(mb(r['maxrss_kb']) for r in runs):.0f} | {others_median(runs)} |")
    L.append("")
    extra = []
    for key, what in (("polygons", "`--polygons FILE.geojson` (every region written as it streams, exact vertices and maps)"),
                      ("points", f"`--points` ({POINTS} random points: the partition is held in memory)")):
        r = lz[key]
        if r["doc"]:
            extra.append(f"{what}: {r['doc']['seconds']:.3f} s, process {r['wall']:.3f} s, {mb(r['maxrss_kb']):.0f} MB")
            if key == "points" and r["wall"] - r["doc"]["seconds"] > 1:
                extra[-1] += (f" (the points' exact boundary distances and locations take the process's other "
                              f"{r['wall'] - r['doc']['seconds']:.1f} s, {(r['wall'] - r['doc']['seconds']) / POINTS * 1000:.0f} ms "
                              "a point)")
    if extra:
        L.append(f"Holding more ({THREADS} threads): " + "; ".join(extra) + ".")
        L.append("")

    # 3. scaling
    L.append(f"### 3. Scaling: PyTorch-initialised `{SCALING_PRESET}` networks (`relutope train --config`, "
             f"`\"steps\": {SCALING_STEPS}`, seed 0, on the preset's domain), `--time-limit {SCALING_TIME_LIMIT:g}`")
    L.append("")
    L.append(f"Each network runs on 1 thread with `--time-limit {SCALING_TIME_LIMIT:g}`, then on {THREADS} threads: "
             f"the whole enumeration when 1 thread finished it (regions/s = regions / `seconds`, equal work), else "
             f"with the same limit (regions/s = the regions counted when the limit stopped the run / the limit, "
             f"equal time). A stopped run counts the regions of the units of work it finished (runs of 16 "
             f"first-layer cells, which on the 512-wide networks hold thousands of regions each), so its rate is "
             f"coarse, and the {THREADS}-thread run reaches further along the cut, where regions may be denser or "
             f"sparser. speedup = the ratio (goal 1.9x); per core = regions/s / {THREADS}. "
             f"start s = the wall time of a run stopped at its first region (`--max-regions 1`: loading and the "
             f"first layer's cut, which runs on one thread), base MB its peak memory; bytes/region = (peak memory "
             f"of the {THREADS}-thread run - base) / its regions.")
    L.append("")
    L.append(f"| hidden | parameters | regions (1 thread) | 1 thread | start s | regions/s 1 thread | regions/s {THREADS} threads | "
             f"speedup | per core | peak MB ({THREADS}) | base MB | bytes/region | others' CPUs (1 / {THREADS}) |")
    L.append("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    speedups = []
    for row in sc:
        a, b = row["a"], row["b"]
        ra, rb = row.get("rate1"), row.get("rate2")
        sp = rb / ra if ra and rb else None
        if sp and row["seconds1"] >= 1.0:
            speedups.append((row["key"], sp))
        n = row["regions"]
        n2 = row.get("regions2", n)
        bpr = (b["maxrss_kb"] - row["base"]["maxrss_kb"]) * 1024 / n2 if b and n2 else None
        L.append(f"| {row['key']} | {row['params']:,} | {fmt(n)} | "
                 + (f"finished in {fmt(row.get('seconds1'))} s | " if row["finished"] else
                    f"stopped at {SCALING_TIME_LIMIT:g} s | ")
                 + f"{row['base']['wall']:.2f} | {fmt(ra)} | {fmt(rb)} | {fmt(sp)}x | {fmt(rb / THREADS if rb else None)} | "
                 f"{mb(b['maxrss_kb']) if b else 0:.0f} | {mb(row['base']['maxrss_kb']):.0f} | {fmt(bpr)} | "
                 f"{others(a)} / {others(b) if b else '-'} |")
    L.append("")
    if lc and lc["full"]["doc"]:
        d = lc["full"]["doc"]
        e = lc.get("enum")
        L.append(f"A 3-output network of the same kind (`lazzari-random-rgb` preset, hidden {lc['key']}, one step, "
                 f"[0,1]^2, {THREADS} threads): {d['regions']:,} regions, {d['seconds']:.1f} s in all (process "
                 f"{lc['full']['wall']:.1f} s); the same run stopped at its last region (`--max-regions "
                 f"{d['regions'] - 1:,}`) ends after {e['wall']:.1f} s (process, loading included). The other "
                 f"{d['seconds'] - e['wall']:.1f} s are spent after the enumeration, on one thread, certifying the "
                 "Lipschitz constant: with several outputs the quick bounds (largest row norm, Frobenius norm) leave "
                 "many regions as candidates, and each is rebuilt in exact arithmetic.")
        L.append("")

    # 4. torus
    L += torus_report(to)

    # Goals
    L.append("### Goals")
    L.append("")
    if md:
        ok = many["wall"] < 60 and gb(many["maxrss_kb"]) < 2
        L.append(f"- Trained `rahaman-flower`, exact, on {THREADS} threads, under 60 s and 2 GB: "
                 f"**{'met' if ok else 'not met'}**: {md['regions']:,} regions, {md['linear_pieces']:,} linear pieces "
                 f"in {md['seconds']:.1f} s ({many['wall']:.1f} s for the process), {gb(many['maxrss_kb']):.2f} GB peak"
                 + (f"; 1 thread {one['doc']['seconds']:.1f} s" if one["doc"] else "") + ".")
    else:
        L.append(f"- Trained `rahaman-flower`: **not met**: {many['status']} after {many['wall']:.0f} s "
                 f"({fmt(many['after'])} regions by then), {gb(many['maxrss_kb']):.2f} GB.")
    if THREADS in lz_rows:
        sec, smin, wall, wmin = lz_rows[THREADS]
        L.append(f"- Trained 2x128 lazzari network under 0.1 s: **{'met' if sec < 0.1 else 'not met'}** for the "
                 f"enumeration ({sec:.3f} s on {THREADS} threads, median; {lz_rows[1][0]:.3f} s on 1), "
                 f"**{'met' if wall < 0.1 else 'not met'}** for the whole process ({wall:.3f} s; {lz_rows[1][2]:.3f} s on "
                 f"1 thread). Before the rebuild: 0.5-0.74 s (bench/results/regions.md).")
    if speedups:
        good = [k for k, v in speedups if v >= 1.9]
        L.append(f"- {THREADS} threads 1.9x faster than 1 on the deep networks: **{len(good)} of {len(speedups)} "
                 f"cases** (those that ran at least a second on 1 thread); speedups "
                 + ", ".join(f"{k} {v:.2f}x" for k, v in speedups) + ".")
    tg = to.get("goal")
    if tg:
        L.append(tg)
    L.append("")
    L += closing_sections(notes, anomalies)
    write_report(L)


def torus_report(to):
    L = []
    tr = to["train"]
    n = to["n_exact"]
    L.append("### 4. 3D: a 3 -> 64 -> 64 -> 1 network fitted to a torus's signed distance in PyTorch, on [-1,1]^3")
    L.append("")
    L.append(f"`bench/sdf3d_train.py`: torus of radii 0.5 and 0.25 about the z axis, float32, Adam, {tr['steps']:,} "
             f"steps of 1,024 uniform points, torch {tr['torch']} ({tr['seconds']:.0f} s); test MSE {tr['final_loss']:.2e}; "
             "saved with `torch.save(model.state_dict())` and read by relutope as it is "
             "(`relutope regions torus.pt --domain -1,1,-1,1,-1,1`).")
    L.append("")
    L.append("| threads | regions | linear pieces | adjacent pairs | seconds (median, min) | process s | peak memory MB | others' CPUs |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    secs = {}
    for t, runs in to["runs"].items():
        if not runs:
            continue
        d = runs[0]["doc"]
        sec = [r["doc"]["seconds"] for r in runs]
        secs[t] = median(sec)
        L.append(f"| {t} | {d['regions']:,} | {d['linear_pieces']:,} | {d['adjacent_pairs']:,} | {median(sec):.2f} "
                 f"({min(sec):.2f}) | {median([r['wall'] for r in runs]):.2f} | "
                 f"{max(mb(r['maxrss_kb']) for r in runs):.0f} | {others_median(runs)} |")
    L.append("")
    p = to["polytopes"]
    if p["doc"]:
        L.append(f"With `--polytopes FILE` (every region's exact vertices, facets, map and volume, written as they "
                 f"stream; the sampling predictor's input): {p['doc']['seconds']:.1f} s, {mb(p['maxrss_kb']):.0f} MB, "
                 f"a {to['polytopes_bytes'] / 1e6:.0f} MB file.")
        L.append("")
    samp = to["sampling"]
    measured = [row for row in samp["rows"] if "seconds" in row]
    big = max(measured, key=lambda row: row["resolution"])
    exact1 = secs.get(1)
    L.append(f"Sampling ({to['blas']}, float64, R^3 cell centres, one thread; found = sampled patterns that are exact "
             "regions): measured up to R = " + f"{big['resolution']}; larger grids *predicted*: the regions that hold a "
             "grid centre, counted from the polytopes (each region's facets cut every grid line through its bounding "
             "box; it agrees with sampling on every measured grid), their time extrapolated from R = "
             f"{big['resolution']} in proportion to the points. Ratio = sampling s / exact seconds on 1 thread "
             f"({exact1:.2f} s). Peak memory of the sampling process: {mb(to['sampling_rss_kb']):.0f} MB.")
    L.append("")
    L.append("| R | points | numpy s | regions found | coverage | sampling / exact |")
    L.append("|---:|---:|---:|---:|---:|---:|")
    for row in measured:
        L.append(f"| {row['resolution']} | {row['points']:,} | {row['seconds']:.2f} | {row['found']:,} / {n:,} | "
                 f"{100 * row['coverage']:.2f}% | {row['seconds'] / exact1:.3g}x |")

    def t_of(R):
        return big["seconds"] * (R / big["resolution"]) ** 3

    for q in samp["predicted"]:
        if q["resolution"] <= big["resolution"]:
            continue
        L.append(f"| {q['resolution']} *predicted* | {q['resolution'] ** 3:.3g} | ~{t_of(q['resolution']):.3g} | "
                 f"{q['found']:,} / {n:,} | {100 * q['coverage']:.2f}% | ~{t_of(q['resolution']) / exact1:.2g}x |")
    L.append("")
    p99 = next((q for q in samp["predicted"] if q["coverage"] >= TARGET), None)
    bis = samp.get("bisected")
    if p99:
        t99 = t_of(p99["resolution"])
        days = t99 / 86400
        text = (f"- 3D: the smallest power-of-two grid that finds 99% of the {n:,} exact regions is R = "
                f"{p99['resolution']:,} ({p99['resolution'] ** 3:.3g} points): ~{t99:.3g} s of numpy "
                f"(~{days:.3g} days, extrapolated) against {exact1:.2f} s exact on 1 thread: **~{t99 / exact1:.2g}x**"
                + (f" ({secs[THREADS]:.2f} s on {THREADS} threads)" if THREADS in secs else ""))
        if bis:
            tb = t_of(bis["resolution"])
            text += (f". Bisecting between the powers of two, R = {bis['resolution']:,} reaches "
                     f"{100 * bis['coverage']:.2f}% (~{tb:.3g} s, ~{tb / exact1:.2g}x; grids of different R do not "
                     "nest, so coverage is not monotone in R and this is where it crosses 99%, not a proven minimum)")
        to["goal"] = text + "."
    else:
        to["goal"] = "- 3D: no grid up to R = 262,144 finds 99% of the regions."
    m64 = next((row for row in measured if row["resolution"] == 64), None)
    s64 = to["sample64"]["doc"]
    if m64 and s64:
        L.append(f"`relutope regions torus.pt --sample 64` finds {s64['sampled']['regions_found']:,} regions "
                 f"(numpy {m64['found']:,}); its smallest missed region has volume "
                 f"{s64['sampled'].get('smallest_missed_area', 0):.3g}, the median missed one "
                 f"{s64['sampled'].get('median_missed_area', 0):.3g} (the box: 8).")
        L.append("")
    return L


if __name__ == "__main__":
    main()
