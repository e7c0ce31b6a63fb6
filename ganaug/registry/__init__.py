"""The registry: what is registered under which name (backends, losses, metrics), found through plugins.

- :func:`get_host`: the process-wide :class:`~ganaug.registry.host.PluginHost`, which loads every
  entry point of the ``ganaug`` group (built-in backends included) and ganaug's own losses and
  metrics through the same hooks (:mod:`ganaug.registry.hookspecs`).
- :func:`get_backend`, :func:`list_backends`, :func:`get_loss`, :func:`get_metrics`: lookups by
  name, with the known names and the closest match in the error.
- :func:`load_backend`: a backend file (``Backend.save``) loaded with the backend its name says.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch

from ganaug.backend import BACKEND_FORMAT, BACKEND_FORMAT_VERSION, Backend
from ganaug.devices import resolve_device
from ganaug.errors import ModelFileError, RegistryError
from ganaug.fileformat import read_safetensors
from ganaug.losses import AdversarialLoss
from ganaug.metrics import BUILTIN_METRICS, MetricFunction
from ganaug.registry.host import ENTRY_POINT_GROUP, RAISE_ENV_VAR, PluginHost, PluginInfo

_HOST: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host, loading entry points on first use."""
    global _HOST
    if _HOST is None:
        _HOST = PluginHost()
        _HOST.load_entry_points()
    return _HOST


def list_backends() -> list[str]:
    """Names of all registered backends, sorted."""
    return sorted(get_host().backends())


def get_backend(name: str) -> type[Backend]:
    """Return the backend class registered as ``name``.

    Raises
    ------
    RegistryError
        If no backend has that name (a ``ValueError``); the message lists the
        known ones, suggests the closest and names plugins that failed to load.
    """
    backends = get_host().backends()
    if isinstance(name, str) and name in backends:
        return backends[name]
    failed = [f.name for f in get_host().failures()]
    broken = f" Plugins that failed to load: {', '.join(failed)} (see `ganaug plugins`)." if failed else ""
    raise RegistryError(f"unknown backend {name!r}.{_closest(name, backends)} Known backends: "
                        f"{', '.join(sorted(backends))}.{broken}")


def get_loss(name: str, **kwargs: Any) -> AdversarialLoss:
    """Instantiate a registered loss by name (built-in or from a plugin) with ``kwargs``."""
    losses = get_host().losses()
    if name not in losses:
        raise RegistryError(f"unknown loss {name!r}.{_closest(name, losses)} Known losses: "
                            f"{', '.join(sorted(losses))}.")
    return losses[name](**kwargs)


def available_metrics() -> dict[str, MetricFunction]:
    """Every registered metric: the built-ins, then those of plugins."""
    return dict(get_host().metrics())


def get_metrics(names: str | Iterable[str | Callable] | None = None) -> dict[str, MetricFunction]:
    """``{name: function}`` for metric names (default: all built-ins), or callables by their name."""
    if names is None:
        return dict(BUILTIN_METRICS)
    if isinstance(names, str):
        names = [names]
    known = available_metrics()
    chosen = {}
    for item in names:
        if callable(item):
            chosen[getattr(item, "__name__", repr(item))] = item
        elif item in known:
            chosen[item] = known[item]
        else:
            raise RegistryError(f"unknown metric {item!r}.{_closest(item, known)} Known metrics: "
                                f"{', '.join(known)} (or pass a function of ganaug.metrics.Predictions).")
    return chosen


def load_backend(path: str | Path, device: str | torch.device = "auto") -> Backend:
    """Load a backend file written by ``Backend.save``, with the registered backend its name says."""
    config, tensors = read_safetensors(path, BACKEND_FORMAT, BACKEND_FORMAT_VERSION, "backend")
    name = config.get("backend")
    try:
        cls = get_backend(name)
    except RegistryError as err:
        raise ModelFileError(f"the model needs backend {name!r}, not installed here: {err}") from None
    return cls.from_state(config, tensors, resolve_device(device), config.get("format_version", 1))


def _closest(name: Any, known: Iterable[str]) -> str:
    """" Did you mean 'x'?" for the known name closest to ``name`` (case and spaces aside), or ""."""
    if not isinstance(name, str):
        return ""
    known = list(known)
    plain = name.strip().lower()
    close = [k for k in known if k == plain] or difflib.get_close_matches(plain, known, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


__all__ = ["ENTRY_POINT_GROUP", "RAISE_ENV_VAR", "PluginHost", "PluginInfo", "available_metrics",
           "get_backend", "get_host", "get_loss", "get_metrics", "list_backends", "load_backend"]
