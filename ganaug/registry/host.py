"""The plugin host: loads each entry point of the ``ganaug`` group on its own and builds the registries.

Built-in backends come through entry points like any plugin; built-in losses
and metrics through the same ``register_*`` hooks (:mod:`ganaug.registry.builtins`),
registered first, so a third-party name clash is refused and reported, never
taking a built-in's place.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from importlib import metadata
from typing import Any

import pluggy

import ganaug.registry.builtins as builtins
import ganaug.registry.hookspecs as hookspecs
from ganaug._version import __version__
from ganaug.backend import Backend, check_backend_class
from ganaug.registry.commands import CommandLine

ENTRY_POINT_GROUP = "ganaug"
RAISE_ENV_VAR = "GANAUG_RAISE_PLUGIN_ERRORS"
BUILTINS = "ganaug-builtins"  # the plugin name of ganaug's own losses and metrics


KINDS = ("backends", "losses", "metrics")  # what the register_* hooks fill


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as ``ganaug plugins`` shows it."""

    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...] = ()
    backends: tuple[str, ...] = ()
    error: str | None = None
    losses: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()


class PluginHost:
    """Owns the pluggy manager and the registries (backends, losses, metrics) built from it."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager("ganaug")
        self.manager.add_hookspecs(hookspecs)
        self.manager.register(builtins, name=BUILTINS)
        self._sources: dict[str, tuple[str, str, str]] = {  # plugin -> (entry point, distribution, version)
            BUILTINS: (builtins.__name__, "ganaug", __version__)}
        self._load_failures: list[PluginInfo] = []  # entry points that did not import
        self._registry_failures: list[PluginInfo] = []  # rebuilt with the registries
        self._command_failures: list[PluginInfo] = []
        self._registries: dict[str, dict[str, Any]] | None = None
        self._origins: dict[str, dict[str, str]] = {}  # kind -> {name: plugin}
        self._commands: dict[str, str] = {}  # command -> plugin

    # ---- discovery -------------------------------------------------------
    def load_entry_points(self) -> None:
        """Load each ``ganaug`` entry point on its own; record the ones that fail.

        ganaug's own entry points (the built-in backends) load first, whatever
        the order of ``sys.path``: a distribution that declares an entry point
        of the same name is reported as failed, never loaded in its place.
        Whatever a plugin raises while it is imported, ``SystemExit`` and
        ``KeyboardInterrupt`` included, is recorded against it; a Ctrl-C
        pressed meanwhile still stops the program.
        """
        points = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: not _is_ours(ep))
        with _plugin_code():
            self._load(points)
        self._registries = None

    def _load(self, points: list[metadata.EntryPoint]) -> None:
        for ep in points:
            dist = ep.dist.name if ep.dist else "?"
            version = ep.dist.version if ep.dist else "?"
            if self.manager.has_plugin(ep.name):
                owner = self._sources.get(ep.name, ("", "?", ""))[1]
                if owner != dist:  # two distributions, one name: the first keeps it, the newcomer is reported
                    err = ValueError(f"the entry point name {ep.name!r} is taken by {owner}; rename it in "
                                     f"{dist}'s entry points")
                    self._load_failures.append(_failure(ep.name, dist, version, err))
                continue
            try:
                with _plugin_code():
                    plugin = ep.load()
                self.manager.register(plugin, name=ep.name)
            except BaseException as err:  # noqa: BLE001 - a broken plugin must not break the others
                self._load_failures.append(_failure(ep.name, dist, version, err))
                continue
            self._sources[ep.name] = (ep.value, dist, version)

    def register(self, plugin: Any, name: str | None = None) -> None:
        """Register a plugin object directly (tests, notebooks)."""
        self.manager.register(plugin, name=name)
        self._registries = None

    def unregister(self, name: str) -> None:
        """Remove a plugin registered under ``name``."""
        self.manager.unregister(name=name)
        self._registries = None

    def _registry_failure(self, plugin: str, err: BaseException, kind: str = "", item: str = "") -> None:
        info = _failure(plugin, *self._dist(plugin), err)
        if item:
            info = replace(info, **{kind: (item,)})
        self._registry_failures.append(info)

    # ---- registries ------------------------------------------------------
    def backends(self) -> dict[str, type[Backend]]:
        """``{name: backend class}`` of every valid registered backend."""
        return self._registry("backends")

    def losses(self) -> dict[str, Callable[..., Any]]:
        """``{name: loss factory}`` of every registered loss, built-in ones included."""
        return self._registry("losses")

    def metrics(self) -> dict[str, Callable[..., Any]]:
        """``{name: metric function}`` of every registered metric, built-in ones included."""
        return self._registry("metrics")

    def _registry(self, kind: str) -> dict[str, Any]:
        if self._registries is None:
            self._build_registries()
        assert self._registries is not None
        return self._registries[kind]

    def _build_registries(self) -> None:
        self._registries = {kind: {} for kind in KINDS}
        self._origins = {kind: {} for kind in KINDS}
        self._registry_failures = []
        with _plugin_code():
            self._call_registering_hooks()

    def _call_registering_hooks(self) -> None:
        for kind in KINDS:
            # call each implementation on its own, so one that raises is isolated and attributed; ganaug's
            # own first, so a plugin reusing one of their names is refused, never taking the built-in's place
            impls = getattr(self.manager.hook, f"register_{kind}").get_hookimpls()
            for impl in sorted(impls, key=lambda impl: self._dist(impl.plugin_name)[0] != "ganaug"):
                try:
                    with _plugin_code():
                        impl.function(register=self._registrar(kind, impl.plugin_name))
                except BaseException as err:  # noqa: BLE001 - SystemExit from a plugin ends no command
                    self._registry_failure(impl.plugin_name, err)

    def _registrar(self, kind: str, plugin_name: str) -> Callable[..., None]:
        def register(*args: Any) -> None:
            name = _registered_name(kind, args)
            try:
                value = _CHECKS[kind](*args)
                taken = self._origins[kind].get(name)
                if taken:
                    owner, newcomer = self._dist(taken), self._dist(plugin_name)
                    raise ValueError(f"{kind[:-1]} name {name!r} is taken by {taken} ({' '.join(owner)}); "
                                     f"{plugin_name} ({' '.join(newcomer)}) may not replace it. Rename it.")
            except (TypeError, ValueError) as err:
                self._registry_failure(plugin_name, err, kind, name)
                return
            self._registries[kind][name] = value
            self._origins[kind][name] = plugin_name

        return register

    def add_commands(self, subparsers: Any, builtin: Iterable[str]) -> None:
        """Let ``register_commands`` implementations add subcommands to the CLI parser."""
        self._commands, self._command_failures = {}, []
        taken = set(builtin)
        with _plugin_code():
            self._add_commands(subparsers, taken)

    def _add_commands(self, subparsers: Any, taken: set[str]) -> None:
        for impl in self.manager.hook.register_commands.get_hookimpls():
            cli = CommandLine(subparsers, impl.plugin_name, taken, self._commands)
            try:
                with _plugin_code():
                    impl.function(cli=cli)
            except BaseException as err:  # noqa: BLE001
                self._command_failures.append(_failure(impl.plugin_name, *self._dist(impl.plugin_name), err))

    def _dist(self, plugin_name: str) -> tuple[str, str]:
        _, dist, version = self._sources.get(plugin_name, ("", "(registered at run time)", ""))
        return dist, version

    # ---- reporting -------------------------------------------------------
    def plugins(self) -> list[PluginInfo]:
        """Every plugin: loaded ones with their hooks and what they registered, then failures."""
        self.backends()
        infos = []
        for name, plugin in self.manager.list_name_plugin():
            if plugin is hookspecs:
                continue
            hooks = tuple(h.name for h in self.manager.get_hookcallers(plugin) or ())
            owned = {kind: tuple(k for k, origin in self._origins[kind].items() if origin == name)
                     for kind in KINDS}
            commands = tuple(c for c, origin in self._commands.items() if origin == name)
            infos.append(PluginInfo(name, *self._dist(name), hooks=hooks, commands=commands, **owned))
        return infos + self.failures()

    def failures(self) -> list[PluginInfo]:
        """Plugins (or the things they registered) that failed to load or register."""
        self.backends()
        return self._load_failures + self._registry_failures + self._command_failures

    def origin(self, backend_name: str) -> PluginInfo:
        """The plugin that registered ``backend_name``."""
        plugin = self._origins["backends"][backend_name]
        return PluginInfo(plugin, *self._dist(plugin))


def _is_ours(ep: metadata.EntryPoint) -> bool:
    """Whether an entry point is one of ganaug's built-in backends (its distribution and its module)."""
    dist = (ep.dist.name if ep.dist else "").lower().replace("_", "-")
    return dist == "ganaug" and ep.value.startswith("ganaug_plugins.")


