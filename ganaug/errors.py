"""Every exception and warning ganaug raises on purpose, in one place.

Each error names the problem and the fix. They all derive from
:class:`GanaugError`, and the ones about bad values also from ``ValueError``,
so code written against scikit-learn's conventions keeps catching them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any


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


class ResourceLimitError(GanaugError, ValueError):
    """A size or count over one of :mod:`ganaug.limits`' limits, refused before anything was allocated."""


class DivergenceError(GanaugError, FloatingPointError):
    """Training losses stayed non-finite after every roll-back with lower learning rates."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during training; the message says where the checkpoint is and how to resume."""


class GanaugWarning(UserWarning):
    """Base class of ganaug's warnings."""


class ModeCollapseWarning(GanaugWarning):
    """A class's synthetic samples are nearly identical."""


class PerformanceWarning(GanaugWarning):
    """A setting that works but runs much slower here than the default would."""


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM (what ``timeout``, Docker and Kubernetes send) acts like Ctrl-C.

    So a stopped run saves its checkpoint and removes its temporary files, as
    after Ctrl-C. Only the default handler is replaced, only in the main thread,
    and it is put back after the block.
    """
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _not_fitted_error() -> type:
    from sklearn.exceptions import NotFittedError as SklearnNotFittedError

    class NotFittedError(GanaugError, SklearnNotFittedError, RuntimeError):
        """A sampler used before ``fit`` (also scikit-learn's ``NotFittedError``, and a ``RuntimeError``)."""

    NotFittedError.__module__, NotFittedError.__qualname__ = __name__, "NotFittedError"
    return NotFittedError


def __getattr__(name: str) -> Any:
    # NotFittedError derives from scikit-learn's, made on first use: importing scikit-learn takes a
    # second, and `ganaug --help` imports this module
    if name == "NotFittedError":
        globals()[name] = _not_fitted_error()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# frames a warning should not point at: ganaug's own, and the libraries that call into it (joblib
# runs evaluate's folds under a tqdm bar; scikit-learn and imbalanced-learn call fit_resample in
# pipelines and searches)
_PACKAGE_ROOT = os.path.dirname(os.path.abspath(__file__))
_PASSED_THROUGH = (_PACKAGE_ROOT + os.sep, os.sep + "ganaug_plugins" + os.sep, os.sep + "joblib" + os.sep,
                   os.sep + "sklearn" + os.sep, os.sep + "imblearn" + os.sep, os.sep + "tqdm" + os.sep,
                   os.sep + "contextlib.py")


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` pointing at the caller's line: the first frame outside ganaug and the
    libraries that call it, so the warning shows where the user's code asked for the work."""
    level, frame = 2, sys._getframe(1)  # stacklevel 2 is the caller of this function
    while frame is not None and (any(part in os.path.abspath(frame.f_code.co_filename)
                                     for part in _PASSED_THROUGH)
                                 or frame.f_code.co_filename.startswith(os.path.dirname(_PACKAGE_ROOT)
                                                                        + os.sep + "plugins" + os.sep)):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def shown(value: Any) -> str:
    """A label or value as an error message shows it: ``0`` and ``'a'``, not ``np.int64(0)``."""
    return repr(value.item() if hasattr(value, "item") and getattr(value, "ndim", None) == 0 else value)


__all__ = [  # noqa: F822 - NotFittedError is made on first use, by __getattr__
    "CheckpointError", "DivergenceError", "GanaugError", "GanaugWarning", "InputError", "ModeCollapseWarning",
    "ModelFileError", "NotFittedError", "OptionsError", "PerformanceWarning", "RegistryError",
    "TrainingInterrupted", "UsageError", "shown", "sigterm_as_interrupt", "warn",
]
