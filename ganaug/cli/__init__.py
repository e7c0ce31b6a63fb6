"""The ``ganaug`` command line and its recipes: :func:`main` parses, :mod:`~ganaug.cli.tasks` runs."""

from ganaug.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
