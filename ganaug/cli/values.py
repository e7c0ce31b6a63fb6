"""Values typed on the command line or in recipes: TOML scalars, sampling strategies, column lists.

Light on purpose (standard library only): the parser of ``ganaug --help``
uses these, and must not import torch or scikit-learn.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Iterable
from typing import Any

from ganaug.errors import UsageError


def parse_value(raw: str) -> Any:
    """``"50"`` -> 50, ``"[1, 2]"`` -> [1, 2], ``"none"`` -> None, ``"ctgan"`` -> "ctgan"."""
    if raw.lower() in ("none", "null"):
        return None
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def parse_strategy(raw: str) -> Any:
    """``--sampling-strategy``: ``auto``, ``minority``, ``0.5`` or ``fraud=100,rare=50`` (rows per class).

    The ``label=n`` form gives a dict; its labels are matched to the data's
    classes by :func:`match_labels` once the data is read.
    """
    if "=" not in raw:
        return parse_value(raw)
    counts = {}
    for item in raw.split(","):
        label, sep, number = item.partition("=")
        if not sep or not label.strip():
            raise argparse.ArgumentTypeError(
                f"{item!r}: write label=n pairs separated by commas, e.g. fraud=500,rare=100")
        try:
            counts[label.strip()] = int(number)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{item!r}: the number of rows must be a whole number, e.g. fraud=500") from None
    return counts


def match_labels(counts: Any, labels: Iterable[Any], what: str = "--sampling-strategy") -> Any:
    """A ``{label: n}`` dict typed as text, with each label replaced by the data's class it names.

    A CSV label column of integers gives classes 0 and 1, while the command
    line gives "0" and "1"; other strategies are returned as they are.
    """
    if not isinstance(counts, dict):
        return counts
    classes = {str(label): label for label in dict.fromkeys(labels)}
    unknown = [key for key in counts if key not in classes and key not in classes.values()]
    if unknown:
        raise UsageError(
            f"{what} names classes the data does not have: {', '.join(map(str, unknown))}; "
            f"its classes are {', '.join(classes)}.")
    return {classes.get(str(key), key): n for key, n in counts.items()}


def column_names(raw: str) -> list[str]:
    """``zip,store`` -> ``["zip", "store"]``."""
    names = [name.strip() for name in raw.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give column names, comma-separated, e.g. --categorical zip,store")
    return names
