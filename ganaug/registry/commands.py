"""What the ``register_commands`` hook receives: a handle that adds subcommands to ``ganaug``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


class CommandLine:
    """What ``register_commands`` receives: adds subcommands to ``ganaug``."""

    def __init__(self, subparsers: Any, plugin: str, taken: set[str], origins: dict[str, str]) -> None:
        self._subparsers, self._plugin, self._taken, self._origins = subparsers, plugin, taken, origins

    def add_command(self, name: str, handler: Callable[[argparse.Namespace], Any],
                    help: str = "") -> argparse.ArgumentParser:
        """Add ``ganaug NAME``; returns its argparse parser for ``add_argument`` calls.

        ``handler(args)`` runs the command; raising ``ValueError`` prints a clean error.
        """
        if name in self._taken:
            owner = self._origins.get(name, "ganaug")
            raise ValueError(f"command name {name!r} is taken by {owner}")
        parser = self._subparsers.add_parser(name, help=f"{help} [plugin {self._plugin}]")
        parser.set_defaults(handler=handler)
        self._taken.add(name)
        self._origins[name] = self._plugin
        return parser
