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
norm, DiffAugment and EMA sampling (ganaug.training.data_efficient); tables: MLPs with the
tabular output head.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ganaug.plugin import (
    AdversarialBackend,
    DataEfficientTraining,
    DataShape,
    Generator,
    ImageGANOptions,
    MLPOptions,
    TabularHead,
    hookimpl,
    mlp,
    spectral,
    upsampling_steps,
)


@dataclass
class CoGANOptions(ImageGANOptions, MLPOptions):
    """Options of the ``cogan`` backend: the image backends' and, for tables, the MLP widths."""

    source_class: object = None  # per-class models: the domain each class is coupled with; None: the largest
    generator_dims: tuple[int, ...] = (128, 128)  # tables: G's shared layers (the last feeds the heads)
    critic_dims: tuple[int, ...] = (128, 128)  # tables: D's per-domain first layer, then the shared ones


def route(branches: nn.ModuleList, x: torch.Tensor, domains: torch.Tensor) -> torch.Tensor:
    """Apply ``branches[d]`` to the rows of ``x`` whose domain is ``d`` (CoGAN's per-domain layers)."""
    out = None
    for d in domains.unique().tolist():
        rows = torch.nonzero(domains == d).squeeze(1)
        part = branches[d](x[rows])
        out = part.new_zeros(len(x), *part.shape[1:]) if out is None else out
        out = out.index_copy(0, rows, part)  # out of place, so gradients reach every branch
    return out


class CoupledImageGenerator(Generator):
    """CoGAN's generators: one trunk shared by every domain, the last layers per domain.

    The trunk (noise -> 4x4 -> every upsampling block) is the shared
    high-level structure; each domain's head (two 3x3 convs at full
    resolution) renders its own details. ``cond`` is a one-hot of the domain.
    """

    def __init__(self, noise_dim: int, n_domains: int, channels: int, side: int, width: int) -> None:
        super().__init__()
        steps = upsampling_steps(side)
        widths = [width * 2 ** (steps - i) for i in range(steps + 1)]  # e.g. 64, 32 for 8x8
        self.project = nn.Sequential(nn.Linear(noise_dim, widths[0] * 16), nn.BatchNorm1d(widths[0] * 16),
                                     nn.ReLU())
        trunk: list[nn.Module] = []
        for w_in, w_out in zip(widths, widths[1:]):
            trunk += [nn.Upsample(scale_factor=2), nn.Conv2d(w_in, w_out, 3, padding=1),
                      nn.BatchNorm2d(w_out), nn.ReLU()]
        self.trunk = nn.Sequential(*trunk)
        w = widths[-1]
        self.heads = nn.ModuleList(nn.Sequential(
            nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(), nn.Conv2d(w, channels, 3, padding=1),
            nn.Tanh()) for _ in range(n_domains))
        self.width0 = widths[0]

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # z: (n, z_dim), cond: (n, k) one-hot -> (n, C, side, side)
        h = self.trunk(self.project(z).view(-1, self.width0, 4, 4))
        return route(self.heads, h, cond.argmax(dim=1))


class CoupledImageCritic(nn.Module):
    """CoGAN's discriminators: one first layer per domain, every later layer shared (spectral norm)."""

    def __init__(self, n_domains: int, channels: int, side: int, width: int) -> None:
        super().__init__()
        steps = upsampling_steps(side)
        widths = [width * 2**i for i in range(steps + 1)]
        self.stems = nn.ModuleList(nn.Sequential(spectral(nn.Conv2d(channels, widths[0], 3, padding=1)),
                                                 nn.LeakyReLU(0.2)) for _ in range(n_domains))
        shared: list[nn.Module] = []
        for w_in, w_out in zip(widths, widths[1:]):
            shared += [spectral(nn.Conv2d(w_in, w_out, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
        self.shared = nn.Sequential(*shared)
        self.score = spectral(nn.Linear(widths[-1], 1))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, C, side, side), cond: (n, k) one-hot -> (n,)
        phi = self.shared(route(self.stems, x, cond.argmax(dim=1))).sum(dim=(2, 3))  # (n, w)
        return self.score(phi).squeeze(1)


class CoupledMLPGenerator(Generator):
    """CoGAN's generators for tables: shared hidden layers, one output layer per domain."""

    def __init__(self, noise_dim: int, n_domains: int, hidden: Sequence[int], width: int,
                 head: nn.Module) -> None:
        super().__init__()
        self.trunk = nn.Sequential(mlp(noise_dim, hidden[:-1], hidden[-1]), nn.LeakyReLU(0.2))
        self.heads = nn.ModuleList(nn.Linear(hidden[-1], width) for _ in range(n_domains))
        self.head = head

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.with_logits(z, cond)[0]

    def with_logits(self, z: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # z: (n, z_dim), cond: (n, k) one-hot -> ((n, d) rows, (n, d) logits)
        logits = route(self.heads, self.trunk(z), cond.argmax(dim=1))
        return self.head(logits), logits


class CoupledMLPCritic(nn.Module):
    """CoGAN's discriminators for tables: one first layer per domain, later layers shared."""

    def __init__(self, width: int, n_domains: int, hidden: Sequence[int]) -> None:
        super().__init__()
        self.stems = nn.ModuleList(nn.Sequential(spectral(nn.Linear(width, hidden[0])), nn.LeakyReLU(0.2))
                                   for _ in range(n_domains))
        self.shared = mlp(hidden[0], hidden[1:], 1, spectral=True)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, d), cond: (n, k) one-hot -> (n,)
        return self.shared(route(self.stems, x, cond.argmax(dim=1))).squeeze(1)


class CoGANBackend(DataEfficientTraining, AdversarialBackend):
    """Coupled generators (shared trunk, a head per class) and coupled discriminators."""

    name = "cogan"
    data_kinds = ("image", "tabular")
    conditional = True
    flatten_images = False
    Options = CoGANOptions
    reference = "Liu & Tuzel, Coupled Generative Adversarial Networks, NeurIPS 2016"
    pairs_with_source = True
    ddp_unused_parameters = True  # a batch may lack a class, whose head and stem then get no gradient

    def build(self, shape: DataShape) -> None:
        opts, k = self.options, shape.n_classes
        if shape.kind == "image":
            channels, side = shape.width, shape.side  # samples: (C, S, S)
            self.install(CoupledImageGenerator(opts.noise_dim, k, channels, side, opts.width),
                         CoupledImageCritic(k, channels, side, opts.width))
            return
        d, head = shape.width, TabularHead(shape.layout)
        self.install(CoupledMLPGenerator(opts.noise_dim, k, opts.generator_dims, d, head),
                     CoupledMLPCritic(d, k, opts.critic_dims))


@hookimpl
def register_backends(register):
    register(CoGANBackend)
