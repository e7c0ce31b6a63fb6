"""ganaug: fix imbalanced datasets with GANs (the public API; the layers are described in the README).

>>> from ganaug import GANOverSampler
>>> X_res, y_res = GANOverSampler(backend="ctgan", random_state=0).fit_resample(X, y)  # doctest: +SKIP
"""

from typing import Any

from ganaug import _deprecated
from ganaug._version import __version__
from ganaug.backend import Backend, TrainingData
from ganaug.hookspecs import hookimpl
from ganaug.registry import get_backend, get_host, list_backends, load_backend
from ganaug.sampler import GANOverSampler

_deprecated.install()  # the module paths of ganaug 0.1 (ganaug.adversarial, ...) keep working until 0.3

# imported on first use: evaluation pulls in imbalanced-learn's samplers, report matplotlib
_LAZY = {"evaluate": "ganaug.evaluation", "evaluate_datasets": "ganaug.evaluation",
         "report": "ganaug.evaluation.reports"}

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
    "load_backend",
    "report",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ganaug' has no attribute {name!r}")
