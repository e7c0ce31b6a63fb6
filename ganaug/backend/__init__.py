"""The backend contract: what a GAN plugin implements, and what the host hands it.

- :mod:`~ganaug.backend.data`: :class:`TrainingData` (the encoded rows), :class:`DataShape`
  (what ``build`` sees), :class:`TrainingControl` (checkpoints, resume).
- :mod:`~ganaug.backend.base`: :class:`Backend`, its fit template and hooks, its own file.
- :mod:`~ganaug.backend.checks`: a saved backend's tensors and options checked against its class.
"""

from ganaug.backend.base import (
    BACKEND_FORMAT,
    BACKEND_FORMAT_VERSION,
    DATA_KINDS,
    Backend,
    check_backend_class,
)
from ganaug.backend.checks import FORMAT_1_IGNORED_OPTIONS, restore_options
from ganaug.backend.data import DataShape, TrainingControl, TrainingData

__all__ = ["BACKEND_FORMAT", "BACKEND_FORMAT_VERSION", "DATA_KINDS", "FORMAT_1_IGNORED_OPTIONS", "Backend",
           "DataShape", "TrainingControl", "TrainingData", "check_backend_class", "restore_options"]
