"""``biggan``: BigGAN (Brock et al. 2019) scaled down for small images.

What makes BigGAN, at a size that trains on a CPU:

- class-conditional batch norm in every generator block, its gains and biases
  computed from a *shared* class embedding concatenated with a chunk of the
  latent vector (the hierarchical latent: each resolution gets its own chunk);
- residual up-blocks in G, residual down-blocks and a projection head in D,
  spectral norm on both, the hinge loss, and one self-attention block;
- orthogonal regularisation of G's convolutions, which keeps G smooth enough
  for the truncation trick;
- the truncation trick at sampling time: latent values are redrawn until they
  lie within ``truncation`` (0 switches it off), trading variety for fidelity;
- EMA of G's weights for sampling, and DiffAugment (from ganaug.training.data_efficient).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ganaug.plugin import (
    Generator,
    ImageGANBackend,
    ImageGANOptions,
    ProjectionCritic,
    SelfAttention2d,
    hookimpl,
    spectral,
    upsampling_steps,
)


@dataclass
class BigGANOptions(ImageGANOptions):
    """Options of the ``biggan`` backend (see ImageGANOptions for the shared fields)."""

    betas: tuple[float, float] = (0.0, 0.999)
    shared_dim: int = 32  # size of the shared class embedding fed to every conditional batch norm
    attention_side: int = 16  # self-attention after the G block (and D layer) of this side
    orthogonal_reg: float = 1e-4  # weight of the orthogonal regulariser on G's convolutions
    truncation: float = 0.0  # sampling: redraw latent values beyond this; 0 = no truncation

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.shared_dim < 1 or self.orthogonal_reg < 0 or self.truncation < 0:
            raise ValueError("shared_dim must be >= 1, orthogonal_reg and truncation >= 0")


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose gain and bias are linear functions of a condition vector (BigGAN)."""

    def __init__(self, channels: int, cond_dim: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = spectral(nn.Linear(cond_dim, channels, bias=False))
        self.bias = spectral(nn.Linear(cond_dim, channels, bias=False))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, c, h, w), cond: (n, d) -> (n, c, h, w)
        gain = 1 + self.gain(cond)[:, :, None, None]  # starts near 1: plain batch norm
        return self.norm(x) * gain + self.bias(cond)[:, :, None, None]


class ResidualUpBlock(nn.Module):
    """G's residual block (BigGAN): CBN ReLU up conv3 CBN ReLU conv3, plus an upsampled 1x1 shortcut."""

    def __init__(self, w_in: int, w_out: int, cond_dim: int) -> None:
        super().__init__()
        self.norm1 = ConditionalBatchNorm2d(w_in, cond_dim)
        self.norm2 = ConditionalBatchNorm2d(w_out, cond_dim)
        self.conv1 = spectral(nn.Conv2d(w_in, w_out, 3, padding=1))
        self.conv2 = spectral(nn.Conv2d(w_out, w_out, 3, padding=1))
        self.skip = spectral(nn.Conv2d(w_in, w_out, 1))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, w_in, s, s), cond: (n, d) -> (n, w_out, 2s, 2s)
        h = F.interpolate(F.relu(self.norm1(x, cond)), scale_factor=2)
        h = self.conv2(F.relu(self.norm2(self.conv1(h), cond)))
        return h + self.skip(F.interpolate(x, scale_factor=2))


def orthogonal_penalty(module: nn.Module) -> torch.Tensor:
    """BigGAN's orthogonal regulariser: sum of ``||W W^T * (1 - I)||_F^2`` over conv weights.

    Only the off-diagonal of the filters' Gram matrix is penalised, so
    filters are pushed apart without fixing their norms (Brock et al. 2019).
    """
    total = None
    for conv in (m for m in module.modules() if isinstance(m, nn.Conv2d)):
        weight = conv.weight.flatten(1)  # (out, in * k * k)
        gram = weight @ weight.T  # (out, out)
        term = (gram * (1 - torch.eye(len(gram), device=gram.device))).pow(2).sum()
        total = term if total is None else total + term
    return torch.zeros(()) if total is None else total


