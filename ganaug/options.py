"""Building a backend's ``Options`` dataclass from user keyword arguments, with errors that name the fix.

Unknown names get the valid ones and the closest match; wrong types name the
expected type; range checks live in each dataclass' ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import typing
from typing import Any, Literal, get_args, get_origin

import numpy as np

from ganaug.errors import OptionsError


class OptionsBase:
    """Root of the ``Options`` dataclasses composed by capability (loop, MLP widths, conv width, ...).

    Each capability validates its own fields in ``__post_init__`` and calls
    ``super().__post_init__()``, so an ``Options`` class that combines
    several runs every check once; this root ends the chain.
    """

    def __post_init__(self) -> None:
        pass


def build_options(options_cls: type, values: dict[str, Any], backend_name: str) -> Any:
    """Return ``options_cls(**values)`` after checking names and types.

    Unknown names get the list of valid ones and the closest match; wrong
    types name the expected type. Range checks live in each dataclass'
    ``__post_init__``, whose ``ValueError`` is re-raised with the backend name.
    """
    fields = {f.name: f for f in dataclasses.fields(options_cls)}
    hints = typing.get_type_hints(options_cls)
    values = dict(values)
    for key, value in values.items():
        if key not in fields:
            raise OptionsError(_unknown_message(key, sorted(fields), backend_name))
        values[key] = _check_type(key, value, hints[key], backend_name)
    try:
        return options_cls(**values)
    except (TypeError, ValueError) as err:
        raise OptionsError(f"backend {backend_name!r}: {err}") from None


def options_help(options_cls: type) -> dict[str, Any]:
    """Return ``{name: default}`` of an ``Options`` dataclass."""
    return {f.name: f.default for f in dataclasses.fields(options_cls)}


def _unknown_message(key: str, valid: list[str], backend_name: str) -> str:
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"backend {backend_name!r} has no option {key!r}.{hint} "
        f"Valid options: {', '.join(valid)}."
    )


def _check_type(key: str, value: Any, hint: Any, backend_name: str) -> Any:
    value = _python_scalars(value)  # numpy scalars (np.arange in a grid search) as Python ones
    if _has_non_finite(value):  # inf or NaN as a rate, weight or bound only ever ends in a diverged run
        raise OptionsError(f"backend {backend_name!r}: option {key!r} must be finite, got {value!r}.")
    if _matches(value, hint):
        # ints are accepted where floats are expected, as numpy/sklearn do
        return float(value) if hint is float and not isinstance(value, float) else value
    if isinstance(value, list) and get_origin(hint) is tuple and _matches(tuple(value), hint):
        return tuple(value)  # TOML and JSON give lists where a tuple is wanted
    raise OptionsError(
        f"backend {backend_name!r}: option {key!r} must be {_describe(hint)}, "
        f"got {value!r} ({type(value).__name__})."
    )


def _has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, list | tuple) and any(map(_has_non_finite, value))


def _python_scalars(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return tuple(value.tolist())
    if isinstance(value, list | tuple):
        return type(value)(_python_scalars(v) for v in value)
    return value


def _matches(value: Any, hint: Any) -> bool:
    origin = get_origin(hint)
    if origin is Literal:
        return value in get_args(hint)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return any(_matches(value, arg) for arg in get_args(hint))
    if origin is tuple:
        args = get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(v, args[0]) for v in value)
        return len(args) == len(value) and all(map(_matches, value, args))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(hint))
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return " or ".join(_describe(a) for a in get_args(hint))
    if origin is tuple:
        return f"a tuple {hint}"
    return "None" if hint is type(None) else f"a {getattr(hint, '__name__', hint)}"
