# Type stubs of relutope's Python interface (CONTRACT.md "Python"). Shapes in the docstrings of
# relutope/__init__.py; here the names and types that editors complete.
from fractions import Fraction
from os import PathLike
from typing import Any, Callable, Iterator, Literal, Mapping, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

from . import plot as plot
from ._results import (BoundaryDistances as BoundaryDistances, FftConvergence as FftConvergence,
                       GradientConfusion as GradientConfusion, HammingDistances as HammingDistances,
                       Lipschitz as Lipschitz, RayDecay as RayDecay, SamplingReport as SamplingReport,
                       SpectrumDynamics as SpectrumDynamics, TrainingDynamics as TrainingDynamics)

__version__: str

Number = Union[int, float, str, Fraction]
"""An exact number: int, Fraction, a float (its exact binary value), or a str read exactly ("0.1" is 1/10, "1/3")."""
DomainLike = Union[str, Sequence[Number]]
"""A box [a, b, c, d, ...] = [a,b] x [c,d] x ..., or the CLI's text "a,b,c,d"."""
SliceLike = Union[str, tuple[Sequence[Number], Sequence[Number]], tuple[Sequence[Number], Sequence[Number], Sequence[Number]]]
"""(origin, u) a line or (origin, u, v) a plane, or the CLI's --slice text ("o:u:v" or "@FILE")."""
Progress = Union[bool, Callable[[int, int], Any]]
"""True: a tqdm bar when tqdm is installed; False: none; a callable(done, total): yours."""

class LimitError(RuntimeError):
    """A limit was reached: max_regions, time_limit, or a problem too large for memory."""

class Layer:
    weight: npt.NDArray[np.float64]   # (out, in)
    bias: npt.NDArray[np.float64]     # (out,)
    activation: str                   # "relu", "identity" or "leaky_relu:SLOPE"
    spectral_norm: float