def truncated_normal(shape: tuple[int, ...], threshold: float, generator: torch.Generator) -> torch.Tensor:
    """Standard normal draws, each redrawn until ``|z| <= threshold`` (BigGAN's truncation trick)."""
    z = torch.randn(shape, generator=generator)
    outside = z.abs() > threshold
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=generator)
        outside = z.abs() > threshold
    return z


class BigGANGenerator(Generator):
    """``G(z, c)``: z is split into one chunk per resolution (the hierarchical latent).

    The first chunk becomes the 4x4 map; every residual block's conditional
    batch norms see ``[shared_embedding(c), z_chunk]``.
    """

    def __init__(self, noise_dim: int, n_classes: int, channels: int, side: int, width: int,
                 shared_dim: int, attention_at: int) -> None:
        super().__init__()
        steps = upsampling_steps(side)
        widths = [width * 2 ** (steps - i) for i in range(steps + 1)]
        self.chunk = noise_dim // (steps + 1)  # latent values per resolution; the remainder is unused
        self.shared = nn.Linear(n_classes, shared_dim, bias=False)  # one-hot -> shared class embedding
        # N(0, 1) like an nn.Embedding: with Linear's small default init z drowned out the class (a digit
        # classifier agreed with 4% of sample labels after 500 steps, 39% with this init)
        nn.init.normal_(self.shared.weight)
        self.project = spectral(nn.Linear(self.chunk, widths[0] * 16))
        cond_dim = shared_dim + self.chunk
        self.blocks = nn.ModuleList(ResidualUpBlock(a, b, cond_dim) for a, b in zip(widths, widths[1:]))
        sides = [8 * 2**i for i in range(steps)]
        self.attention = nn.ModuleDict({str(i): SelfAttention2d(w) for i, (s, w) in
                                        enumerate(zip(sides, widths[1:])) if s == attention_at})
        self.out = nn.Sequential(nn.BatchNorm2d(widths[-1]), nn.ReLU(),
                                 spectral(nn.Conv2d(widths[-1], channels, 3, padding=1)), nn.Tanh())
        self.width0 = widths[0]

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # z: (n, noise_dim), cond: (n, k) one-hot -> (n, C, side, side)
        chunks = z[:, : self.chunk * (len(self.blocks) + 1)].split(self.chunk, dim=1)
        shared = self.shared(cond)  # (n, shared_dim)
        h = self.project(chunks[0]).view(-1, self.width0, 4, 4)
        for i, (block, chunk) in enumerate(zip(self.blocks, chunks[1:])):
            h = block(h, torch.cat([shared, chunk], dim=1))  # (n, w_i, 8 * 2^i, 8 * 2^i)
            if str(i) in self.attention:
                h = self.attention[str(i)](h)
        return self.out(h)


class BigGANBackend(ImageGANBackend):
    """Conditional BigGAN: CBN with a shared embedding, hierarchical z, orthogonal reg., truncation."""

    name = "biggan"
    Options = BigGANOptions
    reference = "Brock et al., Large Scale GAN Training (BigGAN), ICLR 2019"

    def networks(self, channels: int, side: int, n_classes: int) -> tuple[nn.Module, nn.Module]:
        opts = self.options
        if opts.noise_dim < upsampling_steps(side) + 1:
            raise ValueError(f"noise_dim must be >= {upsampling_steps(side) + 1} for {side}px images "
                             "(one latent chunk per resolution)")
        at = min(opts.attention_side, side)
        generator = BigGANGenerator(opts.noise_dim, n_classes, channels, side, opts.width,
                                    opts.shared_dim, at)
        return generator, ProjectionCritic(n_classes, channels, side, opts.width, attention_at=at,
                                           residual=True)

    def generator_extra_loss(self, logits: torch.Tensor | None, cond: torch.Tensor) -> torch.Tensor | None:
        if not self.options.orthogonal_reg:
            return None
        return self.options.orthogonal_reg * orthogonal_penalty(self.generator)

    def sample_noise(self, n: int, generator: torch.Generator) -> torch.Tensor:
        # read at sampling time, so a fitted model can be re-sampled with another truncation
        if self.options.truncation > 0:
            return truncated_normal((n, self.options.noise_dim), self.options.truncation, generator)
        return super().sample_noise(n, generator)


@hookimpl
def register_backends(register):
    register(BigGANBackend)
