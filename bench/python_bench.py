#!/usr/bin/python3
"""Driver of bench/python.sh (run that, not this): relutope's Python layer against its command
line on the same work, and the exact count against sampling activation patterns in torch.

Every measured case is a child process (bench/measured_run.py: wall, CPU, peak memory); the
Python ones run this file in a worker mode that times its own phases with perf_counter:
  python_bench.py --relutope MODE NET THREADS [MAX_REGIONS]   import numpy, import relutope, load, one call
  python_bench.py --torch NET R1,R2,...         torch's sampled count on each R x R grid
Each prints one JSON line. The driver interleaves the CLI and Python runs (REPEATS rounds), takes
medians, and writes the report (bench/report.py). Environment: see python.sh and common.sh.
"""
import time

T0 = time.perf_counter()  # the worker's phases count from here; the interpreter's start is before

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

# --- worker modes (children) -----------------------------------------------------------------

def relutope_worker(mode, net_path, threads, max_regions=1_000_000):
    import numpy  # noqa: F401  (timed apart: any numpy user pays it)
    t_numpy = time.perf_counter()
    import relutope
    t_import = time.perf_counter()
    cpu_import = time.process_time()  # CPU seconds of the process (every thread) so far
    net = relutope.load(net_path)
    t_load = time.perf_counter()
    out = {"mode": mode}
    if mode == "prepare":  # the exact network made ready for the engine, which iter_regions does at once
        relutope.iter_regions(net, threads=threads, progress=False)
    elif mode == "summary":  # = `relutope regions NET --json -`
        p = relutope.regions(net, keep_regions=False, threads=threads, max_regions=max_regions, progress=False)
        out.update(count=p.count, pieces=p.linear_pieces, dead=len(p.dead_neurons), lipschitz=p.lipschitz.value)
    elif mode == "stream":  # every region's float arrays, streamed
        n = 0
        for r in relutope.iter_regions(net, threads=threads, progress=False):
            r.pattern, r.vertices, r.vertex_labels, r.facet_labels, r.facet_sides, r.map
            n += 1
        out.update(count=n)
    elif mode == "held":  # every region held, the flat arrays built
        p = relutope.regions(net, threads=threads, progress=False)
        for name in ("vertices", "vertex_offsets", "vertex_labels", "facet_labels", "facet_sides", "facet_offsets",
                     "facet_vertices", "patterns", "maps"):
            getattr(p, name)
        out.update(count=p.count, pieces=p.linear_pieces)
    elif mode == "stream_exact":  # = `--polytopes FILE`: exact vertices, map and measure, streamed
        n = 0
        for r in relutope.iter_regions(net, exact=True, threads=threads, progress=False):
            r.pattern, r.facet_labels, r.exact_vertices(), r.exact_map(), r.exact_measure()
            n += 1
        out.update(count=n)
    elif mode == "held_exact":  # the same from the held partition
        p = relutope.regions(net, exact=True, threads=threads, progress=False)
        for i in range(p.count):
            p.exact_vertices(i), p.exact_map(i), p.exact_measure(i)
        out.update(count=p.count)
    t_call = time.perf_counter()
    out.update(cpu=time.process_time() - cpu_import)  # load + call
    out.update(numpy=t_numpy - T0, import_=t_import - t_numpy, load=t_load - t_import, call=t_call - t_load,
               inside=t_call - T0)
    print(json.dumps(out))


