"""`python3 -m relutope figure KIND ...` and `python3 -m relutope dynamics DIR`: the paper figures
and the analyses over training from the command line.

The C++ executable's `relutope figure` and `relutope dynamics` run this module, so the command
line and the library share their code (relutope.plot, relutope.training_dynamics). The discipline
of every relutope command: results on stdout, each failure one line `relutope: <file or option>:
<fault>` on stderr with exit status 2 (bad usage or input), 3 (a limit hit) or 130 (interrupted),
and every file written whole or not at all.
"""
import argparse
import json
import os
import pathlib
import re
import sys
from fractions import Fraction

import matplotlib

matplotlib.use("Agg")  # files only, no display
import numpy as np

import relutope
from relutope import plot

FORMATS = ("pdf", "svg", "png")
PNG_DPI = 300


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as relutope's one line instead of the usage text."""

    def error(self, message):
        raise ValueError(f"{message} (see --help)")


def ranged(kind, lo, hi):
    """An argparse type: a `kind` number in [lo, hi]."""
    def number(text):
        value = kind(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text} is not in [{lo}, {hi}]")
        return value
    number.__name__ = kind.__name__  # argparse names the type in its message
    return number


def numbers(text, source):
    """The numbers of `text`, separated by spaces or ';', read exactly ("0.1" is 1/10, "1/3")."""
    try:
        values = [Fraction(item) for item in re.split(r"[\s;]+", text.strip()) if item]
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{source}: not a list of numbers: '{text}'") from None
    if not values:
        raise ValueError(f"{source}: no numbers given")
    return values


# ------------------------------------------------------------------ the network, domain and slice

def add_analysis_options(command):
    """NET, what a state_dict cannot say itself, and the domain and slice to analyse."""
    command.add_argument("net", metavar="NET",
                         help="Network file (.json, or a PyTorch state_dict: .npz, .pt/.pth, .safetensors)")
    command.add_argument("--layers", help="State dicts: the modules' names (Linear, BatchNorm1d) in the order the "
                         "network applies them (name1,name2,...); default: numbered names in numeric order, others in "
                         "the file's order (relutope info shows it)")
    command.add_argument("--activation", help="State dicts: the activation where the file shows none (a gap in a "
                         "Sequential's numbering, between modules not numbered in one Sequential): relu (default), "
                         "identity or leaky_relu:SLOPE (as given to torch.nn.LeakyReLU)")
    command.add_argument("--activations", help="State dicts: the activation after each Linear module, in order, the "
                         "last after the output layer (relu,identity,relu,identity for Sequential(Linear, ReLU, Linear, "
                         "Identity, Linear, ReLU, Linear)); for what the file cannot show: an nn.Identity in a gap, an "
                         "activation after the output layer")
    command.add_argument("--encoding", help="State dicts: the input encoding the network was trained with, identity "
                         "(default) or positional:L=N[:order=nerf|per-input|sines-first][:include_input] (a state_dict "
                         "cannot hold one)")
    command.add_argument("--batchnorm-eps", help="State dicts: the eps of their BatchNorm1d modules (default 1e-5, "
                         "torch's; a state_dict does not hold it)")
    command.add_argument("--domain", help="Box a,b (1D), a,b,c,d (2D), a,b,c,d,e,f (3D) and so on, exact decimals or "
                         "fractions; default: the network file's domain (required with --slice: the box of (s, t); "
                         "0,1,0,1 with --plane-through)")
    plane = command.add_mutually_exclusive_group()
    plane.add_argument("--slice", help="Analyse the plane o + s u + t v (or the line o + s u) of the input space, or of "
                       "the encoding space of a positional network: o1,..:u1,..[:v1,..], or @FILE holding that text or "
                       "o, u, v on three lines (numbers separated by commas or whitespace)")
    plane.add_argument("--plane-through", metavar="FILE", help="Analyse the plane p0 + s (p1 - p0) + t (p2 - p0) "
                       "through three points, read from FILE one a line (numbers separated by commas or whitespace)")
    add_out_option(command)


def add_out_option(command):
    command.add_argument("-o", "--out", required=True, help="Output file: .pdf, .svg or .png")


def network(args):
    """The network of NET and the state_dict options; numbers are read as the C++ commands read them."""
    try:
        eps = None if args.batchnorm_eps is None else float(Fraction(args.batchnorm_eps))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"--batchnorm-eps: not a number: '{args.batchnorm_eps}'") from None
    return relutope.load(args.net, layers=comma_list(args.layers), activation=args.activation,
                         activations=comma_list(args.activations), encoding=args.encoding, batchnorm_eps=eps)


