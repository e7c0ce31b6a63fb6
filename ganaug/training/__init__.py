"""Training: the adversarial loop and its hooks, the backend families built on it, and what a run needs.

- :mod:`~ganaug.training.loop`: :class:`AdversarialBackend`, the public hooks of a training step.
- :mod:`~ganaug.training.engine`: the epoch engine (snapshots, roll-back, Ctrl-C, DDP, compile).
- :mod:`~ganaug.training.fit_state`: :class:`FitState`, what one run keeps while it trains.
- :mod:`~ganaug.training.options`: ``LoopOptions``, ``MLPOptions``, ``AdversarialOptions``.
- :mod:`~ganaug.training.mlp`, :mod:`~ganaug.training.image`: the MLP and convolutional families.
- :mod:`~ganaug.training.data_efficient`: DiffAugment + EMA, a capability any backend mixes in.
- :mod:`~ganaug.training.batches`, :mod:`~ganaug.training.checkpoints`,
  :mod:`~ganaug.training.distributed`: batches and loss logs, snapshots and checkpoints, DDP.
"""

from ganaug._deprecated import moved
from ganaug.training.batches import ClassBatches, LossLog, non_finite, progress_bar
from ganaug.training.data_efficient import DataEfficientOptions, DataEfficientTraining
from ganaug.training.fit_state import FitState
from ganaug.training.image import ConvOptions, ImageGANBackend, ImageGANOptions
from ganaug.training.loop import AdversarialBackend, adam
from ganaug.training.mlp import MLPGANBackend
from ganaug.training.options import AdversarialOptions, LoopOptions, MLPOptions

__all__ = ["AdversarialBackend", "AdversarialOptions", "ClassBatches", "ConvOptions",
           "DataEfficientOptions", "DataEfficientTraining", "FitState", "ImageGANBackend", "ImageGANOptions",
           "LoopOptions", "LossLog", "MLPGANBackend", "MLPOptions", "adam", "non_finite", "progress_bar"]

# ganaug.training was one module before 0.2; its device helpers moved to ganaug.devices
__getattr__ = moved(__name__, {"resolve_device": "ganaug.devices", "seeded": "ganaug.devices"})
