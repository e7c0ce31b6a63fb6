"""``dcgan``: class-conditional DCGAN for small image datasets, with data-efficient training.

Radford et al.'s convolutional generator and discriminator, made class-
conditional (a class embedding into G, a projection discriminator) and fit for
tiny classes: DiffAugment on real and generated images in both steps, spectral
norm and the hinge loss in D, and an exponential moving average of G's
weights for sampling. One generator learns every class, so the rare ones
borrow strokes and textures from the common ones.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Literal

import torch

from ganaug import hookimpl
from ganaug.adversarial import AdversarialBackend, AdversarialOptions
from ganaug.augment import check_policy, diff_augment
from ganaug.backend import TrainingData
from ganaug.losses import AdversarialLoss, get_loss
from ganaug.nn import ImageGenerator, ProjectionCritic, update_ema


@dataclass
class DCGANOptions(AdversarialOptions):
    """Options of the ``dcgan`` backend (see AdversarialOptions for the shared fields)."""

    steps: int = 1500  # generator steps when epochs is None
    batch_size: int = 64
    noise_dim: int = 64
    width: int = 32  # channels of G's last block and D's first; doubled per resolution step
    lr_generator: float = 2e-4
    lr_critic: float = 2e-4
    betas: tuple[float, float] = (0.0, 0.99)
    loss: Literal["hinge", "non-saturating"] = "hinge"
    diffaugment: str = "color,translation,cutout"  # "" turns DiffAugment off
    ema_decay: float = 0.999  # 0 samples from the raw generator

    def __post_init__(self) -> None:
        super().__post_init__()
        check_policy(self.diffaugment)
        if self.width < 1 or not 0.0 <= self.ema_decay < 1.0:
            raise ValueError("width must be >= 1 and ema_decay in [0, 1)")


class DCGANBackend(AdversarialBackend):
    """Conditional DCGAN with a projection discriminator, DiffAugment and EMA sampling."""

    name = "dcgan"
    data_kinds = ("image",)
    conditional = True
    Options = DCGANOptions
    reference = "Radford et al., DCGAN, ICLR 2016; Zhao et al., DiffAugment, NeurIPS 2020"
    flatten_images = False

    def make_loss(self) -> AdversarialLoss:
        return get_loss(self.options.loss)

    def build(self, data: TrainingData) -> None:
        opts = self.options
        channels, side = data.X.shape[1], data.X.shape[-1]  # X: (n, C, S, S)
        self.generator = ImageGenerator(opts.noise_dim, data.n_classes, channels, side, opts.width)
        self.generator = self.generator.to(self.device)
        self.critic = ProjectionCritic(data.n_classes, channels, side, opts.width).to(self.device)
        # the EMA copy is a module too, so it is saved, moved and checkpointed with the others
        self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        return diff_augment(x, self.options.diffaugment)

    @torch.no_grad()
    def after_generator_step(self) -> None:
        # warm-up: a short run must not sample from weights still close to the initial ones;
        # the step count comes from Adam's state, so it survives checkpoint and resume
        step = float(self.opt_g.state[next(self.generator.parameters())]["step"])
        decay = min(self.options.ema_decay, (1 + step) / (10 + step))
        update_ema(self.generator_ema, self.generator, decay)

    def sampling_generator(self) -> torch.nn.Module:
        return self.generator_ema if self.options.ema_decay > 0 else self.generator


@hookimpl
def register_backends(register):
    register(DCGANBackend)