def comma_list(text):
    return None if text is None else text.split(",")  # empty items are the library's to refuse


def request(args, net):
    """The analysis keywords: the domain (default the network's), the slice or the plane through points."""
    if args.domain is None and not args.slice and not args.plane_through and net.domain is None:
        raise ValueError(f"{args.net}: the network file has no domain: give --domain")  # the library knows no file
    return dict(domain=args.domain, slice=args.slice, plane_through=args.plane_through)


def axis_labels(args):
    return ("s", "t") if args.slice or args.plane_through else ("x1", "x2")


# ------------------------------------------------------------------ the figures

def regions_figure(args):
    net = network(args)
    partition = relutope.regions(net, **request(args, net), max_regions=args.max_regions, progress=False)
    ax = plot.regions(partition, first_layer=args.first_layer, grid=args.grid, labels=axis_labels(args))
    save(ax.figure, args.out)
    print(f"wrote {args.out} ({partition.count} regions)")


def patterns_figure(args):
    net = network(args)
    patterns = relutope.sampled_patterns(net, **request(args, net), resolution=args.resolution)
    domain = comma_list(args.domain) or ((0, 1, 0, 1) if args.plane_through else net.domain)  # as the analysis took it
    if len(domain) != 4:
        raise ValueError("--domain: figure patterns draws 2 coordinates: give a 2D domain (or a plane --slice)")
    ax = plot.patterns(patterns, args.resolution, domain, labels=axis_labels(args))
    save(ax.figure, args.out)
    distinct = len(np.unique(patterns, axis=0))
    print(f"wrote {args.out} ({distinct} distinct activation patterns sampled on the {args.resolution} x "
          f"{args.resolution} grid: a lower bound on the regions)")


def curve_input(args, default_2d):
    """The network, its partition (computed once for every frequency) and --freq or its default."""
    net = network(args)
    partition = relutope.regions(net, **request(args, net), max_regions=args.max_regions, progress=False)
    return net, partition, args.freq or ("1" if partition.dim == 1 else default_2d)


def fft_error_figure(args):
    net, partition, k = curve_input(args, "1,1")
    c = relutope.fft_convergence(net, k, **request(args, net), out=args.output, max_n=args.max_n,
                                 partition=partition, progress=False)
    ax = plot.fft_error(c)
    save(ax.figure, args.out)
    print("N,rectangle_error,trapezoid_error")
    for n, rectangle, trapezoid in zip(c.n, c.rectangle, c.trapezoid):
        print(f"{n},{rectangle:g},{trapezoid:g}")
    print(f"wrote {args.out}")


def decay_figure(args):
    net, partition, k = curve_input(args, "1,0.37")
    t = 2.0 ** np.arange(0, np.log2(args.t_max) + 1e-12, 0.25)  # 4 points an octave, 1 to --t-max
    decay = relutope.ray_decay(net, k, t, **request(args, net), out=args.output, partition=partition,
                               progress=False)
    ax = plot.decay(decay)
    save(ax.figure, args.out)
    print(f"fitted exponent {decay.exponent:g} along k = ({','.join(map(str, decay.k))}); wrote {args.out}")


def spectrum_training_figure(args):
    snapshots = relutope.read_snapshots(args.dir)
    k = None if args.freq is None else numbers(args.freq, "--freq")  # default: the run's rahaman-sines preset's
    a = None if args.amplitudes is None else numbers(args.amplitudes, "--amplitudes")
    dynamics = relutope.spectrum_dynamics(snapshots, k, a, args.domain, progress=not args.quiet and sys.stderr.isatty())
    save(plot.spectrum_training(dynamics), args.out)
    print(f"wrote {args.out} ({len(snapshots)} snapshots, {len(dynamics.frequencies)} frequencies)")


# ------------------------------------------------------------------ writing the file

def check_out(path):
    """Before the work: the figure's format is known and its directory exists."""
    suffix = os.path.splitext(path)[1]
    if suffix[1:].lower() not in FORMATS:
        raise ValueError(f"{path}: unknown figure format '{suffix}' (use .pdf, .svg or .png)")
    check_directory(path)


def save(figure, path):
    """Writes the figure whole or not at all."""
    write_atomically(path, lambda temporary: figure.savefig(temporary, format=os.path.splitext(path)[1][1:].lower(),
                                                            dpi=PNG_DPI))


def write_atomically(path, write):
    """Calls write(temporary) for a temporary file beside `path`, then renames it to `path`."""
    temporary = f"{path}.tmp{os.getpid()}"
    try:
        write(temporary)
        os.replace(temporary, path)
    except OSError as e:
        raise ValueError(f"{path}: cannot write it ({e.strerror})") from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def check_directory(path):
    """Before the work: the directory a file goes to exists."""
    parent = os.path.dirname(path)
    if parent and not os.path.isdir(parent):
        raise ValueError(f"{path}: the directory {parent} does not exist")


