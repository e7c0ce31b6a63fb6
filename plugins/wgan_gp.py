"""``wgan-gp``: conditional Wasserstein GAN with gradient penalty (Gulrajani et al.)."""

from __future__ import annotations

from dataclasses import dataclass

from ganaug import hookimpl
from ganaug.adversarial import AdversarialOptions, MLPGANBackend
from ganaug.losses import AdversarialLoss, get_loss


@dataclass
class WGANGPOptions(AdversarialOptions):
    """Options of the ``wgan-gp`` backend; defaults follow the paper (Adam, n_critic=5)."""

    lr_generator: float = 1e-4
    lr_critic: float = 1e-4
    n_critic: int = 5
    gp_weight: float = 10.0  # lambda of the gradient penalty

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gp_weight < 0:
            raise ValueError(f"gp_weight must be >= 0, got {self.gp_weight}")


class WGANGPBackend(MLPGANBackend):
    """WGAN-GP: Wasserstein loss, the critic kept 1-Lipschitz by a gradient penalty."""

    name = "wgan-gp"
    conditional = True
    Options = WGANGPOptions
    reference = "Gulrajani et al., Improved Training of Wasserstein GANs, NeurIPS 2017"

    def make_loss(self) -> AdversarialLoss:
        return get_loss("wgan-gp", weight=self.options.gp_weight)


@hookimpl
def register_backends(register):
    register(WGANGPBackend)
