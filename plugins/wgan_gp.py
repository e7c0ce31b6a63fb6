"""``wgan-gp``: conditional Wasserstein GAN with gradient penalty (Gulrajani et al.)."""

from __future__ import annotations

from dataclasses import dataclass

from ganaug import hookimpl
from ganaug.adversarial import AdversarialOptions, MLPGANBackend
from ganaug.losses import AdversarialLoss, get_loss


@dataclass
class WGANGPOptions(AdversarialOptions):
    """Options of the ``wgan-gp`` backend, ganaug's default.

    The paper's settings (Adam 1e-4, n_critic=5, lambda=10, batch 256) and
    classes drawn uniformly, so tiny classes get as many steps as large ones
    (measured on the KEEL dev suite). A lazy penalty (``gp_every=4``) with
    ``batch_size=128`` halves fit time but cost 0.12 mean G-mean there.
    """

    class_balance: float = 0.0
    lr_generator: float = 1e-4
    lr_critic: float = 1e-4
    n_critic: int = 5
    gp_weight: float = 10.0  # lambda of the gradient penalty
    gp_every: int = 1  # apply the penalty every k critic steps, k times as strong (lazy)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.gp_weight < 0 or self.gp_every < 1:
            raise ValueError(f"gp_weight must be >= 0 and gp_every >= 1, got "
                             f"{self.gp_weight}, {self.gp_every}")


class WGANGPBackend(MLPGANBackend):
    """WGAN-GP: Wasserstein loss, the critic kept 1-Lipschitz by a gradient penalty."""

    name = "wgan-gp"
    data_kinds = ("tabular", "image")  # images: an MLP on the flattened pixels
    conditional = True
    Options = WGANGPOptions
    reference = "Gulrajani et al., Improved Training of Wasserstein GANs, NeurIPS 2017"

    def make_loss(self) -> AdversarialLoss:
        return get_loss("wgan-gp", weight=self.options.gp_weight, every=self.options.gp_every)


@hookimpl
def register_backends(register):
    register(WGANGPBackend)
