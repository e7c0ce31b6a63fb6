"""The convolutional image backend family: conv options, and a base that only asks for the two nets.

``dcgan``, ``sagan``, ``biggan``, ``stylegan`` and ``progan`` differ in their
networks only. Each subclasses :class:`ImageGANBackend` and implements
:meth:`ImageGANBackend.networks`; the base gives them the shared training
loop with :class:`~ganaug.training.data_efficient.DataEfficientTraining`
(DiffAugment, EMA sampling) and a choice of loss. On CUDA the nets run
channels-last and (``precision="auto"``) under bf16 autocast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from torch import nn

from ganaug.backend import DataShape
from ganaug.options import OptionsBase
from ganaug.training.data_efficient import DataEfficientOptions, DataEfficientTraining
from ganaug.training.loop import AdversarialBackend
from ganaug.training.options import LoopOptions


@dataclass
class ConvOptions(OptionsBase):
    """Size of convolutional nets."""

    width: int = 32  # channels of G's last block and D's first; doubled per resolution step

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.width < 1:
            raise ValueError(f"width must be >= 1, got {self.width}")


@dataclass
class ImageGANOptions(DataEfficientOptions, ConvOptions, LoopOptions):
    """Options of the convolutional image backends: the loop's, conv width, DiffAugment/EMA, a loss."""

    steps: int = 1500  # generator steps when epochs is None
    batch_size: int = 64
    noise_dim: int = 64
    lr_generator: float = 2e-4
    lr_critic: float = 2e-4
    betas: tuple[float, float] = (0.0, 0.99)
    loss: Literal["hinge", "non-saturating", "wgan-gp"] = "hinge"


class ImageGANBackend(DataEfficientTraining, AdversarialBackend):
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

    def build(self, shape: DataShape) -> None:
        channels, side = shape.width, shape.side  # samples: (C, S, S)
        self.install(*self.networks(channels, side, shape.n_classes))
