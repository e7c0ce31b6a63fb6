"""Hook specifications of the ganaug plugin host.

A plugin is any importable object (usually a module) with functions marked by
:data:`ganaug.hookimpl` whose names match the hooks below. Plugins are found
through the ``ganaug`` entry-point group; the built-in backends in
``ganaug_plugins`` are found that way too.

Every hook receives a ``register`` callback rather than returning values, so a
plugin can register any number of things and the host can validate each one
as it arrives. ganaug's own losses and metrics are registered through these
same hooks (``ganaug.registry.builtins``), and its backends through entry points.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from ganaug.backend import Backend
    from ganaug.losses import AdversarialLoss
    from ganaug.metrics import MetricFunction
    from ganaug.registry.commands import CommandLine

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


@hookspec
def register_losses(register: Callable[[str, Callable[..., AdversarialLoss]], None]) -> None:
    """Register adversarial losses that backends can ask for by name.

    Parameters
    ----------
    register : callable
        Call ``register(name, factory)`` once per loss. ``factory(**kwargs)``
        returns an :class:`ganaug.losses.AdversarialLoss` (a class works).

    Returns
    -------
    None

    Notes
    -----
    Called once per process, with the other ``register_*`` hooks. The loss is
    then available to ``ganaug.registry.get_loss(name)``, which is how backends
    pick theirs (e.g. an ``Options.loss`` field). A name already used by a
    built-in or another plugin is reported by ``ganaug plugins`` and skipped.
    """


@hookspec
def register_metrics(register: Callable[[str, MetricFunction], None]) -> None:
    """Register downstream metrics for ``ganaug.evaluate``.

    Parameters
    ----------
    register : callable
        Call ``register(name, function)`` once per metric.
        ``function(predictions)`` receives a :class:`ganaug.metrics.Predictions`
        (true and predicted labels, class scores, classes, minority label) and
        returns a float, a ``{key: float}`` dict (rows ``name[key]``), or None
        when it does not apply.

    Returns
    -------
    None

    Notes
    -----
    Called once per process, with the other ``register_*`` hooks. Registered
    metrics are used by ``evaluate(..., metrics=[name, ...])`` and
    ``ganaug evaluate --metrics``. A name already used by a built-in or another
    plugin is reported by ``ganaug plugins`` and skipped.
    """


@hookspec
def register_commands(cli: CommandLine) -> None:
    """Add subcommands to the ``ganaug`` command line.

    Parameters
    ----------
    cli : ganaug.registry.commands.CommandLine
        Call ``cli.add_command(name, handler, help="...")``; it returns the
        argparse parser of ``ganaug NAME`` for ``add_argument`` calls, and
        ``handler(args)`` runs when the command is used.

    Returns
    -------
    None

    Notes
    -----
    Called each time the ``ganaug`` parser is built. A name taken by a built-in
    or another plugin's command, or an implementation that raises, is reported
    by ``ganaug plugins``; the rest of the command line keeps working.
    """
