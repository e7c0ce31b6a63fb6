"""``sagan``: Self-Attention GAN (Zhang et al. 2019), class-conditional.

DCGAN's generator and projection discriminator with a self-attention block
in each at one resolution, so far-apart parts of an image (the two ends of a
stroke) are generated and judged together. Spectral norm is on every layer
of G as well as D, the loss is the hinge, and the two-time-scale update rule
gives D a 4x larger learning rate than G in place of several D steps.
DiffAugment and EMA sampling come from ganaug.training.data_efficient.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ganaug.plugin import ImageGANBackend, ImageGANOptions, ImageGenerator, ProjectionCritic, hookimpl


@dataclass
class SAGANOptions(ImageGANOptions):
    """Options of the ``sagan`` backend (see ImageGANOptions for the shared fields)."""

    lr_generator: float = 1e-4  # two time-scale update rule: D learns 4x faster than G
    lr_critic: float = 4e-4
    attention_side: int = 16  # attention at this feature-map side (or the data's side, if smaller)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.attention_side < 4 or self.attention_side & (self.attention_side - 1):
            raise ValueError(f"attention_side must be a power of two >= 4, got {self.attention_side}")


class SAGANBackend(ImageGANBackend):
    """Conditional SAGAN: self-attention and spectral norm in G and D, hinge loss, TTUR."""

    name = "sagan"
    Options = SAGANOptions
    reference = "Zhang et al., Self-Attention GANs, ICML 2019"

    def networks(self, channels: int, side: int, n_classes: int) -> tuple[nn.Module, nn.Module]:
        opts = self.options
        at = min(opts.attention_side, side)
        generator = ImageGenerator(opts.noise_dim, n_classes, channels, side, opts.width,
                                   attention_at=at, sn=True)
        return generator, ProjectionCritic(n_classes, channels, side, opts.width, attention_at=at)


@hookimpl
def register_backends(register):
    register(SAGANBackend)
