# Type stubs of relutope.plot; shapes, units and marks in the docstrings of plot.py.
from typing import Optional, Sequence, Union

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from . import DomainLike, FftConvergence, Partition, RayDecay, Spectrum, SpectrumDynamics

Color = Union[str, Sequence[float]]

def region_colors(index: npt.ArrayLike) -> npt.NDArray[np.float64]: ...
def regions(partition: Partition, ax: Optional[Axes] = None, *, first_layer: bool = False, grid: Optional[int] = None,
            colors: Optional[npt.ArrayLike] = None, edgecolor: Color = (1, 1, 1, 0.9), linewidth: float = 0.25,
            labels: tuple[str, str] = ("x1", "x2")) -> Axes: ...
def patterns(patterns: npt.ArrayLike, resolution: int, domain: DomainLike, ax: Optional[Axes] = None,
             labels: tuple[str, str] = ("x1", "x2")) -> Axes: ...
def spectrum(spectrum: Spectrum, ax: Optional[Axes] = None, out: int = 0, *, min_digits: int = 3) -> Axes: ...
def fft_error(convergence: FftConvergence, ax: Optional[Axes] = None) -> Axes: ...
def decay(ray_decay: RayDecay, ax: Optional[Axes] = None) -> Axes: ...
def spectrum_training(dynamics: SpectrumDynamics, fig: Optional[Figure] = None) -> Figure: ...

# Training dynamics (Lazzari & Liu Figs. 5-7, 10).
from typing import Any

from . import GradientConfusion, TrainingDynamics

def dynamics(dynamics: TrainingDynamics, field: str, ax: Optional[Axes] = None, *, label: Optional[str] = None,
             steps_per_epoch: Optional[float] = None, **style: Any) -> Axes: ...
def confusion_density(confusion: GradientConfusion, ax: Optional[Axes] = None, *, pairs: str = "local",
                      label: Optional[str] = None, bins: int = 50, **style: Any) -> Axes: ...
def spread(steps: npt.ArrayLike, samples: Sequence[npt.ArrayLike], ax: Optional[Axes] = None, *,
           label: Optional[str] = None, quantiles: tuple[float, float] = (0.1, 0.9),
           steps_per_epoch: Optional[float] = None, **style: Any) -> Axes: ...
