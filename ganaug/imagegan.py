"""What the convolutional image backends share: options, data-efficient training, EMA sampling.

``dcgan``, ``sagan``, ``biggan``, ``stylegan`` and ``progan`` differ in their
networks only. Each subclasses :class:`ImageGANBackend` and implements
:meth:`ImageGANBackend.networks`; this module gives them all DiffAugment on
real and generated images in both steps, a choice of loss, and an exponential
moving average of G's weights for sampling, with a warm-up so short runs
don't sample from weights still close to the initial ones. On CUDA the nets
run channels-last and (``precision="auto"``) under bf16 autocast.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import ClassVar, Literal

import torch
from torch import nn

from ganaug.adversarial import AdversarialBackend, AdversarialOptions
from ganaug.augment import check_policy, diff_augment
from ganaug.backend import TrainingData
from ganaug.losses import AdversarialLoss, get_loss
from ganaug.nn import update_ema


@dataclass
class ImageGANOptions(AdversarialOptions):
    """Options shared by the convolutional image backends (see AdversarialOptions for the rest)."""

    # inherited from the MLP backends' options but meaningless for conv nets: refused with this reason
    unused_options: ClassVar[dict[str, str]] = {
        name: "it sets MLP layer widths; the convolutional nets are sized by 'width' (channels)."
        for name in ("generator_dims", "critic_dims")}

    steps: int = 1500  # generator steps when epochs is None
    batch_size: int = 64
    noise_dim: int = 64
    width: int = 32  # channels of G's last block and D's first; doubled per resolution step
    lr_generator: float = 2e-4
    lr_critic: float = 2e-4
    betas: tuple[float, float] = (0.0, 0.99)
    loss: Literal["hinge", "non-saturating", "wgan-gp"] = "hinge"
    diffaugment: str = "color,translation,cutout"  # "" turns DiffAugment off
    ema_decay: float = 0.999  # 0 samples from the raw generator

    def __post_init__(self) -> None:
        super().__post_init__()
        check_policy(self.diffaugment)
        if self.width < 1 or not 0.0 <= self.ema_decay < 1.0:
            raise ValueError("width must be >= 1 and ema_decay in [0, 1)")


class ImageGANBackend(AdversarialBackend):
    """Base of the class-conditional convolutional image backends.

    Subclasses set ``name``, ``Options`` and ``reference`` and implement
    :meth:`networks`; the training loop is :class:`AdversarialBackend`'s.
    """

    data_kinds = ("image",)
    conditional = True
    Options = ImageGANOptions
    flatten_images = False

    def networks(self, channels: int, side: int, n_classes: int) -> tuple[nn.Module, nn.Module]:
        """``(generator, critic)`` for ``(channels, side, side)`` images of ``n_classes`` classes."""
        raise NotImplementedError

    def make_loss(self) -> AdversarialLoss:
        return get_loss(self.options.loss)

    def build(self, data: TrainingData) -> None:
        channels, side = data.X.shape[1], data.X.shape[-1]  # X: (n, C, S, S)
        self.install(*self.networks(channels, side, data.n_classes))

    def install(self, generator: nn.Module, critic: nn.Module) -> None:
        """Adopt ``generator`` and ``critic`` on the device, and start G's EMA copy."""
        self.generator, self.critic = generator.to(self.device), critic.to(self.device)
        if self._channels_last():
            self.generator.to(memory_format=torch.channels_last)
            self.critic.to(memory_format=torch.channels_last)
        # the EMA copy is a module too, so it is saved, moved and checkpointed with the others
        self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)

    def _channels_last(self) -> bool:
        # NHWC lets cuDNN use tensor-core kernels for bf16 convolutions; on CPU it gains nothing here
        return self.device.type == "cuda" and len(self.sample_shape_) == 3

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:  # rows of a table (backends that take both kinds): no image augmentation
            return x
        x = diff_augment(x, self.options.diffaugment)
        return x.contiguous(memory_format=torch.channels_last) if self._channels_last() else x

    @torch.no_grad()
    def after_generator_step(self) -> None:
        step = self.generator_steps_done()
        decay = min(self.options.ema_decay, (1 + step) / (10 + step))  # warm-up
        update_ema(self.generator_ema, self.generator, decay)

    def sampling_generator(self) -> nn.Module:
        return self.generator_ema if self.options.ema_decay > 0 else self.generator
