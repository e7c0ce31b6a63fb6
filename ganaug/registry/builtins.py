"""ganaug's own losses and metrics, registered through the same hooks a third-party plugin uses.

The host registers this module as a plugin before it loads any entry point,
so the built-in names are taken first and a plugin that reuses one is
refused and reported (as sqlfluff registers its core rules).
"""

from __future__ import annotations

from collections.abc import Callable

from ganaug.losses import LOSSES
from ganaug.metrics import BUILTIN_METRICS
from ganaug.registry.hookspecs import hookimpl


@hookimpl
def register_losses(register: Callable) -> None:
    for name, factory in LOSSES.items():
        register(name, factory)


@hookimpl
def register_metrics(register: Callable) -> None:
    for name, function in BUILTIN_METRICS.items():
        register(name, function)
