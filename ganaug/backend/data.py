"""What the host hands a backend: the encoded rows (:class:`TrainingData`), their shape (:class:`DataShape`),
and what it asks of training besides training (:class:`TrainingControl`).

``build`` sees a :class:`DataShape` only, at fit and when a saved model is
loaded, so a backend never has to tell the two apart by counting rows;
``setup`` sees the rows, at fit only.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ganaug.data.span import Span


@dataclass
class TrainingData:
    """Encoded training data handed to :meth:`Backend.fit`.

    Attributes
    ----------
    X : torch.Tensor
        ``(n, d)`` float32 encoded rows, or ``(n, C, S, S)`` images, on the backend's device.
    y : torch.Tensor
        ``(n,)`` int64 class indices in ``[0, n_classes)``.
    n_classes : int
        Number of classes the generator is conditioned on (1 when per-class).
    layout : tuple of Span
        How the ``d`` encoded columns group into original columns (tabular).
    kind : str
        ``"tabular"`` or ``"image"``.
    labels : tuple
        The user's class label of each class index.
    source : int or None
        Class index that translation backends start from (see ``Backend.pairs_with_source``).
    rows : torch.Tensor or None
        ``(n,)`` positions of these rows in the user's ``X``, for options given per input row.
    n_input_rows : int
        Number of rows in the user's ``X``.
    """

    X: torch.Tensor
    y: torch.Tensor
    n_classes: int
    layout: tuple[Span, ...]
    kind: str = "tabular"
    labels: tuple = ()
    source: int | None = None
    rows: torch.Tensor | None = None
    n_input_rows: int = 0


# what a build(data) written for ganaug 0.1 may still read of its argument; served with a warning
_ROW_ATTRIBUTES = ("X", "y", "labels", "source", "rows", "n_input_rows")


@dataclass(frozen=True)
class DataShape:
    """The shape of the data a backend's nets are built for: what :meth:`Backend.build` receives.

    The same at fit and when a saved model is loaded; rows are not part of it
    (a backend reads them in :meth:`Backend.setup`).

    Attributes
    ----------
    sample_shape : tuple of int
        ``(d,)`` encoded rows, or ``(C, S, S)`` images, as the backend's nets see them.
    n_classes : int
        Number of classes the generator is conditioned on (1 when per-class).
    layout : tuple of Span
        How the ``d`` encoded columns group into original columns (one ``pixels`` span for
        images an MLP sees as rows).
    kind : str
        ``"tabular"`` or ``"image"``: what the user's data is.
    """

    sample_shape: tuple[int, ...]
    n_classes: int
    layout: tuple[Span, ...]
    kind: str = "tabular"
    # the TrainingData this shape was taken from, for build(data) methods written for ganaug 0.1 only
    _data: TrainingData | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, data: TrainingData) -> DataShape:
        """The shape of ``data`` (its rows stay out of it)."""
        return cls(tuple(data.X.shape[1:]), data.n_classes, tuple(data.layout), data.kind, data)

    @property
    def width(self) -> int:
        """Encoded columns of a row, or channels of an image."""
        return self.sample_shape[0]

    @property
    def side(self) -> int:
        """Pixels of an image's side (images only)."""
        return self.sample_shape[-1]

    @property
    def size(self) -> int:
        """Numbers in one sample."""
        return math.prod(self.sample_shape)

    def __getattr__(self, name: str) -> Any:
        # build(data) of ganaug 0.1 read rows (data.X) from its argument: still served, with the rows
        # at fit and none at load, as before
        if name in _ROW_ATTRIBUTES and self._data is not None:
            warnings.warn(f"build() receives a DataShape since ganaug 0.2; reading its `{name}` is "
                          "deprecated and will fail in 0.3: use shape.sample_shape / n_classes / layout, "
                          "and read rows in setup(data).", DeprecationWarning, stacklevel=2)
            return getattr(self._data, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def empty_data(shape: tuple[int, ...], n_classes: int, layout: tuple[Span, ...], kind: str,
               device: torch.device) -> TrainingData:
    """Data of ``shape`` without rows: what loading a saved model builds from."""
    rows = torch.zeros(0, *shape, device=device)
    return TrainingData(rows, torch.zeros(0, dtype=torch.long, device=device), n_classes, layout, kind)


@dataclass
class TrainingControl:
    """What the host asks of a training loop besides training.

    Attributes
    ----------
    path : Path or None
        Checkpoint file; None keeps snapshots in memory only.
    every : int or None
        Epochs between snapshots; None: about 20 per run.
    resume : bool
        Continue from ``path`` when it exists.
    fingerprint : str
        Identifies the run (backend, options, seed, data); a checkpoint with
        another fingerprint is refused.
    """

    path: Path | None = None
    every: int | None = None
    resume: bool = False
    fingerprint: str = ""
    rollbacks: int = field(default=0, init=False)

    def interval(self, epochs: int) -> int:
        """Epochs between snapshots in a run of ``epochs``."""
        return self.every or max(1, epochs // 20)
