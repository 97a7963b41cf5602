"""Ctrl-C and the GIL: a long enumeration (or training run) in a subprocess gets SIGINT about a
second in and must end within a few seconds with KeyboardInterrupt; `regions` lets another Python
thread run meanwhile."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import relutope

STOP_WITHIN = 4.0  # seconds from SIGINT to the process's exit

SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    import relutope

    mode, progress = sys.argv[1], sys.argv[2] == "bar"
    rng = np.random.default_rng(0)
    sizes = [2, 256, 256, 256, 256, 1]
    W = [rng.uniform(-1, 1, (b, a)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    B = [rng.uniform(-1, 1, b) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    net = relutope.Network.from_arrays(W, B)
    box = (-20, 20, -20, 20)
    try:
        if mode == "regions":
            print("running", flush=True)
            relutope.regions(net, box, max_regions=10**9, progress=progress)
        elif mode == "iter":
            for i, region in enumerate(relutope.iter_regions(net, box, max_regions=10**9, progress=progress)):
                if i == 10:
                    print("running", flush=True)
        elif mode == "train":
            print("running", flush=True)
            relutope.train(preset="rahaman-sines", steps=10**6, seed=0, progress=progress)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(42)
    print("finished", flush=True)
""")


def run_and_interrupt(tmp_path, mode, progress):
    script = tmp_path / "long.py"
    script.write_text(SCRIPT)
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, str(script), mode, progress], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "running", (line, proc.stderr.read() if proc.poll() is not None else "")
        time.sleep(1.0)
        assert proc.poll() is None, "the work ended before the signal: make it longer"
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{mode}: still running 30 s after SIGINT")
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 42 and "interrupted" in out, (proc.returncode, out, err[-2000:])
    assert elapsed < STOP_WITHIN, f"{mode}: {elapsed:.1f} s from SIGINT to exit"
    return elapsed


@pytest.mark.parametrize("mode, progress", [("regions", "none"), ("regions", "bar"), ("iter", "none"), ("train", "none")])
def test_ctrl_c_raises_keyboard_interrupt(tmp_path, mode, progress):
    run_and_interrupt(tmp_path, mode, progress)


def test_uncaught_ctrl_c_exits_like_python(tmp_path):
    """Without a handler, the usual KeyboardInterrupt traceback and exit status."""
    script = tmp_path / "plain.py"
    script.write_text(textwrap.dedent("""
        import numpy as np, relutope
        rng = np.random.default_rng(0)
        sizes = [2, 256, 256, 256, 256, 1]
        W = [rng.uniform(-1, 1, (b, a)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
        net = relutope.Network.from_arrays(W, [np.zeros(b) for b in sizes[1:]])
        print("running", flush=True)
        relutope.regions(net, (-20, 20, -20, 20), max_regions=10**9, progress=False)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "running"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert "KeyboardInterrupt" in err
    assert proc.returncode in (1, -signal.SIGINT, 128 + signal.SIGINT)


def busy_counter():
    state = {"count": 0, "stop": False}

    def loop():
        while not state["stop"]:
            state["count"] += 1

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return state, thread


def test_gil_released_during_regions():
    rng = np.random.default_rng(1)
    sizes = [2, 128, 128, 128, 1]
    W = [rng.uniform(-1, 1, (b, a)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    net = relutope.Network.from_arrays(W, [rng.uniform(-1, 1, b) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])])
    box = (-3, 3, -3, 3)
    state, thread = busy_counter()
    time.sleep(0.05)
    before = state["count"]
    start = time.monotonic()
    relutope.regions(net, box, threads=1, progress=False)
    during = time.monotonic() - start
    moved = state["count"] - before
    assert during > 0.2, "the enumeration is too short to tell"
    state["stop"] = True
    thread.join()
    # a Python thread spinning alone for the same time, as the yardstick
    state2, thread2 = busy_counter()
    time.sleep(during)
    state2["stop"] = True
    thread2.join()
    assert moved > 0.2 * state2["count"], (moved, state2["count"], during)


def test_progress_callable_sees_the_enumeration():
    rng = np.random.default_rng(2)
    sizes = [2, 32, 32, 1]
    W = [rng.uniform(-1, 1, (b, a)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    net = relutope.Network.from_arrays(W, [rng.uniform(-1, 1, b) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])])
    calls = []
    relutope.regions(net, (-4, 4, -4, 4), progress=lambda done, total: calls.append((done, total)))
    # a callable may be called or not for a short run; when it is, done never decreases
    dones = [d for d, _ in calls]
    assert dones == sorted(dones)


def test_exception_in_progress_callable_propagates():
    rng = np.random.default_rng(3)
    sizes = [2, 128, 128, 128, 1]
    W = [rng.uniform(-1, 1, (b, a)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    net = relutope.Network.from_arrays(W, [rng.uniform(-1, 1, b) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])])

    class Stop(Exception):
        pass

    def progress(done, total):
        raise Stop()

    start = time.monotonic()
    try:
        relutope.regions(net, (-10, 10, -10, 10), progress=progress, time_limit=20)
    except Stop:
        pass
    except relutope.LimitError:
        pytest.skip("the callable was never called within the time limit")
    else:
        pytest.skip("the enumeration ended without calling the callable")
    assert time.monotonic() - start < 15


def test_breaking_out_of_iter_regions_stops_the_enumeration():
    """After the iterator is dropped, the engine's threads stop: the process burns no more CPU."""
    import gc

    rng = np.random.default_rng(0)
    sizes = [2, 256, 256, 256, 256, 1]
    W = [rng.uniform(-1, 1, (b, a)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    net = relutope.Network.from_arrays(W, [rng.uniform(-1, 1, b) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])])
    it = relutope.iter_regions(net, (-20, 20, -20, 20), max_regions=10**9, progress=False)
    for i, region in enumerate(it):
        if i == 5:
            break
    del it, region
    gc.collect()
    time.sleep(0.3)
    before = os.times()
    time.sleep(1.0)
    after = os.times()
    assert (after.user - before.user) + (after.system - before.system) < 0.3


def test_concurrent_calls_from_python_threads():
    """Calls released from the GIL may run at once: each gives what it gives alone."""
    rng = np.random.default_rng(5)
    nets = []
    for seed in range(3):
        sizes = [2, 32, 32, 1]
        W = [rng.uniform(-1, 1, (b, a)) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
        nets.append(relutope.Network.from_arrays(W, [rng.uniform(-1, 1, b) / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]))
    box = (-3, 3, -3, 3)
    alone = [relutope.regions(n, box, progress=False) for n in nets]
    spectra = [relutope.spectrum(n, [(1, 0), (0, 2)], domain=box, progress=False).values for n in nets]
    results = {}

    def work(i):
        p = relutope.regions(nets[i], box, threads=1, progress=False)
        s = relutope.spectrum(nets[i], [(1, 0), (0, 2)], domain=box, partition=p, progress=False)
        results[i] = (p, s.values, [r.pattern for r in relutope.iter_regions(nets[i], box, progress=False)])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)] + \
              [threading.Thread(target=work, args=(0,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(3):
        p, values, streamed = results[i]
        assert np.array_equal(p.patterns, alone[i].patterns) and np.array_equal(p.vertices, alone[i].vertices)
        assert np.array_equal(values, spectra[i])
        assert np.array_equal(np.array(streamed), alone[i].patterns)
