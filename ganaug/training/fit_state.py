"""FitState: what one run of the adversarial loop keeps while it trains, in one object the loop owns.

The loop makes it when training starts (``backend.fit_state``) and
``Backend.fit`` drops it after ``on_fit_end``: optimisers, the rows, the batch
sampler and the wrapped nets never outlive the fit, and a step reads them in
one place rather than from attributes parked on the backend.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ganaug.backend import TrainingControl, TrainingData
from ganaug.losses import AdversarialLoss
from ganaug.training.batches import ClassBatches


@dataclass
class FitState:
    """The state of one training run of an :class:`~ganaug.training.loop.AdversarialBackend`.

    Attributes
    ----------
    data : TrainingData
        The rows being trained on, as the nets see them (after ``prepare``).
    control : TrainingControl
        Checkpoint file, resume, snapshot interval.
    loss : AdversarialLoss
        What ``make_loss()`` returned.
    opt_g, opt_d : torch.optim.Optimizer
        The generator's and the critic's optimisers (``configure_optimizers()``).
    batches : ClassBatches
        Draws the class-balanced row indices of each step (``make_batches(data)``).
    batch_size : int
        Rows per step (a multiple of the backend's ``pac``).
    total_steps : int
        Generator steps of the whole run (for schedules).
    nets : tuple or None
        ``(generator.with_logits, critic)`` as the steps call them when they are
        wrappers (DDP, ``torch.compile``); None: the modules themselves.
    """

    data: TrainingData
    control: TrainingControl
    loss: AdversarialLoss
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    batches: ClassBatches
    batch_size: int
    total_steps: int = 0
    nets: tuple[Callable, nn.Module] | None = None


class MovedToFitState:
    """A backend attribute of ganaug 0.1 that is now a field of ``fit_state``: served with a warning."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def _warn(self) -> None:
        warnings.warn(f"backend.{self.name} is deprecated since ganaug 0.2 (removed in 0.3): read "
                      f"self.fit_state.{self.field}, which holds it while the backend trains.",
                      DeprecationWarning, stacklevel=3)

    def __get__(self, backend: Any, owner: type | None = None) -> Any:
        if backend is None:
            return self
        self._warn()
        if backend.fit_state is None:
            raise AttributeError(f"{self.name} exists only while the backend trains (fit_state.{self.field})")
        return getattr(backend.fit_state, self.field)

    def __set__(self, backend: Any, value: Any) -> None:
        self._warn()
        setattr(backend.fit_state, self.field, value)
