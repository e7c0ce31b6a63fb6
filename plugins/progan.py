"""``progan``: Progressive Growing of GANs (Karras et al. 2018), class-conditional.

Training starts at 4x4 and doubles the resolution in phases until it reaches
the data's. A new resolution is faded in: for a while the output is a blend,
``alpha * new_layers + (1 - alpha) * upsampled_previous_output``, with alpha
going from 0 to 1; the critic fades in its new input layers the same way.
The schedule is a function of the generator step, so it survives resume.

ProGAN's other parts are here too: equalised learning rate on every layer,
pixel norm after every generator convolution, a minibatch standard deviation
channel in the critic's last block, and the Wasserstein loss with gradient
penalty. Class conditioning: the class embedding joins z in G, and D has a
projection head. DiffAugment and EMA sampling come from ganaug.training.data_efficient.

Both networks always take and give images at the data's resolution: G
upsamples its current output (nearest), D average-pools its input down to
the current resolution, so the training loop and sampling need not know.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from ganaug.plugin import (
    EqualizedLinear,
    Generator,
    ImageGANBackend,
    ImageGANOptions,
    hookimpl,
    pixel_norm,
    upsampling_steps,
)


@dataclass
class ProGANOptions(ImageGANOptions):
    """Options of the ``progan`` backend (see ImageGANOptions for the shared fields)."""

    lr_generator: float = 1e-3  # equalised learning rate: every layer learns at this rate
    lr_critic: float = 1e-3
    loss: Literal["hinge", "non-saturating", "wgan-gp"] = "wgan-gp"
    ema_decay: float = 0.995  # shorter than the others: new layers train only in the later phases


class EqualizedConv2d(nn.Conv2d):
    """Same-padded convolution with run-time He scaling (see :class:`EqualizedLinear`)."""

    def __init__(self, w_in: int, w_out: int, kernel: int, gain: float = 2**0.5) -> None:
        super().__init__(w_in, w_out, kernel, padding=kernel // 2)
        nn.init.normal_(self.weight)
        nn.init.zeros_(self.bias)
        self.scale = gain / math.sqrt(w_in * kernel * kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.weight * self.scale, self.bias)


def minibatch_stddev(x: torch.Tensor, group: int = 4) -> torch.Tensor:
    """Append one channel: the mean feature std over a group of samples (ProGAN).

    A batch of near-identical fakes gets a tell-tale low value, so the
    critic can punish a lack of variety.
    """
    n, c, h, w = x.shape
    g = math.gcd(n, group)  # a group size that divides the batch
    stats = x.view(g, n // g, c, h, w).var(dim=0, unbiased=False).add(1e-8).sqrt()  # (n/g, c, h, w)
    stats = stats.mean(dim=(1, 2, 3)).repeat(g).view(n, 1, 1, 1).expand(n, 1, h, w)
    return torch.cat([x, stats], dim=1)  # (n, c + 1, h, w)


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


class Growing(nn.Module):
    """The current resolution ``level`` (0 = 4x4) and fade-in ``alpha``, set by the backend."""

    def __init__(self, levels: int) -> None:
        super().__init__()
        self.levels, self.level, self.alpha = levels, levels - 1, 1.0  # built fully grown

    def grow_to(self, level: int, alpha: float) -> None:
        self.level, self.alpha = level, alpha


class ProGenerator(Growing, Generator):
    """``G(z, c)`` grown from 4x4; always returns ``(n, C, side, side)`` (upsampled while small)."""

    def __init__(self, noise_dim: int, n_classes: int, channels: int, side: int, width: int) -> None:
        steps = upsampling_steps(side)
        super().__init__(steps + 1)
        widths = [width * 2 ** (steps - i) for i in range(steps + 1)]
        self.embed = EqualizedLinear(n_classes, noise_dim, gain=1.0)
        self.project = EqualizedLinear(2 * noise_dim, widths[0] * 16, gain=2**0.5 / 4)
        self.first = EqualizedConv2d(widths[0], widths[0], 3)
        self.blocks = nn.ModuleList(nn.ModuleList([EqualizedConv2d(a, b, 3), EqualizedConv2d(b, b, 3)])
                                    for a, b in zip(widths, widths[1:]))
        self.to_rgb = nn.ModuleList(EqualizedConv2d(w, channels, 1, gain=1.0) for w in widths)
        self.width0, self.side = widths[0], side

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        latent = pixel_norm(torch.cat([z, self.embed(cond)], dim=1))  # (n, 2 * noise_dim)
        x = pixel_norm(_lrelu(self.project(latent).view(-1, self.width0, 4, 4)))
        x = pixel_norm(_lrelu(self.first(x)))
        previous = x
        for conv1, conv2 in self.blocks[: self.level]:
            previous = x
            x = F.interpolate(x, scale_factor=2)
            x = pixel_norm(_lrelu(conv2(pixel_norm(_lrelu(conv1(x))))))
        rgb = self.to_rgb[self.level](x)  # (n, C, s, s) at the current resolution
        if self.level > 0 and self.alpha < 1:  # fade-in: blend with the previous resolution's output
            rgb = self.alpha * rgb + (1 - self.alpha) * F.interpolate(self.to_rgb[self.level - 1](previous),
                                                                      scale_factor=2)
        return torch.tanh(F.interpolate(rgb, size=self.side))


class ProCritic(Growing):
    """``D(x, c)`` that sees ``x`` pooled to the current resolution; projection head for the class."""

    def __init__(self, n_classes: int, channels: int, side: int, width: int) -> None:
        steps = upsampling_steps(side)
        super().__init__(steps + 1)
        widths = [width * 2 ** (steps - i) for i in range(steps + 1)]  # indexed by level, 4x4 first
        self.from_rgb = nn.ModuleList(EqualizedConv2d(channels, w, 1) for w in widths)
        self.blocks = nn.ModuleList(nn.ModuleList([EqualizedConv2d(b, b, 3), EqualizedConv2d(b, a, 3)])
                                    for a, b in zip(widths, widths[1:]))  # block i: level i+1 -> level i
        self.last = EqualizedConv2d(widths[0] + 1, widths[0], 3)  # +1: the minibatch-std channel
        self.dense = EqualizedLinear(widths[0] * 16, widths[0])
        self.score = EqualizedLinear(widths[0], 1, gain=1.0)
        self.embed = EqualizedLinear(n_classes, widths[0], gain=1.0)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, C, side, side), cond: (n, k) -> (n,)
        x = F.adaptive_avg_pool2d(x, 4 * 2**self.level)  # the current resolution
        h = _lrelu(self.from_rgb[self.level](x))
        if self.level > 0:
            h = self._down(h, self.level - 1)
            if self.alpha < 1:  # fade-in: blend with the previous resolution's input layer
                coarse = _lrelu(self.from_rgb[self.level - 1](F.avg_pool2d(x, 2)))
                h = self.alpha * h + (1 - self.alpha) * coarse
        for level in range(self.level - 2, -1, -1):
            h = self._down(h, level)
        h = _lrelu(self.last(minibatch_stddev(h)))  # (n, w0, 4, 4)
        phi = _lrelu(self.dense(h.flatten(1)))  # (n, w0)
        return self.score(phi).squeeze(1) + (self.embed(cond) * phi).sum(dim=1)

    def _down(self, h: torch.Tensor, block: int) -> torch.Tensor:
        conv1, conv2 = self.blocks[block]
        return F.avg_pool2d(_lrelu(conv2(_lrelu(conv1(h)))), 2)


class ProGANBackend(ImageGANBackend):
    """Conditional ProGAN: progressive growing with fade-in, equalised LR, pixel norm, minibatch std."""

    name = "progan"
    Options = ProGANOptions
    reference = "Karras et al., Progressive Growing of GANs, ICLR 2018"
    ddp_unused_parameters = True  # layers of resolutions not yet grown get no gradients

    def networks(self, channels: int, side: int, n_classes: int) -> tuple[nn.Module, nn.Module]:
        opts = self.options
        return (ProGenerator(opts.noise_dim, n_classes, channels, side, opts.width),
                ProCritic(n_classes, channels, side, opts.width))

    def sampling_generator(self) -> nn.Module:
        net = super().sampling_generator()
        net.grow_to(net.levels - 1, 1.0)  # always sample fully grown, however short the run
        return net

    def before_step(self) -> None:
        level, alpha = growth_schedule(self.generator_steps_done(), self.fit_state.total_steps,
                                       self.generator.levels)
        self.generator.grow_to(level, alpha)
        self.critic.grow_to(level, alpha)


def growth_schedule(step: int, total: int, levels: int) -> tuple[int, float]:
    """``(level, alpha)`` at generator ``step`` of ``total``.

    The run is cut into ``2 * levels`` equal phases: 4x4 alone, then a fade-in
    and a stable phase per new resolution; the full resolution also gets the
    last phase, so it trains longest.
    """
    phase_length = max(1, total // (2 * levels))
    phase = min(step // phase_length, 2 * levels - 2)
    level = (phase + 1) // 2
    fading = phase % 2 == 1
    alpha = (step - phase * phase_length) / phase_length if fading else 1.0
    return level, min(alpha, 1.0)


@hookimpl
def register_backends(register):
    register(ProGANBackend)
