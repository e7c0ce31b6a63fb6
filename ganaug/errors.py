"""Every exception and warning ganaug raises on purpose, in one place.

Each error names the problem and the fix. They all derive from
:class:`GanaugError`, and the ones about bad values also from ``ValueError``,
so code written against scikit-learn's conventions keeps catching them.
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError


class GanaugError(Exception):
    """Base class of the errors ganaug raises on purpose (not bugs)."""


class InputError(GanaugError, ValueError):
    """The data given to ganaug cannot be used as it is."""


class OptionsError(GanaugError, ValueError):
    """A parameter or backend option has a wrong name, type or value."""


class RegistryError(GanaugError, ValueError):
    """No backend, loss or metric is registered under the name asked for."""


class ModelFileError(GanaugError, ValueError):
    """A model file that is missing, foreign, damaged, tampered with or from a newer version."""


class CheckpointError(GanaugError, ValueError):
    """A training checkpoint that is damaged or belongs to another run."""


class UsageError(GanaugError, ValueError):
    """A command-line argument or an output path cannot be used; the message says how to fix it."""


class NotFittedError(GanaugError, _SklearnNotFittedError, RuntimeError):
    """A sampler used before ``fit`` (also scikit-learn's ``NotFittedError``, and a ``RuntimeError``)."""


class DivergenceError(GanaugError, FloatingPointError):
    """Training losses stayed non-finite after every roll-back with lower learning rates."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during training; the message says where the checkpoint is and how to resume."""


class GanaugWarning(UserWarning):
    """Base class of ganaug's warnings."""


class ModeCollapseWarning(GanaugWarning):
    """A class's synthetic samples are nearly identical."""


__all__ = [
    "CheckpointError", "DivergenceError", "GanaugError", "GanaugWarning", "InputError", "ModeCollapseWarning",
    "ModelFileError", "NotFittedError", "OptionsError", "RegistryError", "TrainingInterrupted", "UsageError",
]
