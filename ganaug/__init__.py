"""ganaug: fix imbalanced datasets with GANs.

>>> from ganaug import GANOverSampler
>>> X_res, y_res = GANOverSampler(backend="ctgan", random_state=0).fit_resample(X, y)  # doctest: +SKIP
"""

from ganaug._version import __version__
from ganaug.backend import Backend, TrainingData
from ganaug.hookspecs import hookimpl
from ganaug.plugins import get_backend, get_host, list_backends
from ganaug.sampler import GANOverSampler

__all__ = [
    "Backend",
    "GANOverSampler",
    "TrainingData",
    "__version__",
    "get_backend",
    "get_host",
    "hookimpl",
    "list_backends",
]