class Network:
    input_dim: int
    output_dim: int
    hidden_neurons: int
    parameter_count: int
    encoding: str                     # "identity" or "positional:L=8[:order=...][:include_input]"
    domain: Optional[tuple[Fraction, ...]]
    meta: dict[str, str]
    layers: list[Layer]
    @staticmethod
    def from_torch(module: Any, encoding: Optional[str] = None, domain: Optional[DomainLike] = None, *,
                   layers: Optional[Union[str, Sequence[str]]] = None, activation: Optional[str] = None,
                   activations: Optional[Union[str, Sequence[str]]] = None, batchnorm_eps: Optional[float] = None) -> Network: ...
    @staticmethod
    def from_arrays(weights: Sequence[npt.ArrayLike], biases: Optional[Sequence[Optional[npt.ArrayLike]]] = None,
                    activations: Optional[Sequence[str]] = None, encoding: Optional[str] = None,
                    domain: Optional[DomainLike] = None) -> Network: ...
    def __call__(self, x: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
    def patterns(self, x: npt.ArrayLike) -> npt.NDArray[np.bool_]: ...
    def save(self, path: Union[str, PathLike[str]]) -> None: ...
    def with_domain(self, domain: DomainLike) -> Network: ...

def load(path: Union[str, PathLike[str]], *, layers: Optional[Union[str, Sequence[str]]] = None, activation: Optional[str] = None,
         activations: Optional[Union[str, Sequence[str]]] = None, encoding: Optional[str] = None,
         batchnorm_eps: Optional[float] = None) -> Network: ...

class Region:
    index: int
    dim: int
    pattern: npt.NDArray[np.bool_]            # (hidden,)
    vertices: npt.NDArray[np.float64]         # (n, dim), approximate
    vertex_labels: npt.NDArray[np.int32]      # (n, dim, 2)
    facet_labels: npt.NDArray[np.int32]       # (f, 2)
    facet_sides: npt.NDArray[np.int8]         # (f,)
    facet_vertices: list[npt.NDArray[np.int64]]  # per facet, indices into vertices
    map: npt.NDArray[np.float64]              # (outputs, dim + 1)
    map_radius: float
    def exact_vertices(self) -> list[tuple[Fraction, ...]]: ...
    def exact_map(self) -> tuple[list[list[Fraction]], list[Fraction]]: ...
    def exact_measure(self) -> Fraction: ...

class Partition:
    dim: int
    count: int
    linear_pieces: int
    outputs: int
    hidden_neurons: int
    domain: tuple[Fraction, ...]
    vertices: npt.NDArray[np.float64]         # (V, dim)
    vertex_offsets: npt.NDArray[np.int64]     # (count + 1,)
    vertex_labels: npt.NDArray[np.int32]      # (V, dim, 2)
    facet_labels: npt.NDArray[np.int32]       # (F, 2)
    facet_sides: npt.NDArray[np.int8]         # (F,)
    facet_offsets: npt.NDArray[np.int64]      # (count + 1,)
    facet_vertices: npt.NDArray[np.int64]     # (I,) indices into vertices
    facet_vertex_offsets: npt.NDArray[np.int64]  # (F + 1,)
    patterns: npt.NDArray[np.bool_]           # (count, hidden)
    maps: npt.NDArray[np.float64]             # (count, outputs, dim + 1)
    map_radius: npt.NDArray[np.float64]       # (count,)
    measures: npt.NDArray[np.float64]         # (count,)
    piece: npt.NDArray[np.int64]              # (count,)
    adjacent: npt.NDArray[np.int64]           # (A, 2)
    dead_neurons: npt.NDArray[np.int64]       # (k, 2)
    lipschitz: Lipschitz
    sampled: Optional[SamplingReport]
    predicates: dict[str, int]
    kept: bool
    first_layer: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> Region: ...
    def __iter__(self) -> RegionStream: ...
    def exact_vertices(self, index: int) -> list[tuple[Fraction, ...]]: ...
    def exact_map(self, index: int) -> tuple[list[list[Fraction]], list[Fraction]]: ...
    def exact_measure(self, index: int) -> Fraction: ...
    def locate(self, points: npt.ArrayLike) -> npt.NDArray[np.int64]: ...
    def boundary_distance(self, points: npt.ArrayLike) -> BoundaryDistances: ...
    def validate(self) -> None: ...

def regions(net: Network, domain: Optional[DomainLike] = None, slice: Optional[SliceLike] = None, *,
            plane_through: Optional[Union[str, PathLike[str]]] = None, sample: Optional[int] = None, keep_regions: bool = True, exact: bool = False, max_regions: int = 1_000_000, time_limit: float = 0, threads: int = 0,
            progress: Progress = True) -> Partition: ...

class RegionStream(Iterator[Region]):
    def __next__(self) -> Region: ...

def iter_regions(net: Network, domain: Optional[DomainLike] = None, slice: Optional[SliceLike] = None, *, plane_through: Optional[Union[str, PathLike[str]]] = None, exact: bool = False,
                 max_regions: int = 1_000_000, time_limit: float = 0, threads: int = 0,
                 progress: Progress = True) -> RegionStream: ...

def sampled_patterns(net: Network, domain: Optional[DomainLike] = None, slice: Optional[SliceLike] = None, *, plane_through: Optional[Union[str, PathLike[str]]] = None,
                     resolution: int, progress: Progress = True) -> npt.NDArray[np.bool_]: ...

class Spectrum:
    frequencies: npt.NDArray[np.float64]      # (n, dim)
    values: npt.NDArray[np.complex128]        # (n, outputs)
    certified_digits: npt.NDArray[np.int64]   # (n, outputs)
    re: npt.NDArray[np.object_]               # (n, outputs) decimal strings
    im: npt.NDArray[np.object_]
    routes: npt.NDArray[np.object_]           # (n, outputs) "edges" | "regions" | "lemma1" | "exact"
    precision_bits: int
    fft: Optional[npt.NDArray[np.complex128]]  # (n, outputs), nan off the FFT grid
    fft_error: Optional[npt.NDArray[np.float64]]
    fft_n: Optional[int]
    def exact_frequencies(self) -> list[tuple[Fraction, ...]]: ...

def spectrum(net: Network, freqs: Union[int, npt.ArrayLike, Sequence[Sequence[Number]]], domain: Optional[DomainLike] = None,
             slice: Optional[SliceLike] = None, *, plane_through: Optional[Union[str, PathLike[str]]] = None, precision: int = 128,
             route: Literal["edges", "regions", "lemma1"] = "edges", fft: Optional[int] = None,
             fft_rule: Literal["rectangle", "trapezoid"] = "rectangle", partition: Optional[Partition] = None,
             max_regions: int = 1_000_000, time_limit: float = 0, threads: int = 0,
             progress: Progress = True) -> Spectrum: ...

def frequency_grid(dim: int, K: int) -> npt.NDArray[np.int64]: ...

def fft_convergence(net: Network, k: Sequence[Number], domain: Optional[DomainLike] = None,
                    slice: Optional[SliceLike] = None, *, plane_through: Optional[Union[str, PathLike[str]]] = None, out: int = 0, max_n: Optional[int] = None,
                    partition: Optional[Partition] = None, max_regions: int = 1_000_000,
                    progress: Progress = True) -> FftConvergence: ...

def ray_decay(net: Network, k: Sequence[Number], t: Optional[npt.ArrayLike] = None, domain: Optional[DomainLike] = None,
              slice: Optional[SliceLike] = None, *, plane_through: Optional[Union[str, PathLike[str]]] = None, out: int = 0, partition: Optional[Partition] = None,
              max_regions: int = 1_000_000, progress: Progress = True) -> RayDecay: ...

def lemma1_terms(partition: Partition, k: Sequence[Number], out: int = 0,
                 precision: int = 128) -> npt.NDArray[np.complex128]: ...

class Snapshot:
    step: int
    loss: float
    network: Network
    def __init__(self, step: int, network: Network, loss: float = ...) -> None: ...

class TrainResult:
    network: Network
    snapshots: list[Snapshot]
    batch_loss: npt.NDArray[np.float64]
    final_loss: float
    inputs: npt.NDArray[np.float64]           # (samples, input_dim)
    targets: npt.NDArray[np.float64]          # (samples, outputs)
    task: str

def presets() -> list[str]: ...

def train(preset: Optional[str] = None, config: Optional[Union[str, PathLike[str], Mapping[str, Any]]] = None, *,
          steps: Optional[int] = None, seed: Optional[int] = None, image: Optional[str] = None,
          snapshot_every: int = 0, snapshots: Optional[Union[str, PathLike[str]]] = None, threads: int = 0,
          progress: Progress = True) -> TrainResult: ...

def read_snapshots(directory: Union[str, PathLike[str]]) -> list[Snapshot]: ...

def spectrum_dynamics(snapshots: Union[str, PathLike[str], TrainResult, Sequence[Union[Snapshot, tuple[int, Network]]]],
                      frequencies: Optional[Sequence[float]] = None,
                      amplitudes: Optional[Sequence[float]] = None, domain: Optional[DomainLike] = None, *,
                      progress: Progress = True) -> SpectrumDynamics: ...

def hamming_distances(patterns: npt.ArrayLike, width: int, height: int) -> HammingDistances: ...
def hyperplane_cosines(net: Network) -> list[npt.NDArray[np.float64]]: ...
def gradient_confusion(net: Network, inputs: npt.ArrayLike, targets: npt.ArrayLike, width: int, height: int, *,
                       loss: Literal["mse", "bce"] = "mse", local: int = 100, distant: int = 10_000, seed: int = 0,
                       progress: Progress = True) -> GradientConfusion: ...

def training_dynamics(snapshots: Union[str, PathLike[str], TrainResult, Sequence[Union[Snapshot, tuple[int, Network]]]],
                      inputs: Optional[npt.ArrayLike] = None, targets: Optional[npt.ArrayLike] = None, *, sample: int = 64,
                      loss: Literal["mse", "bce"] = "mse", local: int = 100, distant: int = 1000, seed: int = 0,
                      progress: Progress = True) -> TrainingDynamics: ...

from ._results import PerturbationRobustness as PerturbationRobustness

def perturbation_robustness(net: Network, deltas: npt.ArrayLike, frequencies: npt.ArrayLike, *, samples: int = 100,
                            seed: int = 0, directions: Optional[npt.ArrayLike] = None,
                            domain: Optional[DomainLike] = None, progress: Progress = True) -> PerturbationRobustness: ...
def neuron_distances(net: Network, points: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
def read_training_data(directory: Union[str, PathLike[str]]) -> Optional[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]: ...
# --- the spectrum along the flower curve (Rahaman et al. Exp. 5) ---
from ._results import FlowerSpectrum as FlowerSpectrum

def flower_spectrum(net: Network, petals: int, frequencies: Sequence[int], *, precision: int = 128,
                    progress: Progress = True) -> FlowerSpectrum: ...
def flower_spectrum_dynamics(snapshots: Union[str, PathLike[str], TrainResult, Sequence[Union[Snapshot, tuple[int, Network]]]],
                             petals: int, frequencies: Optional[Sequence[int]] = None,
                             amplitudes: Optional[Sequence[float]] = None, *, precision: int = 64,
                             progress: Progress = True) -> SpectrumDynamics: ...
