"""A capability any adversarial backend can mix in: DiffAugment in both steps and an EMA generator.

Tiny classes are the rule in oversampling, and a critic memorises a few
dozen images fast. DiffAugment (Zhao et al. 2020) puts real and generated
images through the same random differentiable transforms before the critic
in both steps, so it cannot; an exponential moving average of G's weights,
with a warm-up so short runs don't sample from weights close to their
initial values, smooths what is sampled. Use it as the first base::

    class MyBackend(DataEfficientTraining, AdversarialBackend): ...

with ``Options`` that include :class:`DataEfficientOptions`' fields.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
from torch import nn

from ganaug.options import OptionsBase
from ganaug.training.diffaugment import check_policy, diff_augment


@dataclass
class DataEfficientOptions(OptionsBase):
    """Options of :class:`DataEfficientTraining`."""

    diffaugment: str = "color,translation,cutout"  # "" turns DiffAugment off
    ema_decay: float = 0.999  # 0 samples from the raw generator

    def __post_init__(self) -> None:
        super().__post_init__()
        check_policy(self.diffaugment)
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")


@torch.no_grad()
def update_ema(average: nn.Module, current: nn.Module, decay: float) -> None:
    """Move ``average``'s weights towards ``current``'s (EMA); copy its buffers (batch-norm stats)."""
    for avg, new in zip(average.parameters(), current.parameters()):
        avg.lerp_(new, 1.0 - decay)
    for avg, new in zip(average.buffers(), current.buffers()):
        avg.copy_(new)


class DataEfficientTraining:
    """Mixin for an ``AdversarialBackend``: DiffAugment on images, EMA copy of G for sampling.

    It extends the loop through its public hooks only: ``install`` (starts
    ``generator_ema``, a module, so it is saved, moved and checkpointed with
    the others), ``augment``, ``after_generator_step`` and ``sampling_generator``.
    Rows of a table (backends that take both kinds) are not augmented.
    """

    def install(self, generator: nn.Module, critic: nn.Module) -> None:
        super().install(generator, critic)
        self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:  # rows of a table: no image augmentation
            return x
        x = diff_augment(x, self.options.diffaugment)
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last() else x

    @torch.no_grad()
    def after_generator_step(self) -> None:
        super().after_generator_step()
        step = self.generator_steps_done()
        decay = min(self.options.ema_decay, (1 + step) / (10 + step))  # warm-up
        update_ema(self.generator_ema, self.generator, decay)

    def sampling_generator(self) -> nn.Module:
        return self.generator_ema if self.options.ema_decay > 0 else self.generator