def torch_worker(net_path, resolutions):
    """The peer a torch user writes: the network as an nn.Sequential in float64, a manual forward
    over the grid of cell centres in chunks, each point's pattern (z > 0, every hidden layer) packed
    8 bits to a byte (as numpy's packbits; bool rows of the flower's 1,280 neurons over 4M points
    would not fit in memory), torch.unique(dim=0) per chunk and over the chunks' patterns. Timed
    per R: grid to count."""
    from fractions import Fraction

    t = time.perf_counter()
    import torch
    t_import = time.perf_counter() - t
    torch.set_num_threads(1)
    with open(net_path) as f:
        doc = json.load(f)
    linears = []
    for layer in doc["layers"][:-1]:  # the output layer plays no part in the patterns
        w = torch.tensor(layer["weight"], dtype=torch.float64)
        lin = torch.nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(w)
            lin.bias.copy_(torch.tensor(layer["bias"], dtype=torch.float64))
        linears.append(lin)
    a, b, c, d = (float(Fraction(str(v))) for v in doc["domain"])
    weights = 2 ** torch.arange(8, dtype=torch.uint8)
    rows = []
    for R in resolutions:
        t0 = time.perf_counter()
        with torch.no_grad():
            xs = a + (torch.arange(R, dtype=torch.float64) + 0.5) * ((b - a) / R)
            ys = c + (torch.arange(R, dtype=torch.float64) + 0.5) * ((d - c) / R)
            step = max(1, 65536 // R)  # grid rows per chunk
            found = []
            for i in range(0, R, step):
                gx, gy = torch.meshgrid(xs[i:i + step], ys, indexing="ij")
                x = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)
                bits = []
                for lin in linears:
                    z = lin(x)
                    bits.append(z > 0)
                    x = torch.relu(z)
                pattern = torch.cat(bits, 1)  # as numpy's packbits: 8 bits a byte, for memory
                pattern = torch.nn.functional.pad(pattern, (0, -pattern.shape[1] % 8)).view(pattern.shape[0], -1, 8)
                found.append(torch.unique((pattern * weights).sum(-1, dtype=torch.uint8), dim=0))
            count = torch.unique(torch.cat(found), dim=0).shape[0]
        rows.append({"resolution": R, "seconds": time.perf_counter() - t0, "patterns": count})
    print(json.dumps({"torch": torch.__version__, "import": t_import, "rows": rows}))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--relutope":
    relutope_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]), *(int(a) for a in sys.argv[5:6]))
    sys.exit(0)
if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--torch":
    torch_worker(sys.argv[2], [int(r) for r in sys.argv[3].split(",")])
    sys.exit(0)

# --- the driver ------------------------------------------------------------------------------

import statistics  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measured_run import busy_cpu_seconds, run, train as train_net  # noqa: E402
from report import closing_sections, last_line, log, machine_line, numpy_env, write_report  # noqa: E402

RELUTOPE = os.environ.get("RELUTOPE", "")
WORK = os.environ.get("WORK", "")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")
SELF = os.path.abspath(__file__)
REPEATS = max(1, int(os.environ.get("REPEATS", "11")))
EXACT_REPEATS = max(1, int(os.environ.get("EXACT_REPEATS", "3")))
THREADS = int(os.environ.get("THREADS", "2"))
CPUS = os.environ.get("BENCH_CPUS", "0,1")
LAZZARI_STEPS = os.environ.get("LAZZARI_STEPS", "")
FLOWER_NET = os.environ.get("FLOWER_NET", "")
LARGE_HIDDEN = os.environ.get("LARGE_HIDDEN", "64,64,64,64")
LARGE_DOMAIN = os.environ.get("LARGE_DOMAIN", "-20,20,-20,20")
RESOLUTIONS = [int(r) for r in os.environ.get("RESOLUTIONS", "64,256,1024,2048").split(",") if r]
QUIET_WAIT = float(os.environ.get("QUIET_WAIT", "0"))
QUIET_CPUS = float(os.environ.get("QUIET_CPUS", "0.15"))
PIN_MANY = ["taskset", "-c", CPUS] if os.environ.get("PIN") else False

notes, anomalies, loads = [], [], []


def part(where):
    """Before a part: wait (QUIET_WAIT s at most) for other processes to keep < QUIET_CPUS busy; note the load."""
    t0 = time.perf_counter()
    while QUIET_WAIT > 0 and time.perf_counter() - t0 < QUIET_WAIT:
        a = busy_cpu_seconds()
        time.sleep(3)
        if a is None or (busy_cpu_seconds() - a) / 3 < QUIET_CPUS:
            break
    loads.append((where, os.getloadavg()[0]))


def measured(cmd, threads=1, env=None, timeout=3600):
    """One measured process (pinned to CPU BENCH_CPU, or BENCH_CPUS for several threads), with the
    CPUs other processes kept busy meanwhile; its JSON line parsed into r['doc'] when it prints one."""
    before = busy_cpu_seconds()
    r = run(cmd, timeout=timeout, env=env, pin=True if threads == 1 else PIN_MANY)
    after = busy_cpu_seconds()
    r["others"] = max(0.0, (after - before - r["cpu"]) / r["wall"]) if before is not None else None
    r["doc"] = None
    if r["rc"] != 0:
        anomalies.append(f"`{' '.join(map(str, cmd[-4:]))}` failed ({r['rc']}): {last_line(r['stderr'])}")
    elif r["stdout"].lstrip().startswith("{"):
        r["doc"] = json.loads(r["stdout"].strip().splitlines()[-1] if cmd[0] == PYTHON else r["stdout"])
    return r


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def ms(x):
    return f"{1000 * x:,.0f}" if x >= 0.1 else f"{1000 * x:.1f}"


