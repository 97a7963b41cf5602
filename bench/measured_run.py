"""Runs a benchmark's child process and measures it: wall time, CPU time and peak memory
(wait4's rusage), with an optional timeout; and the relutope runs both drivers make (a JSON
result, training a network). Shared by the bench drivers."""
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time

PIN = shlex.split(os.environ.get("PIN", ""))

HZ = os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds():
    """CPU seconds all processes have spent busy since boot (/proc/stat's first line: user, nice,
    system, irq, softirq, steal), or None where there is no /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)) / HZ


def run(cmd, timeout=None, env=None, pin=True):
    """Runs cmd; returns rc (negative: killed by that signal; 'timeout'), wall s, peak RSS KiB.
    pin: True (the bench's PIN, one CPU), False (none), or a list (another prefix, e.g. taskset
    on two CPUs for a two-thread run)."""
    full = (pin if isinstance(pin, list) else PIN if pin else []) + [str(c) for c in cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    timed_out = []

    def kill():
        timed_out.append(True)
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    # Read the pipes on threads so that a chatty child cannot block; reap with wait4 for rusage.
    out, err = [], []
    readers = [threading.Thread(target=lambda: out.append(proc.stdout.read())),
               threading.Thread(target=lambda: err.append(proc.stderr.read()))]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    for r in readers:
        r.join()
    if timer:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    rc = "timeout" if timed_out else proc.returncode
    return {"rc": rc, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
            "stdout": out[0].decode(errors="replace"), "stderr": err[0].decode(errors="replace"),
            "cmd": " ".join(full)}


def run_json(cmd, out="-", timeout=None, pin=True):
    """run(cmd) and parse the JSON it writes to the file out ('-': its stdout) into r["doc"]
    (None when it failed; a JSON that does not parse turns rc into a message)."""
    r = run(cmd, timeout=timeout, pin=pin)
    r["doc"] = None
    if r["rc"] == 0:
        try:
            if out == "-":
                r["doc"] = json.loads(r["stdout"])
            else:
                with open(out) as f:
                    r["doc"] = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            r["rc"] = f"bad JSON ({e})"
    return r


def train(relutope, work, name, args, who="bench"):
    """`relutope train ARGS` into WORK/NAME.json; returns (path, its JSON summary). Exits on failure."""
    out = os.path.join(work, name + ".json")
    r = run_json([relutope, "train", *args, "--quiet", "--out", out, "--json", "-"])
    if r["rc"] != 0:
        lines = [l for l in r["stderr"].strip().splitlines() if l.strip()]
        sys.exit(f"{who}: training {name} failed ({r['rc']}): {lines[-1].strip() if lines else ''}")
    return out, r["doc"]
