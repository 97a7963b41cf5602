"""The parts of a benchmark report that bench/regions_bench.py and bench/spectrum_bench.py share:
the machine and the relutope build measured, the environment of the numpy baselines, the
closing sections (notes on the machine's load, anomalies) and writing the markdown file.

Reads the environment bench/common.sh exports: RELUTOPE, ROOT, BUILD_DIR, PIN, OPENBLAS_DIR.
"""
import datetime
import os
import platform
import subprocess
import sys


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def status_of(r, limit_exit=None):
    """A run's outcome in words; limit_exit: the exit code meaning 'a limit was hit' (relutope: 3)."""
    if r["rc"] == 0:
        return "ok"
    if limit_exit is not None and r["rc"] == limit_exit:
        return f"limit (exit {limit_exit}): " + last_line(r["stderr"])
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
    """A /proc/meminfo field in bytes (0 if absent)."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def fmt_bytes(b):
    if b >= 1e15:
        return f"{b:.2g} bytes"
    if b >= 1e12:
        return f"{b / 1e12:.1f} TB"
    if b >= 1e9:
        return f"{b / 1e9:.1f} GB"
    return f"{b / 1e6:.0f} MB"


def git_state():
    """The relutope measured: the commit of this tree (+ uncommitted source changes) when built
    here in BUILD_DIR, else the executable given (RELUTOPE, RELUTOPE_LABEL)."""
    relutope, root = os.environ["RELUTOPE"], os.environ["ROOT"]
    build_dir = os.environ.get("BUILD_DIR", os.path.join(root, "build-bench"))
    if os.path.realpath(os.path.dirname(relutope)) != os.path.realpath(build_dir):
        label = os.environ.get("RELUTOPE_LABEL", "")
        return f"executable {relutope} (given, not built from this tree{': ' + label if label else ''})"
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "src", "include", "CMakeLists.txt"],
                               capture_output=True, text=True).stdout.split("\n")
        dirty = [l[3:] for l in dirty if l.strip()]
        return head + (" + uncommitted changes to " + ", ".join(dirty) if dirty else "")
    except OSError:
        return "unknown"


def machine_line(with_memory=False, pinning=None):
    """'DATE, CPU, n CPUs[, memory]; relutope ...; every process pinned ...': a report's first words
    (pinning: another last sentence, for benches that run on more than one CPU)."""
    mem = f", {fmt_bytes(meminfo('MemTotal'))} memory" if with_memory else ""
    pin = os.environ.get("PIN", "") or "no taskset"
    return (f"{datetime.date.today().isoformat()}, {cpu_model()}, {os.cpu_count()} CPUs{mem}; relutope "
            f"{git_state()}; " + (pinning or f"every process pinned to one CPU ({pin}), one thread."))


def numpy_env(openblas=True):
    """The environment of a numpy baseline process, one thread, with Debian's OpenBLAS first on
    the loader path when openblas and bench/openblas.sh found it; and its label for the report."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("LD_LIBRARY_PATH", None)
    openblas_dir = os.environ.get("OPENBLAS_DIR", "")
    if openblas and openblas_dir:
        env["LD_LIBRARY_PATH"] = openblas_dir
        return env, "Debian numpy + OpenBLAS (one thread)"
    return env, "Debian numpy, system libblas"


class Load:
    """The 1-minute load average at the start and the end of a bench, for a note when not idle."""

    def __init__(self):
        self.start = os.getloadavg()[0]
        self.end = None

    def note(self):
        self.end = os.getloadavg()[0]
        if self.start > 1.2 or self.end > 1.2:
            return (f"The machine was not idle: 1-minute load average {self.start:.1f} at the start, "
                    f"{self.end:.1f} at the end, on {os.cpu_count()} CPUs. Wall times are inflated by the other "
                    "processes; CPU times (user + system of each process) less so.")
        return None

    def busy(self):
        return max(self.start, self.end if self.end is not None else os.getloadavg()[0]) > 1.2


def closing_sections(notes, anomalies):
    """The '### Notes' (when any) and '### Anomalies' sections, as markdown lines."""
    L = []
    if notes:
        L += ["### Notes", ""] + [f"- {n}" for n in notes] + [""]
    L += ["### Anomalies", ""] + ([f"- {a}" for a in anomalies] if anomalies else ["- none"])
    return L


def write_report(lines, path=None):
    """Writes the markdown (atomically) to path (default RESULTS) and prints it."""
    path = path or os.environ["RESULTS"]
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    print(text)