# ------------------------------------------------------------------ dynamics over a run's snapshots

def dynamics_columns(d):
    """The columns of a TrainingDynamics, in the table's order: name -> (S,) values."""
    columns = {"step": d.steps, "loss": d.loss, "regions": d.regions, "sampled": d.sampled,
               "dead_neurons": d.dead_neurons}
    columns.update({f"spectral_norm_{l}": norm for l, norm in enumerate(np.asarray(d.spectral_norms).T, start=1)})
    columns["norm_product"] = d.norm_product
    columns.update({f"cosine_{l}": c for l, c in enumerate(np.asarray(d.hyperplane_cosine).T, start=1)})
    columns.update(hamming_local=d.hamming_local, hamming_overall=d.hamming_overall, confusion_local=d.confusion_local,
                   confusion_distant=d.confusion_distant, boundary_exact=d.boundary_exact,
                   boundary_estimate=d.boundary_estimate)
    return columns


def plain(value):
    """A table entry as a Python int or float (None for nan in JSON)."""
    return int(value) if np.issubdtype(type(value), np.integer) else float(value)


def dynamics_command(args):
    for path in (args.csv, args.json):
        if path:
            check_directory(path)
    d = relutope.training_dynamics(args.dir, sample=args.sample, loss=args.loss, local=args.local,
                                   distant=args.distant, seed=args.seed,
                                   progress=not args.quiet and sys.stderr.isatty())
    columns = dynamics_columns(d)
    rows = [[plain(values[i]) for values in columns.values()] for i in range(len(d.steps))]
    if args.csv:
        text = ",".join(columns) + "\n" + "".join(",".join(map(repr, row)) + "\n" for row in rows)
        write_atomically(args.csv, lambda temporary: pathlib.Path(temporary).write_text(text))
    if args.json:
        document = {"dir": args.dir, "resolution": d.resolution,
                    "snapshots": [{name: None if isinstance(v, float) and np.isnan(v) else v
                                   for name, v in zip(columns, row)} for row in rows]}
        text = json.dumps(document, indent=1) + "\n"
        write_atomically(args.json, lambda temporary: pathlib.Path(temporary).write_text(text))
    width = [max(len(name), 10) for name in columns]
    print("  ".join(f"{name:>{w}}" for name, w in zip(columns, width)))
    for row in rows:
        print("  ".join(f"{v:>{w}}" if isinstance(v, int) else f"{v:>{w}.4g}" for v, w in zip(row, width)))


# ------------------------------------------------------------------ the command line

def parser():
    top = Parser(prog="relutope", description="relutope: exact polyhedral analysis of ReLU networks")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    figure = commands.add_parser("figure", help="Paper figures as vector PDF or SVG (or PNG)",
                                 description="Paper figures as vector PDF or SVG (or PNG), drawn by relutope.plot")
    figure.set_defaults(check=lambda args: check_out(args.out))
    kinds = figure.add_subparsers(dest="kind", required=True, metavar="KIND")

    regions = kinds.add_parser("regions", help="The exact activation regions in distinct colours (Lazzari & Liu Fig. 2)")
    add_analysis_options(regions)
    regions.add_argument("--first-layer", action="store_true", help="Overlay the first layer's zero lines")
    regions.add_argument("--grid", type=ranged(int, 1, 4096), metavar="R", help="Overlay the R x R sample grid's cell centres")
    add_max_regions(regions)
    regions.set_defaults(run=regions_figure)

    patterns = kinds.add_parser("patterns", help="Activation patterns sampled on a grid, in distinct colours: any "
                                "network, positional encodings included")
    add_analysis_options(patterns)
    patterns.add_argument("--resolution", type=ranged(int, 1, 2048), default=256, metavar="R",
                          help="The R x R grid of cell centres (default 256)")
    patterns.set_defaults(run=patterns_figure)

    fft = kinds.add_parser("fft-error", help="FFT estimate's error against N, rectangle and trapezoid rules (log-log)")
    add_analysis_options(fft)
    fft.add_argument("--freq", help="The frequency k (default 1, or 1,1 in 2D)")
    add_output(fft)
    fft.add_argument("--max-n", type=ranged(int, 8, 1 << 24), metavar="N",
                     help="Largest N (default 65536 in 1D, 1024 in 2D)")
    add_max_regions(fft)
    fft.set_defaults(run=fft_error_figure)

    decay = kinds.add_parser("decay", help="|c(t k)| along a ray with its fitted exponent (Rahaman Theorem 1)")
    add_analysis_options(decay)
    decay.add_argument("--freq", help="The ray's direction k (default 1, or 1,0.37 in 2D)")
    add_output(decay)
    decay.add_argument("--t-max", type=ranged(float, 2.0, 1e6), default=64.0, metavar="T", help="Largest t (default 64)")
    add_max_regions(decay)
    decay.set_defaults(run=decay_figure)

    dynamics = kinds.add_parser("spectrum-training", help="Rahaman et al. Fig. 1 exactly: 2|c(k_i)|/A_i over training, "
                                "with the layers' spectral norms")
    dynamics.add_argument("dir", metavar="DIR", help="Snapshot directory of relutope train --snapshots (1-input networks)")
    add_out_option(dynamics)
    dynamics.add_argument("--freq", help="Frequencies k_i (default: the run's rahaman-sines preset)")
    dynamics.add_argument("--amplitudes", help="Target amplitudes A_i, one per frequency")
    dynamics.add_argument("--domain", default="0,1", help="The interval (default 0,1)")
    dynamics.add_argument("--quiet", action="store_true", help="No progress line on stderr")
    dynamics.set_defaults(run=spectrum_training_figure)
    add_dynamics_command(commands)
    return top


