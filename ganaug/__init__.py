"""ganaug: fix imbalanced datasets with GANs (the public API; the layers are described in the docs).

>>> from ganaug import GANOverSampler
>>> X_res, y_res = GANOverSampler(backend="ctgan", random_state=0).fit_resample(X, y)  # doctest: +SKIP

Every public name is imported on first use, so ``import ganaug`` (and
``ganaug --help``) does not load torch until a sampler or backend is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ganaug import _deprecated
from ganaug._version import __version__

if TYPE_CHECKING:  # what the lazy names are, for type checkers and IDEs
    from ganaug.backend import Backend, TrainingData
    from ganaug.evaluation import evaluate, evaluate_datasets
    from ganaug.evaluation.reports import report
    from ganaug.limits import get_limits, limits_context, set_limits
    from ganaug.registry import get_backend, get_host, list_backends, load_backend
    from ganaug.registry.hookspecs import hookimpl
    from ganaug.sampler import GANOverSampler, fit_many

_deprecated.install()  # the module paths of ganaug 0.1 (ganaug.adversarial, ...) keep working until 0.3

_LAZY = {
    "Backend": "ganaug.backend", "TrainingData": "ganaug.backend", "hookimpl": "ganaug.registry.hookspecs",
    "get_backend": "ganaug.registry", "get_host": "ganaug.registry", "list_backends": "ganaug.registry",
    "load_backend": "ganaug.registry", "GANOverSampler": "ganaug.sampler",
    "fit_many": "ganaug.sampler",
    "evaluate": "ganaug.evaluation", "evaluate_datasets": "ganaug.evaluation",
    "report": "ganaug.evaluation.reports",
    "get_limits": "ganaug.limits", "set_limits": "ganaug.limits", "limits_context": "ganaug.limits",
}

__all__ = [
    "Backend",
    "GANOverSampler",
    "TrainingData",
    "__version__",
    "evaluate",
    "evaluate_datasets",
    "fit_many",
    "get_backend",
    "get_host",
    "get_limits",
    "hookimpl",
    "limits_context",
    "list_backends",
    "load_backend",
    "report",
    "set_limits",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # imported once
        return value
    raise AttributeError(f"module 'ganaug' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
