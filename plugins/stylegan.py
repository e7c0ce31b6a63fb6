"""``stylegan``: a class-conditional StyleGAN2 generator (Karras et al. 2019, 2020), small.

- A mapping network turns ``[z, class embedding]`` into a style vector ``w``;
  the class enters only there, as in StyleGAN2-ADA's conditional model.
- The synthesis network starts from a learned 4x4 constant; every layer is a
  modulated, demodulated 3x3 convolution driven by ``w``, followed by per-pixel
  noise with a learned strength. RGB outputs of every resolution are summed
  (the "skip" generator).
- Style mixing regularisation: with probability ``mixing_prob`` a second
  ``w`` of the same class takes over from a random layer on, so layers can't
  rely on each other's styles.
- Truncation in W: each class' average ``w`` is tracked during training, and
  ``truncation=psi < 1`` pulls sampled styles towards it.

The discriminator is the shared residual projection critic with spectral
norm and the hinge loss; DiffAugment and EMA sampling come from ganaug.training.data_efficient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ganaug.plugin import (
    EqualizedLinear,
    Generator,
    ImageGANBackend,
    ImageGANOptions,
    ProjectionCritic,
    hookimpl,
    pixel_norm,
    upsampling_steps,
)


@dataclass
class StyleGANOptions(ImageGANOptions):
    """Options of the ``stylegan`` backend (see ImageGANOptions for the shared fields)."""

    lr_generator: float = 2e-3  # G's layers have equalised learning rates: weights ~N(0, 1), so a larger lr
    lr_critic: float = 4e-4
    style_dim: int = 64  # size of w
    mapping_layers: int = 4
    # the paper slows the mapping 100x (0.01) for runs of millions of images; in 1,500 steps that left
    # the class, which enters only through the mapping, unlearned (a digit classifier agreed with the
    # labels of 23% of samples after 500 steps at 0.01, 43% at 1.0)
    mapping_lr_mul: float = 1.0
    mixing_prob: float = 0.9  # style mixing regularisation; 0 turns it off
    truncation: float = 1.0  # sampling: psi in w = w_avg[c] + psi (w - w_avg[c]); 1 = no truncation

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.style_dim < 1 or self.mapping_layers < 1:
            raise ValueError("style_dim and mapping_layers must be >= 1")
        if not 0.0 <= self.mixing_prob <= 1.0 or self.truncation < 0:
            raise ValueError("mixing_prob must be in [0, 1] and truncation >= 0")


class ModulatedConv2d(nn.Module):
    """StyleGAN2's modulated convolution: a style scales the input channels of the weights.

    With ``demodulate`` each output filter is then rescaled to unit norm,
    which replaces AdaIN's instance normalisation without its droplet
    artefacts. Computed as StyleGAN2's non-fused variant: scale the input's
    channels, run one shared convolution, rescale the output's channels. It
    equals per-sample weights exactly and avoids a grouped convolution,
    which is several times slower on CPUs.
    """

    def __init__(self, w_in: int, w_out: int, kernel: int, style_dim: int, demodulate: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(w_out, w_in, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(w_out))
        self.affine = EqualizedLinear(style_dim, w_in, gain=1.0, bias_init=1.0)  # styles start at 1
        self.scale, self.demodulate = 1 / math.sqrt(w_in * kernel * kernel), demodulate

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        # x: (n, w_in, s, s), w: (n, style_dim) -> (n, w_out, s, s)
        style = self.affine(w)  # (n, w_in)
        weight = self.weight * self.scale  # (out, in, k, k)
        out = F.conv2d(x * style[:, :, None, None], weight, padding=weight.shape[-1] // 2)
        if self.demodulate:  # 1 / ||weight * style|| per sample and output filter: (n, out)
            norms = style.pow(2) @ weight.pow(2).sum(dim=(2, 3)).T
            out = out * torch.rsqrt(norms + 1e-8)[:, :, None, None]
        return out + self.bias.view(1, -1, 1, 1)


class NoiseInjection(nn.Module):
    """Adds per-pixel Gaussian noise with a learned per-layer strength (StyleGAN).

    ``rng`` (a CPU generator) makes sampling reproducible on every device;
    training draws from the global generator.
    """

    def __init__(self) -> None:
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor, rng: torch.Generator | None = None) -> torch.Tensor:
        n, _, h, w = x.shape
        if rng is None:
            noise = torch.randn(n, 1, h, w, device=x.device, dtype=x.dtype)
        else:
            noise = torch.randn(n, 1, h, w, generator=rng).to(x.device, x.dtype)
        return x + self.strength * noise


class StyleLayer(nn.Module):
    """Modulated 3x3 convolution, then noise, bias and leaky ReLU."""

    def __init__(self, w_in: int, w_out: int, style_dim: int) -> None:
        super().__init__()
        self.conv = ModulatedConv2d(w_in, w_out, 3, style_dim)
        self.noise = NoiseInjection()

    def forward(self, x: torch.Tensor, w: torch.Tensor, rng: torch.Generator | None) -> torch.Tensor:
        return F.leaky_relu(self.noise(self.conv(x, w), rng), 0.2) * 2**0.5


class StyleGenerator(Generator):
    """``G(z, c)``: mapping network to ``w``, then synthesis from a constant with per-layer styles."""

    def __init__(self, noise_dim: int, n_classes: int, channels: int, side: int, width: int,
                 style_dim: int, mapping_layers: int, mixing_prob: float, mapping_lr_mul: float) -> None:
        super().__init__()
        steps = upsampling_steps(side)
        widths = [width * 2 ** (steps - i) for i in range(steps + 1)]  # per resolution, 4x4 first
        self.embed = EqualizedLinear(n_classes, noise_dim, gain=1.0)  # one-hot -> class embedding
        dims = [2 * noise_dim] + [style_dim] * mapping_layers
        self.mapping = nn.ModuleList(EqualizedLinear(a, b, lr_mul=mapping_lr_mul)
                                     for a, b in zip(dims, dims[1:]))
        self.constant = nn.Parameter(torch.randn(1, widths[0], 4, 4))
        self.layers = nn.ModuleList([StyleLayer(widths[0], widths[0], style_dim)])
        self.to_rgb = nn.ModuleList([ModulatedConv2d(widths[0], channels, 1, style_dim, demodulate=False)])
        for w_in, w_out in zip(widths, widths[1:]):
            self.layers.extend([StyleLayer(w_in, w_out, style_dim), StyleLayer(w_out, w_out, style_dim)])
            self.to_rgb.append(ModulatedConv2d(w_out, channels, 1, style_dim, demodulate=False))
        self.mixing_prob = mixing_prob
        # the running mean of w per class, for truncation; a buffer, so it is saved and EMA-copied
        self.register_buffer("w_avg", torch.zeros(n_classes, style_dim))

    def map(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # z: (n, noise_dim), cond: (n, k) -> w: (n, style_dim)
        h = torch.cat([pixel_norm(z), pixel_norm(self.embed(cond))], dim=1)  # (n, 2 * noise_dim)
        for layer in self.mapping:
            h = F.leaky_relu(layer(h), 0.2) * 2**0.5
        return h

    def forward(self, z: torch.Tensor, cond: torch.Tensor, truncation: float = 1.0,
                rng: torch.Generator | None = None) -> torch.Tensor:
        # -> (n, C, side, side) in [-1, 1]
        w = self.map(z, cond)
        if self.training:
            self._track_average(w, cond)
        elif truncation != 1.0:
            center = cond @ self.w_avg  # (n, style_dim): each sample's class average
            w = center + truncation * (w - center)
        styles = self._styles(w, z, cond)  # one (n, style_dim) per layer
        x = self.constant.expand(len(z), -1, -1, -1)
        x = self.layers[0](x, styles[0], rng)
        rgb = self.to_rgb[0](x, styles[0])
        for i, to_rgb in enumerate(self.to_rgb[1:]):
            x = F.interpolate(x, scale_factor=2)
            x = self.layers[2 * i + 1](x, styles[2 * i + 1], rng)
            x = self.layers[2 * i + 2](x, styles[2 * i + 2], rng)
            rgb = F.interpolate(rgb, scale_factor=2) + to_rgb(x, styles[2 * i + 2])
        return torch.tanh(rgb)

    @torch.no_grad()
    def _track_average(self, w: torch.Tensor, cond: torch.Tensor, beta: float = 0.995) -> None:
        counts = cond.sum(dim=0)  # (k,) samples of each class in the batch
        seen = counts > 0
        means = (cond.T @ w)[seen] / counts[seen, None]  # (k_seen, style_dim)
        self.w_avg[seen] = self.w_avg[seen].lerp(means, 1 - beta)

    def _styles(self, w: torch.Tensor, z: torch.Tensor, cond: torch.Tensor) -> list[torch.Tensor]:
        n_layers = len(self.layers)
        if not self.training or torch.rand(()) >= self.mixing_prob:
            return [w] * n_layers
        # style mixing: a second w of the same class drives the layers from a random cut on
        other = self.map(torch.randn_like(z), cond)
        cut = int(torch.randint(1, n_layers, ())) if n_layers > 1 else n_layers
        return [w] * cut + [other] * (n_layers - cut)


class StyleGANBackend(ImageGANBackend):
    """Conditional StyleGAN2: mapping network, modulated convs, noise, style mixing, W truncation."""

    name = "stylegan"
    Options = StyleGANOptions
    reference = "Karras et al., StyleGAN, CVPR 2019; StyleGAN2, CVPR 2020"

    def networks(self, channels: int, side: int, n_classes: int) -> tuple[nn.Module, nn.Module]:
        opts = self.options
        generator = StyleGenerator(opts.noise_dim, n_classes, channels, side, opts.width,
                                   opts.style_dim, opts.mapping_layers, opts.mixing_prob, opts.mapping_lr_mul)
        return generator, ProjectionCritic(n_classes, channels, side, opts.width, residual=True)

    def generate_batch(self, net: nn.Module, z: torch.Tensor, cond: torch.Tensor,
                       generator: torch.Generator) -> torch.Tensor:
        # noise inputs from the sampling generator: the same images on every device
        return net(z, cond, truncation=self.options.truncation, rng=generator)


@hookimpl
def register_backends(register):
    register(StyleGANBackend)