class _RealInterrupt(KeyboardInterrupt):
    """A Ctrl-C (SIGINT) that arrived while plugin code ran: it stops the program, it is no plugin failure."""


def _interrupt(signum: int, frame: Any) -> None:
    raise _RealInterrupt()


@contextlib.contextmanager
def _plugin_code() -> Iterator[None]:
    """Run plugin code so that a ``KeyboardInterrupt`` it raises itself is told from the user's Ctrl-C.

    Used around the whole loop over plugins, not each plugin alone: a SIGINT
    that another thread receives reaches Python's handler a moment later, maybe
    while the loop records the previous plugin, and must still count as Ctrl-C.
    Nested uses keep the outer one's handler.
    """
    handler = signal.getsignal(signal.SIGINT)
    if handler is _interrupt or threading.current_thread() is not threading.main_thread() \
            or handler is not signal.default_int_handler:
        yield  # already ours, or a handler of the program's own: leave it in charge
        return
    signal.signal(signal.SIGINT, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


NAME_PATTERN = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def check_name(kind: str, name: Any) -> str:
    """``name`` when it is a plain lower-case ASCII name (``wgan-gp``, ``g_mean``); else a ``ValueError``.

    Spaces, capitals and lookalike letters (a Cyrillic 'а' for 'a') are
    refused, so that no plugin name can pass for another on screen.
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(f"{kind} name {name!r} is not a plain name: use lower-case ASCII letters and "
                         "digits, joined by single '-', '_' or '.' (e.g. 'my-gan').")
    return name


def _registered_name(kind: str, args: tuple) -> str:
    if kind == "backends":
        return str(getattr(args[0], "name", repr(args[0]))) if args else "?"
    return str(args[0]) if args else "?"


def _check_backend(backend_cls: Any) -> Any:
    check_backend_class(backend_cls)
    check_name("backend", backend_cls.name)
    return backend_cls


def _check_named_callable(name: Any, function: Any) -> Any:
    if not isinstance(name, str) or not name:
        raise TypeError(f"register(name, function) needs a non-empty string name, got {name!r}")
    check_name("registered", name)
    if not callable(function):
        raise TypeError(f"{name!r}: {function!r} is not callable")
    return function


_CHECKS = {"backends": _check_backend, "losses": _check_named_callable, "metrics": _check_named_callable}


def _failure(plugin: str, dist: str, version: str, err: BaseException) -> PluginInfo:
    """Record a plugin failure, or re-raise it when debugging is asked for (and always for a real Ctrl-C)."""
    if os.environ.get(RAISE_ENV_VAR) or isinstance(err, _RealInterrupt):
        raise err
    return PluginInfo(plugin, dist, version, error=f"{type(err).__name__}: {err}")
