"""What a training loop draws and records: class-balanced batches, per-epoch loss means, a progress bar."""

from __future__ import annotations

import math
from typing import Any

import torch


class ClassBatches:
    """Draws batches of row indices with classes reweighted towards the rare ones.

    A class of ``n_c`` rows is drawn with probability proportional to
    ``n_c ** balance``: 1 keeps the data's frequencies, 0 makes every class
    equally likely; rows within a class are drawn uniformly. An ``exclude``d
    class is never drawn unless asked for by name.
    """

    def __init__(self, y: torch.Tensor, n_classes: int, balance: float, exclude: int | None = None) -> None:
        y = y.cpu()
        self.counts = torch.bincount(y, minlength=n_classes)  # (k,)
        weights = torch.where(self.counts > 0, self.counts.double() ** balance, 0.0)
        if exclude is not None:
            weights[exclude] = 0.0
        self.class_probs = weights / weights.sum()  # (k,)
        self.order = torch.argsort(y, stable=True)  # row indices grouped by class
        self.starts = torch.cumsum(self.counts, 0) - self.counts  # (k,) first slot per class

    def sample(self, batch_size: int, classes: torch.Tensor | None = None,
               generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Return ``(row_indices, class_indices)``, each ``(batch_size,)`` int64 on CPU."""
        if classes is None:
            classes = torch.multinomial(self.class_probs, batch_size, replacement=True, generator=generator)
        # uniform within the class
        offsets = (torch.rand(batch_size, generator=generator) * self.counts[classes]).long()
        return self.order[self.starts[classes] + offsets], classes


class LossLog:
    """Accumulates per-step losses on the device; syncs once per epoch."""

    def __init__(self) -> None:
        self._sums: dict[str, torch.Tensor] = {}
        self._steps = 0

    def add(self, **losses: torch.Tensor) -> None:
        for key, value in losses.items():
            value = value.detach()
            self._sums[key] = self._sums[key] + value if key in self._sums else value
        self._steps += 1

    def epoch_means(self) -> dict[str, float]:
        means = {k: float(v) / max(self._steps, 1) for k, v in self._sums.items()}
        self._sums, self._steps = {}, 0
        return means


def progress_bar(total: int, initial: int, enabled: bool, desc: str) -> Any:
    """A tqdm bar over generator steps (a no-op object when disabled)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="step", leave=False, disable=not enabled)


def non_finite(losses: dict[str, float]) -> list[str]:
    """Names of the losses that are NaN or infinite."""
    return [k for k, v in losses.items() if not math.isfinite(v)]