def spread(xs):
    """'median (min-max)' in ms."""
    return f"{ms(med(xs))} ({ms(min(xs))}-{ms(max(xs))})" if xs else "-"


# 1. The Python layer against the CLI ---------------------------------------------------------

def cli(net, threads, extra=()):
    return [RELUTOPE, "regions", net, "--json", "-", "--quiet", "--threads", threads, *extra]


def py(mode, net, threads):
    return [PYTHON, SELF, "--relutope", mode, net, threads]


def overhead(net):
    polytopes, polygons = os.path.join(WORK, "lazzari.polytopes.json"), os.path.join(WORK, "lazzari.geojson")
    T = THREADS
    cases = {  # name: (command, threads, rounds)
        "cli start": ([RELUTOPE, "--help"], 1, REPEATS),
        "cli info": ([RELUTOPE, "info", net], 1, REPEATS),
        "py pass": ([PYTHON, "-c", "pass"], 1, REPEATS),
        "py numpy": ([PYTHON, "-c", "import numpy"], 1, REPEATS),
        "py load": (py("load", net, 1), 1, REPEATS),
        "py prepare": (py("prepare", net, 1), 1, REPEATS),
        "cli summary 1": (cli(net, 1), 1, REPEATS),
        "py summary 1": (py("summary", net, 1), 1, REPEATS),
        "py summary 1 top pad": (py("summary", net, 1), 1, REPEATS),
        f"cli summary {T}": (cli(net, T), T, REPEATS),
        f"py summary {T}": (py("summary", net, T), T, REPEATS),
        "py stream 1": (py("stream", net, 1), 1, REPEATS),
        f"py stream {T}": (py("stream", net, T), T, REPEATS),
        "py held 1": (py("held", net, 1), 1, REPEATS),
        "cli polygons 1": (cli(net, 1, ["--polygons", polygons]), 1, REPEATS),
        "cli polytopes 1": (cli(net, 1, ["--polytopes", polytopes]), 1, REPEATS),
        f"cli polytopes {T}": (cli(net, T, ["--polytopes", polytopes]), T, REPEATS),
        "py stream_exact 1": (py("stream_exact", net, 1), 1, EXACT_REPEATS),
        f"py stream_exact {T}": (py("stream_exact", net, T), T, EXACT_REPEATS),
        "py held_exact 1": (py("held_exact", net, 1), 1, EXACT_REPEATS),
    }
    runs = {name: [] for name in cases}
    env, _ = numpy_env(openblas=False)  # the user's plain environment: no LD_LIBRARY_PATH
    top_pad = dict(env, MALLOC_TOP_PAD_=str(64 << 20))  # glibc's heap padding as the CLI's main() sets it (mallopt)
    for k in range(REPEATS):
        log(f"   round {k + 1}/{REPEATS}")
        for name, (cmd, threads, rounds) in cases.items():
            if k < rounds:
                r = measured(cmd, threads, env=top_pad if name.endswith("top pad") else env)
                if r["rc"] == 0:
                    runs[name].append(r)
    counts = {(r["doc"] or {}).get("count", (r["doc"] or {}).get("regions")) for rs in runs.values() for r in rs} - {None}
    if len(counts) > 1:
        anomalies.append(f"**BUG**: the 2x128 network's region count differs between cases: {sorted(counts)}")
    return runs


