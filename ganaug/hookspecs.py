"""Hook specifications of the ganaug plugin host.

A plugin is any importable object (usually a module) with functions marked by
:data:`ganaug.hookimpl` whose names match the hooks below. Plugins are found
through the ``ganaug`` entry-point group; the built-in backends in
``ganaug_plugins`` are found that way too.

Every hook receives a ``register`` callback rather than returning values, so a
plugin can register any number of things and the host can validate each one
as it arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ganaug.backend import Backend

hookspec = pluggy.HookspecMarker("ganaug")
hookimpl = pluggy.HookimplMarker("ganaug")


@hookspec
def register_backends(register: Callable[[type[Backend]], None]) -> None:
    """Register GAN backends.

    Parameters
    ----------
    register : callable
        Call ``register(BackendClass)`` once per backend class. The class must
        subclass :class:`ganaug.Backend` and define ``name``, ``data_kinds``,
        ``conditional`` and an ``Options`` dataclass.

    Returns
    -------
    None

    Notes
    -----
    Called once per process, the first time the registry is needed. Every
    implementation is called; a backend whose name is already taken, or that
    breaks the backend contract, is reported by ``ganaug plugins`` and skipped
    while the others stay available.
    """
