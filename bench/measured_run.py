"""Runs a benchmark's child process and measures it: wall time, CPU time and peak memory
(wait4's rusage), with an optional timeout. Shared by the bench drivers."""
import os
import shlex
import signal
import subprocess
import threading
import time

PIN = shlex.split(os.environ.get("PIN", ""))


def run(cmd, timeout=None, env=None, pin=True):
    """Runs cmd; returns rc (negative: killed by that signal; 'timeout'), wall s, peak RSS KiB."""
    full = (PIN if pin else []) + [str(c) for c in cmd]
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
