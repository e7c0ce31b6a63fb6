"""Span: how a run of encoded columns maps back to one original column (the codec-backend contract).

A codec writes a tuple of spans beside the encoded matrix; a backend's
output head reads it to apply each span's activation. It is all a backend
needs to know of the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Span:
    """A run of encoded columns produced by one original column.

    ``kind`` is ``"numeric"`` (scalar), ``"mode"`` (mode one-hot of a numeric
    column), ``"categorical"`` (category one-hot) or ``"missing"`` (a numeric
    column's [present, missing] one-hot); ``activation`` is what a
    generator's output head applies: ``"tanh"``, ``"linear"`` or ``"softmax"``.
    """

    column: Any
    kind: str
    start: int
    width: int
    activation: str
