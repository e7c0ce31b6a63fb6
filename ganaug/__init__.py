"""ganaug: fix imbalanced datasets with GANs.

>>> from ganaug import GANOverSampler
>>> X_res, y_res = GANOverSampler(backend="ctgan", random_state=0).fit_resample(X, y)  # doctest: +SKIP
"""

from typing import Any

from ganaug._version import __version__
from ganaug.backend import Backend, TrainingData
from ganaug.hookspecs import hookimpl
from ganaug.plugins import get_backend, get_host, list_backends
from ganaug.sampler import GANOverSampler

# imported on first use: evaluation pulls in imbalanced-learn's samplers, report matplotlib
_LAZY = {"evaluate": "ganaug.evaluation", "evaluate_datasets": "ganaug.evaluation",
         "report": "ganaug.reporting"}

__all__ = [
    "Backend",
    "GANOverSampler",
    "TrainingData",
    "__version__",
    "evaluate",
    "evaluate_datasets",
    "get_backend",
    "get_host",
    "hookimpl",
    "list_backends",
    "report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganaug' has no attribute {name!r}")
