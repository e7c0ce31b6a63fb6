"""``cogan``: coupled GANs (Liu & Tuzel 2016), one domain per class, for images and tables.

CoGAN learns a joint distribution of domains from samples of each domain
alone: the generators share their first layers (the high-level structure,
computed once from the same noise) and keep their last layers apart (each
domain's details); the discriminators keep their first layers apart and
share the last ones. As an oversampler the domains are classes: a rare
class' generator runs on the trunk that the large classes train most, so
it borrows their structure and only learns its own finish.

With ``conditioning="conditional"`` (the default) one coupled model has a
head per class. ``conditioning="per-class"`` trains, for each class to grow,
the paper's two-domain CoGAN of that class and a source class (the largest,
or ``source_class``). Images: DCGAN-style blocks, hinge loss with spectral
norm, DiffAugment and EMA sampling (ganaug.imagegan); tables: MLPs with the
tabular output head.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from torch import nn

from ganaug import hookimpl
from ganaug.backend import TrainingData
from ganaug.imagegan import ImageGANBackend, ImageGANOptions
from ganaug.nn import (
    CoupledImageCritic,
    CoupledImageGenerator,
    CoupledMLPCritic,
    CoupledMLPGenerator,
    TabularHead,
)


@dataclass
class CoGANOptions(ImageGANOptions):
    """Options of the ``cogan`` backend (see ImageGANOptions for the shared fields)."""

    unused_options: ClassVar[dict[str, str]] = {}  # generator_dims, critic_dims: its nets for tables

    source_class: object = None  # per-class models: the domain each class is coupled with; None: the largest
    generator_dims: tuple[int, ...] = (128, 128)  # tables: G's shared layers (the last feeds the heads)
    critic_dims: tuple[int, ...] = (128, 128)  # tables: D's per-domain first layer, then the shared ones


class CoGANBackend(ImageGANBackend):
    """Coupled generators (shared trunk, a head per class) and coupled discriminators."""

    name = "cogan"
    data_kinds = ("image", "tabular")
    Options = CoGANOptions
    reference = "Liu & Tuzel, Coupled Generative Adversarial Networks, NeurIPS 2016"
    pairs_with_source = True
    ddp_unused_parameters = True  # a batch may lack a class, whose head and stem then get no gradient

    def networks(self, channels: int, side: int, n_classes: int) -> tuple[nn.Module, nn.Module]:
        opts = self.options
        return (CoupledImageGenerator(opts.noise_dim, n_classes, channels, side, opts.width),
                CoupledImageCritic(n_classes, channels, side, opts.width))

    def build(self, data: TrainingData) -> None:
        if data.kind == "image":
            return super().build(data)
        opts, d = self.options, data.X.shape[1]
        generator = CoupledMLPGenerator(opts.noise_dim, data.n_classes, opts.generator_dims, d,
                                        TabularHead(data.layout))
        self.install(generator, CoupledMLPCritic(d, data.n_classes, opts.critic_dims))


@hookimpl
def register_backends(register):
    register(CoGANBackend)
