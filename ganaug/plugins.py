"""The plugin host: discovers plugins through entry points and builds the backend registry."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import pluggy

from ganaug import hookspecs
from ganaug.backend import Backend, check_backend_class

ENTRY_POINT_GROUP = "ganaug"
RAISE_ENV_VAR = "GANAUG_RAISE_PLUGIN_ERRORS"


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as ``ganaug plugins`` shows it."""

    name: str
    distribution: str
    version: str
    hooks: tuple[str, ...] = ()
    backends: tuple[str, ...] = ()
    error: str | None = None


class PluginHost:
    """Owns the pluggy manager and the registry of backends built from it."""

    def __init__(self) -> None:
        self.manager = pluggy.PluginManager("ganaug")
        self.manager.add_hookspecs(hookspecs)
        self._sources: dict[str, tuple[str, str, str]] = {}  # plugin -> (ep, dist, version)
        self._load_failures: list[PluginInfo] = []  # entry points that did not import
        self._registry_failures: list[PluginInfo] = []  # rebuilt with the registry
        self._backends: dict[str, type[Backend]] | None = None
        self._origin: dict[str, str] = {}  # backend name -> plugin name

    # ---- discovery -------------------------------------------------------
    def load_entry_points(self) -> None:
        """Load each ``ganaug`` entry point on its own; record the ones that fail."""
        for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist else "?"
            version = ep.dist.version if ep.dist else "?"
            if self.manager.has_plugin(ep.name):
                continue
            try:
                self.manager.register(ep.load(), name=ep.name)
            except Exception as err:  # a broken plugin must not break the others
                self._load_failures.append(_failure(ep.name, dist, version, err))
                continue
            self._sources[ep.name] = (ep.value, dist, version)
        self._backends = None

    def register(self, plugin: Any, name: str | None = None) -> None:
        """Register a plugin object directly (tests, notebooks)."""
        self.manager.register(plugin, name=name)
        self._backends = None

    def unregister(self, name: str) -> None:
        """Remove a plugin registered under ``name``."""
        self.manager.unregister(name=name)
        self._backends = None

    def _registry_failure(self, plugin: str, err: BaseException, backend: str = "") -> None:
        info = _failure(plugin, *self._dist(plugin), err)
        if backend:
            info = PluginInfo(info.name, info.distribution, info.version, (), (backend,), info.error)
        self._registry_failures.append(info)

    # ---- registry --------------------------------------------------------
    def backends(self) -> dict[str, type[Backend]]:
        """``{name: backend class}`` of every valid registered backend."""
        if self._backends is None:
            self._build_registry()
        assert self._backends is not None
        return self._backends

    def _build_registry(self) -> None:
        self._backends, self._origin, self._registry_failures = {}, {}, []
        for plugin_name, plugin in self.manager.list_name_plugin():
            impl = getattr(plugin, "register_backends", None)
            if impl is None:
                continue
            try:
                impl(register=self._registrar(plugin_name))
            except Exception as err:
                self._registry_failure(plugin_name, err)

    def _registrar(self, plugin_name: str):
        def register(backend_cls: type[Backend]) -> None:
            try:
                check_backend_class(backend_cls)
                if backend_cls.name in self._backends:
                    other = self._origin[backend_cls.name]
                    raise ValueError(f"backend name {backend_cls.name!r} is taken by {other}")
            except (TypeError, ValueError) as err:
                name = getattr(backend_cls, "name", repr(backend_cls))
                self._registry_failure(plugin_name, err, backend=str(name))
                return
            self._backends[backend_cls.name] = backend_cls
            self._origin[backend_cls.name] = plugin_name

        return register

    def _dist(self, plugin_name: str) -> tuple[str, str]:
        _, dist, version = self._sources.get(plugin_name, ("", "(registered at run time)", ""))
        return dist, version

    # ---- reporting -------------------------------------------------------
    def plugins(self) -> list[PluginInfo]:
        """Every plugin: loaded ones with their hooks and backends, then failures."""
        self.backends()
        infos = []
        for name, plugin in self.manager.list_name_plugin():
            if plugin is hookspecs:
                continue
            hooks = tuple(h.name for h in self.manager.get_hookcallers(plugin) or ())
            owned = tuple(b for b, origin in self._origin.items() if origin == name)
            infos.append(PluginInfo(name, *self._dist(name), hooks=hooks, backends=owned))
        return infos + self.failures()

    def failures(self) -> list[PluginInfo]:
        """Plugins (or backends) that failed to load or register."""
        self.backends()
        return self._load_failures + self._registry_failures

    def origin(self, backend_name: str) -> PluginInfo:
        """The plugin that registered ``backend_name``."""
        plugin = self._origin[backend_name]
        return PluginInfo(plugin, *self._dist(plugin))


def _failure(plugin: str, dist: str, version: str, err: BaseException) -> PluginInfo:
    """Record a plugin failure, or re-raise it when debugging is asked for."""
    if os.environ.get(RAISE_ENV_VAR):
        raise err
    return PluginInfo(plugin, dist, version, error=f"{type(err).__name__}: {err}")


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
    ValueError
        If no backend has that name; the message lists the known ones and
        suggests the closest.
    """
    backends = get_host().backends()
    if name in backends:
        return backends[name]
    close = difflib.get_close_matches(name, list(backends), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    failed = [f.name for f in get_host().failures()]
    broken = f" Plugins that failed to load: {', '.join(failed)} (see `ganaug plugins`)." if failed else ""
    raise ValueError(
        f"unknown backend {name!r}.{hint} Known backends: {', '.join(sorted(backends))}.{broken}"
    )
