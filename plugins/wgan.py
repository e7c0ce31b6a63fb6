"""``wgan``: Arjovsky et al.'s Wasserstein GAN with weight clipping (unconditional)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ganaug.plugin import AdversarialLoss, AdversarialOptions, MLPGANBackend, get_loss, hookimpl


@dataclass
class WGANOptions(AdversarialOptions):
    """Options of the ``wgan`` backend; defaults follow the paper (RMSprop, n_critic=5)."""

    lr_generator: float = 5e-5
    lr_critic: float = 5e-5
    optimizer: Literal["adam", "rmsprop"] = "rmsprop"  # momentum destabilises clipped critics
    n_critic: int = 5
    clip: float = 0.01  # critic weights are clamped to [-clip, clip] after each step

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.clip > 0:
            raise ValueError(f"clip must be > 0, got {self.clip}")


class WGANBackend(MLPGANBackend):
    """Wasserstein GAN: a weight-clipped critic estimates the earth-mover distance."""

    name = "wgan"
    data_kinds = ("tabular", "image")  # images: an MLP on the flattened pixels
    conditional = False
    Options = WGANOptions
    reference = "Arjovsky et al., Wasserstein GAN, ICML 2017"

    def make_loss(self) -> AdversarialLoss:
        return get_loss("wgan-clip", clip=self.options.clip)


@hookimpl
def register_backends(register):
    register(WGANBackend)
