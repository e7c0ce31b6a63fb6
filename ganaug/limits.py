"""Limits on the sizes a user, a recipe or a model file can ask for, checked before anything is allocated.

A typo such as ``sampling_strategy={"fraud": 10**12}`` must end in an error
that names the limit and how to raise it, not in a process the kernel kills
after it has taken every byte of memory. Each limit has a default that fits a
workstation and can be raised, for one block of code or for the process:

>>> import ganaug
>>> with ganaug.limits_context(max_synthetic_rows=50_000_000):  # doctest: +SKIP
...     X_res, y_res = sampler.fit_resample(X, y)
>>> ganaug.set_limits(max_memory_gib=64)  # doctest: +SKIP

or, for the command line, with environment variables named after the
limits: ``GANAUG_MAX_SYNTHETIC_ROWS=50000000 ganaug resample ...``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ganaug.errors import OptionsError, ResourceLimitError

ENV_PREFIX = "GANAUG_"


@dataclass(frozen=True)
class Limits:
    """The limits in force (:func:`get_limits`); every field can be raised with :func:`set_limits`.

    Attributes
    ----------
    max_synthetic_rows : int, default=10_000_000
        Synthetic rows (or images) that one call may draw into memory:
        ``fit_resample``'s sampling strategy, ``generate``. Streams
        (``generate_batches``, ``generate_to``, ``ganaug sample``) take any
        number up to ``max_streamed_rows``, ``batch_size`` at a time.
    max_streamed_rows : int, default=1_000_000_000
        Rows one streamed draw may write (a bound on disk space and time).
    max_memory_gib : float, default=8.0
        Estimated memory of one in-memory result or batch (the encoded
        samples a refinement chooses among, and the decoded ones).
    max_image_side : int, default=512
        Pixels on the longer side of the square an image backend trains on.
    max_aspect_ratio : float, default=4.0
        Longer over shorter image side: images are trained as squares, so a
        strip of 8x300 would be stretched to 512x512.
    max_updates : int, default=100_000_000
        Optimiser updates one fit may make (generator steps x (critic steps + 1)).
    max_cv_fits : int, default=100_000
        Sampler fits one ``evaluate`` may make (folds x repeats x samplers).
    """

    max_synthetic_rows: int = 10_000_000
    max_streamed_rows: int = 1_000_000_000
    max_memory_gib: float = 8.0
    max_image_side: int = 512
    max_aspect_ratio: float = 4.0
    max_updates: int = 100_000_000
    max_cv_fits: int = 100_000

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 \
                    or value == float("inf"):
                raise OptionsError(f"limit {field.name}={value!r}: give a finite number > 0.")


def _from_environment() -> Limits:
    values: dict[str, Any] = {}
    for field in dataclasses.fields(Limits):
        raw = os.environ.get(ENV_PREFIX + field.name.upper())
        if raw is None:
            continue
        kind = int if field.type in ("int", int) else float
        try:
            values[field.name] = kind(raw.replace("_", ""))
        except ValueError:
            raise OptionsError(f"{ENV_PREFIX}{field.name.upper()}={raw!r}: give a "
                               f"{'whole ' if kind is int else ''}number.") from None
    return Limits(**values)


_current: Limits | None = None


def get_limits() -> Limits:
    """The limits in force: the defaults, changed by ``GANAUG_MAX_*`` variables and :func:`set_limits`."""
    global _current
    if _current is None:
        _current = _from_environment()
    return _current


def set_limits(**changes: Any) -> Limits:
    """Change limits for the rest of the process (``set_limits(max_memory_gib=64)``); returns the old ones."""
    old = get_limits()
    _set(dataclasses.replace(old, **_checked_names(changes)))
    return old


@contextlib.contextmanager
def limits_context(**changes: Any) -> Iterator[Limits]:
    """Change limits inside a ``with`` block only: ``with ganaug.limits_context(max_memory_gib=64): ...``."""
    old = set_limits(**changes)
    try:
        yield get_limits()
    finally:
        _set(old)


def _set(value: Limits) -> None:
    global _current
    _current = value


def _checked_names(changes: dict[str, Any]) -> dict[str, Any]:
    names = [f.name for f in dataclasses.fields(Limits)]
    unknown = sorted(set(changes) - set(names))
    if unknown:
        raise OptionsError(f"no limit named {', '.join(unknown)}; the limits are {', '.join(names)}.")
    return changes


def exceeded(name: str, asked: float, what: str) -> ResourceLimitError:
    """The error for ``what`` asking ``asked`` of limit ``name``: it names the limit and how to raise it."""
    limit = getattr(get_limits(), name)
    amount = f"{asked:,}" if isinstance(asked, int) else f"{asked:,.3g}"
    return ResourceLimitError(
        f"{what} asks for {amount}, over the limit {name}={limit:,} "
        f"(ganaug.get_limits()). If that is really meant, raise it: ganaug.set_limits({name}=...), or "
        f"{ENV_PREFIX}{name.upper()}=... for the command line.")


def check_limit(name: str, asked: float, what: str) -> None:
    """Raise :class:`~ganaug.errors.ResourceLimitError` when ``asked`` is over the limit ``name``."""
    if asked > getattr(get_limits(), name):
        raise exceeded(name, asked, what)


def check_memory(n_bytes: float, what: str) -> None:
    """Refuse ``what`` when its estimated ``n_bytes`` are over ``max_memory_gib``."""
    check_limit("max_memory_gib", n_bytes / 2**30, f"{what} (estimated memory in GiB)")


__all__ = ["Limits", "check_limit", "check_memory", "get_limits", "limits_context", "set_limits"]
