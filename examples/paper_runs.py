"""What the paper examples share: their command line, the training runs they analyse, and how
each figure is written.

Every example runs in quick mode by default (the paper's network and data, fewer steps: minutes
on 2 cores) and at the paper's settings with --full. A training run is made once and kept in the
run cache (--runs, default out/runs), keyed by its whole configuration, so that the figures that
analyse the same run (Lazzari & Liu Figs. 3, 5-7, 9, 10; Rahaman et al. Figs. 1-2) train it once.
Each figure is written as vector PDF and as PNG (for docs/gallery.md), whole or not at all.
"""
import argparse
import dataclasses
import hashlib
import json
import os
import pathlib
import shutil
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")  # files only, no display
import numpy as np

import relutope

PNG_DPI = 200
UMASK = os.umask(0o022)
os.umask(UMASK)  # read, not changed


def options(example, description):
    """The options every example takes; the example adds its own, then calls parse_args().

    example: the script's name (its __file__), which names the default output directory.
    """
    name = pathlib.Path(example).stem
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--full", action="store_true",
                        help="the paper's settings (its steps and sample counts), however long it takes")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out") / name,
                        help=f"directory for the figure's PDF and PNG (default out/{name})")
    parser.add_argument("--runs", type=pathlib.Path, default=pathlib.Path("out") / "runs",
                        help="cache of training runs, shared by the examples (default out/runs)")
    parser.add_argument("--threads", type=int, default=0, help="training threads (0: every core)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


@dataclasses.dataclass
class Run:
    """A training run: the final ``network``, its ``snapshots`` (relutope.Snapshot: step, loss,
    network, at step 0, every `every` steps and the last), the training data ``inputs`` (N, d)
    and ``targets`` (N, outputs), ``batch_loss`` (steps,) and the ``config`` it was trained with."""
    network: relutope.Network
    snapshots: list
    inputs: np.ndarray
    targets: np.ndarray
    batch_loss: np.ndarray
    config: dict


def trained(args, config, *, steps, every, seed=0):
    """The run of `config` (relutope.train's keys, starting from its "preset") for `steps` steps
    with a snapshot every `every`, trained now or read back from the run cache."""
    config = dict(config, steps=int(steps), snapshot_every=int(every), seed=int(seed))
    text = json.dumps(config, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:12]
    directory = args.runs / f"{config.get('preset', 'run')}-{steps}-{key}"
    if not (directory / "run.npz").exists():
        args.runs.mkdir(parents=True, exist_ok=True)
        staging = pathlib.Path(tempfile.mkdtemp(prefix=".training-", dir=args.runs))
        try:
            result = relutope.train(config=config, snapshots=staging / "snapshots", threads=args.threads,
                                    progress=not args.quiet)
            np.savez(staging / "run.npz", inputs=result.inputs, targets=result.targets, batch_loss=result.batch_loss)
            (staging / "config.json").write_text(text + "\n")
            shutil.rmtree(directory, ignore_errors=True)  # an unfinished run of an older layout
            os.replace(staging, directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    data = np.load(directory / "run.npz", allow_pickle=False)
    snapshots = relutope.read_snapshots(directory / "snapshots")
    return Run(network=snapshots[-1].network, snapshots=snapshots, inputs=data["inputs"], targets=data["targets"],
               batch_loss=data["batch_loss"], config=config)


def save(fig, args, name):
    """Writes `fig` as args.out/name.pdf (vector) and name.png, each whole or not at all."""
    args.out.mkdir(parents=True, exist_ok=True)
    for extension in ("pdf", "png"):
        path = args.out / f"{name}.{extension}"
        handle, staging = tempfile.mkstemp(prefix=f".{name}-", suffix=f".{extension}", dir=args.out)
        os.close(handle)
        os.chmod(staging, 0o666 & ~UMASK)  # mkstemp's 0600 would survive the rename
        try:
            fig.savefig(staging, format=extension, dpi=PNG_DPI)
            os.replace(staging, path)
        except BaseException:
            os.unlink(staging)
            raise
        print(path)
    sys.stdout.flush()


# --- Lazzari & Liu's two runs of Figs. 3, 5-8 and 10: coordinates and positional encoding ---

LAZZARI_STEPS_PER_EPOCH = 16  # minibatches of 256 of the 64 x 64 pixels
LAZZARI_RUNS = {"coordinates": "lazzari-random-rgb", "encoding L=8": "lazzari-random-rgb-pe"}
LAZZARI_COLORS = {"coordinates": "C0", "encoding L=8": "C1"}


def lazzari_runs(args, *, every_snapshot=False):
    """Lazzari & Liu's runs on the 64 x 64 random RGB image, {name: Run}: coordinates in [0,1]^2
    and positional encoding L = 8 (LAZZARI_RUNS), shared by Figs. 3, 5-7 and 10. With --full the
    paper's 1,000 epochs (16,000 steps) with a snapshot every 10 epochs; else 100 epochs, of whose
    snapshots (every 5 epochs) every fourth is kept (one every 20 epochs) unless every_snapshot."""
    epochs, every = (1000, 10) if args.full else (100, 5)
    keep = 1 if args.full or every_snapshot else 4
    return {name: dataclasses.replace(run, snapshots=run.snapshots[::keep])
            for name, preset in LAZZARI_RUNS.items()
            for run in [trained(args, {"preset": preset}, steps=epochs * LAZZARI_STEPS_PER_EPOCH,
                                every=every * LAZZARI_STEPS_PER_EPOCH)]}
