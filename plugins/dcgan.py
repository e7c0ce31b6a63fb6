"""``dcgan``: class-conditional DCGAN for small image datasets, with data-efficient training.

Radford et al.'s convolutional generator and discriminator, made class-
conditional (a class embedding into G, a projection discriminator) and fit for
tiny classes: DiffAugment on real and generated images in both steps, spectral
norm and the hinge loss in D, and an exponential moving average of G's
weights for sampling (all from ganaug.training). One generator learns every
class, so the rare ones borrow strokes and textures from the common ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ganaug.plugin import ImageGANBackend, ImageGANOptions, ImageGenerator, ProjectionCritic, hookimpl


@dataclass
class DCGANOptions(ImageGANOptions):
    """Options of the ``dcgan`` backend (all shared with the other image backends)."""


class DCGANBackend(ImageGANBackend):
    """Conditional DCGAN with a projection discriminator, DiffAugment and EMA sampling."""

    name = "dcgan"
    Options = DCGANOptions
    reference = "Radford et al., DCGAN, ICLR 2016; Zhao et al., DiffAugment, NeurIPS 2020"

    def networks(self, channels: int, side: int, n_classes: int) -> tuple[nn.Module, nn.Module]:
        opts = self.options
        return (ImageGenerator(opts.noise_dim, n_classes, channels, side, opts.width),
                ProjectionCritic(n_classes, channels, side, opts.width))


@hookimpl
def register_backends(register):
    register(DCGANBackend)