def add_dynamics_command(commands):
    dynamics = commands.add_parser(
        "dynamics", help="Regions, patterns, norms, confusion and boundary distances over a run's snapshots",
        description="What happens to a network over its training, one row per snapshot (relutope.training_dynamics): "
        "exact and sampled region counts, dead neurons, spectral norms and their product, mean hyperplane cosines per "
        "layer, Hamming distances and gradient-confusion bounds on a pixel grid (Lazzari & Liu Figs. 3, 5-7, 10), "
        "and the mean distance of the training points to the region boundaries, exact and Hanin & Rolnick's estimate "
        "(Fig. 9). The training data come from DIR/data.csv; without it (older runs) the columns that need them are "
        "nan.")
    dynamics.add_argument("dir", metavar="DIR", help="Snapshot directory of relutope train --snapshots")
    dynamics.add_argument("--sample", type=ranged(int, 1, 4096), default=64, metavar="R",
                          help="Sampled count on the R^d grid of cell centres (default 64, the paper's)")
    dynamics.add_argument("--local", type=ranged(int, 0, 10**7), default=100, metavar="N",
                          help="Gradient confusion: 3x3 neighbourhoods (default 100)")
    dynamics.add_argument("--distant", type=ranged(int, 0, 10**8), default=1000, metavar="N",
                          help="Gradient confusion: random distant pairs (default 1000)")
    dynamics.add_argument("--seed", type=ranged(int, 0, 2**64 - 1), default=0, help="Seed of the pairs (default 0)")
    dynamics.add_argument("--loss", choices=("mse", "bce"), default="mse", help="The loss of the gradients (default mse)")
    dynamics.add_argument("--csv", metavar="FILE", help="Also write the table as CSV to FILE")
    dynamics.add_argument("--json", metavar="FILE", help="Also write the table as JSON to FILE")
    dynamics.add_argument("--quiet", action="store_true", help="No progress bars on stderr")
    dynamics.set_defaults(run=dynamics_command, check=lambda args: None)


def add_output(command):
    command.add_argument("--output", type=ranged(int, 0, 2**31 - 1), default=0, metavar="O",
                         help="Which network output (default 0)")


def add_max_regions(command):
    command.add_argument("--max-regions", type=ranged(int, 1, 2**63 - 1), default=1_000_000, metavar="N",
                         help="Stop with exit 3 beyond this many regions (default 1000000)")


def main(argv=None):
    """Runs the command; returns its exit status."""
    try:
        status = run(argv)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, if not before
    except OSError:  # writing stdout: run reports the other files
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second failure at exit
        return fail("stdout: write failed", 2)
    return status


def run(argv):
    try:
        args = parser().parse_args(argv)
        args.check(args)
        args.run(args)
    except ValueError as e:
        return fail(e, 2)
    except OSError as e:
        if e.filename is None:
            raise  # stdout, for main to report
        return fail(f"{e.filename}: {e.strerror}", 2)  # a file the library could not open
    except relutope.LimitError as e:
        return fail(e, 3)
    except MemoryError:
        return fail("out of memory: the problem is too large for this machine", 3)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except Exception as e:  # a bug: still one line, as the C++ commands report theirs
        return fail(f"internal error: {e!r}", 1)
    return 0


def fail(message, status):
    print(f"relutope: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