def overhead_report(runs, net_desc):
    T = THREADS
    L = [f"### 1. The Python layer against the CLI, same work: {net_desc}", ""]

    def wall(name):
        return [r["wall"] for r in runs[name]]

    def inner(name, key):
        return [r["doc"][key] for r in runs[name] if r["doc"]]

    start, start_cpu = med(wall("cli start")), med([r["cpu"] for r in runs["cli start"]])
    interp = med(wall("py pass"))
    numpy_import = med(inner("py load", "numpy"))
    rel_import = med(inner("py load", "import_"))
    prepare = med(inner("py prepare", "call"))
    pairs = [  # label, CLI case, Python case, CLI text, Python text
        ("counts, pieces, dead neurons, Lipschitz, 1 thread", "cli summary 1", "py summary 1",
         "`regions NET --json -`", "`regions(net, keep_regions=False)`"),
        (f"the same, {T} threads", f"cli summary {T}", f"py summary {T}", f"+ `--threads {T}`", f"`threads={T}`"),
        ("every region's exact geometry, streamed, 1 thread", "cli polytopes 1", "py stream_exact 1",
         "`--polytopes FILE`", "`for r in iter_regions(net, exact=True)`: `r.exact_vertices()`, `exact_map()`, `exact_measure()`"),
        (f"the same, {T} threads", f"cli polytopes {T}", f"py stream_exact {T}", f"+ `--threads {T}`", f"`threads={T}`"),
        ("the same, held, 1 thread", "cli polytopes 1", "py held_exact 1", "`--polytopes FILE`",
         "`p = regions(net, exact=True)`; `p.exact_vertices(i)`, ... for every i"),
        ("every region's float arrays, streamed, 1 thread (*)", "cli summary 1", "py stream 1", "`regions NET --json -`",
         "`for r in iter_regions(net)`: `r.pattern`, `vertices`, `vertex_labels`, `facet_labels`, `facet_sides`, `map`"),
        (f"the same, {T} threads (*)", f"cli summary {T}", f"py stream {T}", f"+ `--threads {T}`", f"`threads={T}`"),
        ("every region held, flat arrays, 1 thread (*)", "cli summary 1", "py held 1", "`regions NET --json -`",
         "`p = regions(net)`: `p.vertices`, `patterns`, `maps`, ... (9 arrays)"),
    ]
    f = (lambda x: f"**{x:.2f}x**" if x is not None and x == x else "-")
    L.append(f"Medians of {REPEATS} interleaved rounds ({EXACT_REPEATS} for the exact values in Python, seconds "
             "each), min-max in parentheses, milliseconds; one fresh process per run, pinned (1 thread: CPU "
             f"{os.environ.get('BENCH_CPU', '0')}; {T} threads: CPUs {CPUS}). (*): no CLI output holds only floats, "
             "so these Python runs stand against the summary run; they do less (no linear pieces, dead neurons nor "
             "Lipschitz constant) in the stream, and more (the partition held, its arrays built) in the held case.")
    L.append("")
    L.append("Whole processes (wait4: wall time, peak memory): what a script or shell user waits for.")
    L.append("")
    L.append("| work | CLI | Python | CLI process | Python process | ratio | peak MB CLI / Python | others' CPUs |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|")
    for label, c, p, ctext, ptext in pairs:
        cw, pw = wall(c), wall(p)
        mem = f"{max(r['maxrss_kb'] for r in runs[c]) / 1024:.0f} / {max(r['maxrss_kb'] for r in runs[p]) / 1024:.0f}"
        oth = [r["others"] for r in runs[c] + runs[p] if r.get("others") is not None]
        L.append(f"| {label} | {ctext} | {ptext} | {spread(cw)} | {spread(pw)} | {f(med(pw) / med(cw))} | {mem} | "
                 f"{med(oth):.2f} |")
    cw = wall("cli polygons 1")
    L.append(f"| (the CLI's GeoJSON, 1 thread) | `--polygons FILE` | - | {spread(cw)} | - | - | "
             f"{max(r['maxrss_kb'] for r in runs['cli polygons 1']) / 1024:.0f} / - | "
             f"{med([r['others'] for r in runs['cli polygons 1']]):.2f} |")
    L.append("")
    L.append("relutope's layer, in the process: *CLI work* = process - start (`relutope --help`, "
             f"{ms(start)} ms: the executable's start and exit), *Python work* = `relutope.load` + the call and the "
             "reads of its results (perf_counter in the process), both reading the network and preparing it; CPU "
             "likewise (wait4's user + system less `--help`'s; time.process_time, every thread), less disturbed "
             "by other processes than wall times. *call* = the CLI's own `seconds` (the enumeration and its sinks, "
             "files written included; not reading nor preparing the network) against Python's call alone, which "
             f"includes preparing the exact network: {ms(prepare)} ms measured alone (what `iter_regions(net)` does "
             "before its first region); *call - prepare* takes it out.")
    L.append("")
    L.append("| work | CLI work | Python work | ratio | CLI CPU | Python CPU | ratio | CLI call | Python call | ratio | "
             "Python call - prepare | ratio |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    ratios = {}
    for label, c, p, ctext, ptext in pairs:
        cwork = [w - start for w in wall(c)]
        pwork = [r["doc"]["load"] + r["doc"]["call"] for r in runs[p] if r["doc"]]
        ccpu = [r["cpu"] - start_cpu for r in runs[c]]
        pcpu = inner(p, "cpu")
        cs, pc = inner(c, "seconds"), inner(p, "call")
        pnet = [x - prepare for x in pc]
        r1, r2, r3, r4 = (med(b) / med(a) for a, b in ((cwork, pwork), (ccpu, pcpu), (cs, pc), (cs, pnet)))
        ratios[c[4:] + " / " + p[3:]] = (r1, r2, r3, r4)
        L.append(f"| {label} | {spread(cwork)} | {spread(pwork)} | {f(r1)} | {spread(ccpu)} | {spread(pcpu)} | {f(r2)} | "
                 f"{spread(cs)} | {spread(pc)} | {f(r3)} | {spread(pnet)} | {f(r4)} |")
    L.append("")

    tp = inner("py summary 1 top pad", "call")
    L.append(f"The allocator: the CLI's main() keeps 64 MiB of freed heap (`mallopt(M_TOP_PAD)`), Python does not. "
             f"The summary call (1 thread) with the same setting (`MALLOC_TOP_PAD_=67108864`): {spread(tp)} ms, "
             f"{med(tp) / med(inner('py summary 1', 'call')):.3f}x the call without it.")
    L.append("")

    # The processes' start, and where Python's process time goes.
    L.append("Starting (process wall times, ms): "
             f"`relutope --help` {spread(wall('cli start'))}; `relutope info NET` (start, reading the network, "
             f"printing) {spread(wall('cli info'))}; `python3 -c pass` {spread(wall('py pass'))}; "
             f"`python3 -c 'import numpy'` {spread(wall('py numpy'))}; `import numpy; import relutope; "
             f"relutope.load(NET)` {spread(wall('py load'))}, of which, inside the process, numpy's import "
             f"{ms(numpy_import)}, relutope's import {ms(rel_import)}, `load` {ms(med(inner('py load', 'load')))}.")
    L.append("")
    L.append("Python's process, phase by phase (medians, ms; interpreter = process wall - the time inside the "
             "script: the interpreter's start and exit):")
    L.append("")
    L.append("| Python case | process | interpreter start + exit | import numpy | import relutope | load | call | "
             "CLI process | gap (Python - CLI) | of which interpreter + numpy |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p, c in (("py summary 1", "cli summary 1"), (f"py summary {T}", f"cli summary {T}"),
                 ("py stream 1", "cli summary 1"), ("py stream_exact 1", "cli polytopes 1")):
        rs = [r for r in runs[p] if r["doc"]]
        if not rs:
            continue
        pw = med([r["wall"] for r in rs])
        it = med([r["wall"] - r["doc"]["inside"] for r in rs])
        nm = med([r["doc"]["numpy"] for r in rs])
        gap = pw - med(wall(c))
        L.append(f"| {p[3:]} | {ms(pw)} | {ms(it)} | {ms(nm)} | {ms(med([r['doc']['import_'] for r in rs]))} | "
                 f"{ms(med([r['doc']['load'] for r in rs]))} | {ms(med([r['doc']['call'] for r in rs]))} | "
                 f"{ms(med(wall(c)))} | {ms(gap)} | {ms(it + nm)} ({100 * (it + nm) / gap:.0f}%) |")
    L.append("")
    L.append(f"Start-up costs any Python user pays, not relutope's layer: the interpreter ({ms(interp)} ms for "
             f"`python3 -c pass`; more with numpy loaded, at exit) and numpy's import ({ms(numpy_import)} ms); "
             f"relutope's own import adds {ms(rel_import)} ms.")
    L.append("")
    return L, ratios


# 2. The exact count against torch's sampled count --------------------------------------------

def large_net():
    """FLOWER_NET if given, else a depth-4 width-64 network, PyTorch-initialised (relutope train
    --config, one step) on LARGE_DOMAIN."""
    if FLOWER_NET:
        with open(FLOWER_NET) as f:
            meta = json.load(f).get("meta", {})
        return FLOWER_NET, (f"trained `rahaman-flower` (2 -> 256 x 5 -> 1; {meta.get('steps', '?')} steps, seed "
                            f"{meta.get('seed', '?')}; {FLOWER_NET}) on its domain [-1.5,1.5]^2")
    hidden = [int(w) for w in LARGE_HIDDEN.split(",")]
    cfg = os.path.join(WORK, "large-config.json")
    with open(cfg, "w") as f:
        json.dump({"preset": "rahaman-flower", "hidden": hidden, "steps": 1, "seed": 0}, f)
    path, _ = train_net(RELUTOPE, WORK, "large-init", ["--config", cfg], who="python bench")
    with open(path) as f:
        doc = json.load(f)
    doc["domain"] = LARGE_DOMAIN.split(",")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path, (f"2 -> {' x '.join(map(str, hidden))} -> 1, PyTorch's initialisation (`relutope train --config`, "
                  f"one step, seed 0), on [{LARGE_DOMAIN}]")


def sampling(net, name, one_thread_exact=None):
    """relutope's exact count in Python (1 and THREADS threads) and torch's sampled counts."""
    part(f"sampling, {name}")
    out = {"name": name}
    out["exact1"] = one_thread_exact or measured(py("summary", net, 1) + [50_000_000])
    out["exactT"] = measured(py("summary", net, THREADS) + [50_000_000], THREADS)
    env, blas = numpy_env(openblas=True)  # torch's products through OpenBLAS when common.sh found it
    out["blas"] = blas.replace("numpy", "torch")
    out["torch"] = measured([PYTHON, SELF, "--torch", net, ",".join(map(str, RESOLUTIONS))], env=env)
    return out


def sampling_report(cases):
    L = ["### 2. How many linear regions: relutope's exact count against sampling patterns in torch", ""]
    blas = cases[0]["blas"]
    tdoc = next((c["torch"]["doc"] for c in cases if c["torch"]["doc"]), None)
    L.append(f"The peer (`{os.path.basename(SELF)} --torch`): torch {tdoc['torch'] if tdoc else '?'} ({blas}, pinned), "
             "the network as `nn.Linear` layers in float64, a manual forward over the R x R grid of cell centres "
             "in chunks of 65,536 points, each point's pattern (z > 0 at every hidden neuron) packed 8 bits to a "
             "byte, `torch.unique(dim=0)` per chunk and over the chunks' patterns: time from building the grid to the count "
             f"(torch's import, {tdoc['import'] if tdoc else 0:.2f} s, and building the model not included). relutope: "
             "`relutope.regions(net, keep_regions=False)`, the call alone (in a fresh process, as in part 1). "
             "ratio = sampling time / the exact count's time on 1 thread.")
    L.append("")
    L.append("| network | method | seconds | regions / patterns | of the exact count | ratio | peak MB | others' CPUs |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for c in cases:
        e1, eT, tr = c["exact1"], c["exactT"], c["torch"]
        if not e1["doc"]:
            continue
        n, s1 = e1["doc"]["count"], e1["doc"]["call"]
        L.append(f"| {c['name']} | relutope exact, 1 thread | {s1:.3f} | {n:,} | 100% | 1 | {e1['maxrss_kb'] / 1024:.0f} | "
                 f"{e1['others']:.2f} |")
        if eT["doc"]:
            L.append(f"| | relutope exact, {THREADS} threads | {eT['doc']['call']:.3f} | {eT['doc']['count']:,} | 100% | "
                     f"{eT['doc']['call'] / s1:.2f} | {eT['maxrss_kb'] / 1024:.0f} | {eT['others']:.2f} |")
        for row in (tr["doc"] or {}).get("rows", []):
            L.append(f"| | torch sampling, R = {row['resolution']} ({row['resolution'] ** 2:,} points) | "
                     f"{row['seconds']:.3f} | {row['patterns']:,} | {100 * row['patterns'] / n:.1f}% | "
                     f"{row['seconds'] / s1:.3g} | | |")
        if tr["doc"]:
            L.append(f"| | (the torch process: all R, peak memory, others' CPUs) | {tr['wall']:.1f} | | | | "
                     f"{tr['maxrss_kb'] / 1024:.0f} | {tr['others']:.2f} |")
    L.append("")
    return L


def main():
    t_start = time.perf_counter()
    os.makedirs(WORK, exist_ok=True)
    part("lazzari")
    log("== training lazzari-random-rgb" + (f" ({LAZZARI_STEPS} steps)" if LAZZARI_STEPS else " (full preset)"))
    args = ["--preset", "lazzari-random-rgb", "--seed", "0"] + (["--steps", LAZZARI_STEPS] if LAZZARI_STEPS else [])
    net, summary = train_net(RELUTOPE, WORK, "lazzari-random-rgb", args, who="python bench")
    net_desc = (f"trained `lazzari-random-rgb` (2 -> 128 -> 128 -> 3, {summary['steps']:,} steps, seed 0, loss "
                f"{summary['final_loss']:.4f}) on [0,1]^2")
    log("== 1. the Python layer against the CLI")
    runs = overhead(net)
    L1, ratios = overhead_report(runs, net_desc)
    log("== 2. exact against torch sampling: lazzari")
    done = sorted((r for r in runs["py summary 1"] if r["doc"]), key=lambda r: r["doc"]["call"])
    exact1 = done[len(done) // 2] if done else None  # the run of the median call
    cases = [sampling(net, "2x128 `lazzari-random-rgb`", exact1)]
    big, big_desc = large_net()
    log(f"== 2. exact against torch sampling: {big_desc}")
    cases.append(sampling(big, "large" if not FLOWER_NET else "`rahaman-flower`"))
    for c in cases:
        e, t = c["exact1"]["doc"], c["torch"]["doc"]
        if e and t and any(row["patterns"] > e["count"] for row in t["rows"]):
            anomalies.append(f"{c['name']}: a grid saw more patterns than the exact count (float64 rounding at "
                             "boundaries, or a bug)")

    L = ["## relutope's Python layer (`bash bench/python.sh`)", ""]
    L.append(machine_line(with_memory=True, pinning=f"1-thread runs pinned to CPU {os.environ.get('BENCH_CPU', '0')}, "
                          f"{THREADS}-thread runs to CPUs {CPUS}; `import relutope` from {os.environ.get('PYTHONPATH', '?')} "
                          f"with {PYTHON}."))
    L.append("")
    L.append(f"Bench total {(time.perf_counter() - t_start) / 60:.1f} minutes. 1-minute load average when each part "
             "started: " + ", ".join(f"{w} {l:.1f}" for w, l in loads) + " (this bench's own runs included). "
             "others' CPUs = how many CPUs other processes kept busy, on average, during a run (/proc/stat's busy "
             "time less the run's own CPU time), medians over the rows' runs."
             + (f" Each part first waited (up to {QUIET_WAIT:.0f} s) for other processes to keep fewer than "
                f"{QUIET_CPUS} CPUs busy." if QUIET_WAIT > 0 else ""))
    L.append("")
    L += L1
    notes.append("Python's exact values come from the engine as it enumerates (`exact=True`: a sink's `Demand`, "
                 "as the CLI's writers ask), like the CLI's; without `exact=True` they are rebuilt from each region's "
                 "pattern when asked for (about 1 ms a region for this network), which this bench does not time.")
    L.append("### Goal: the Python layer within 5% of the CLI on the same work")
    L.append("")
    for label, (r_work, r_cpu, r_call, r_net) in ratios.items():
        cli_case, py_case = label.split(" / ")
        if py_case.split()[0] in ("stream", "held"):
            continue  # not the same work: floats against the summary
        verdict = "**met**" if r_work <= 1.05 else "**not met**"
        L.append(f"- CLI {cli_case} / Python {py_case} (case, threads): {verdict} for the work in the process (Python / CLI {r_work:.2f}x wall, "
                 f"{r_cpu:.2f}x CPU; the call alone {r_call:.2f}x the CLI's `seconds`, {r_net:.2f}x without preparing "
                 "the network); whole processes in part 1's first table.")
    L.append("")
    L.append(f"The large network: {big_desc}.")
    L.append("")
    L += sampling_report(cases)
    L += closing_sections(notes, anomalies)
    write_report(L)


if __name__ == "__main__":
    main()
