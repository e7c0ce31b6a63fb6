"""Checks of a saved backend against its class: the tensors it must have, the options it may hold."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ganaug.errors import ModelFileError, OptionsError
from ganaug.options import build_options

# format 1 saved every field an Options class had, also the MLP widths that conv backends inherited
# but ignored; their Options no longer have them
FORMAT_1_IGNORED_OPTIONS = ("generator_dims", "critic_dims")


def check_tensors(cls: type, expected: dict[str, torch.Tensor],
                   found: dict[str, torch.Tensor]) -> None:
    """The file's tensors are the ones the backend builds: same names, dtypes and shapes.

    State tensors (``state_tensors``) hold data, so only their trailing dimensions must agree.
    """
    missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
    if missing or extra:
        raise ModelFileError(f"the saved weights do not fit backend {cls.name!r}: missing {missing[:5]}, "
                             f"unexpected {extra[:5]}.")
    for key, want in expected.items():
        got = found[key]
        data = key in cls.state_tensors
        if got.dtype != want.dtype or (got.shape[1:] if data else got.shape) != (want.shape[1:] if data
                                                                                  else want.shape):
            raise ModelFileError(f"the saved weights do not fit backend {cls.name!r}: {key!r} is "
                                 f"{tuple(got.shape)} {got.dtype}, its options make it {tuple(want.shape)} "
                                 f"{want.dtype}.")


def restore_options(cls: type, saved: dict[str, Any], format_version: int) -> Any:
    """``cls.Options`` from the JSON a model file holds; a ``ModelFileError`` if it does not fit."""
    if not isinstance(saved, dict):
        raise ModelFileError(f"the saved options of backend {cls.name!r} are not a mapping.")
    fields = {f.name for f in dataclasses.fields(cls.Options)}
    if format_version < 2:
        saved = {k: v for k, v in saved.items() if k in fields or k not in FORMAT_1_IGNORED_OPTIONS}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()}  # JSON has no tuples
    try:
        return build_options(cls.Options, values, cls.name)
    except OptionsError as err:
        raise ModelFileError(f"the saved options do not fit backend {cls.name!r}: {err}") from None
