"""Shared network blocks for backends: MLPs, residual layers, tabular output heads."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

if TYPE_CHECKING:
    from ganaug.encoders import Span


def one_hot(labels: torch.Tensor, n_classes: int) -> torch.Tensor:
    """``(n,)`` int64 labels -> ``(n, n_classes)`` float32 one-hot."""
    return F.one_hot(labels, n_classes).float()


def mlp(
    in_dim: int,
    hidden: Sequence[int],
    out_dim: int,
    *,
    slope: float = 0.2,
    dropout: float = 0.0,
    spectral: bool = False,
) -> nn.Sequential:
    """Linear -> LeakyReLU (-> Dropout) stack ending in a bare Linear.

    ``spectral`` wraps every linear layer in spectral normalisation, a cheap
    Lipschitz constraint that steadies discriminators on small data.
    """
    wrap = nn.utils.parametrizations.spectral_norm if spectral else (lambda m: m)
    layers: list[nn.Module] = []
    for width in hidden:
        # in place: one activation buffer less per layer (sampling millions of rows is memory-bound)
        layers += [wrap(nn.Linear(in_dim, width)), nn.LeakyReLU(slope, inplace=True)]
        if dropout:
            layers.append(nn.Dropout(dropout))
        in_dim = width
    layers.append(wrap(nn.Linear(in_dim, out_dim)))
    return nn.Sequential(*layers)


class ResidualLayer(nn.Module):
    """Linear -> BatchNorm -> ReLU whose output is concatenated to its input.

    Concatenation (rather than addition) keeps the noise and condition visible
    to every later layer, which helps generators on narrow tabular data.
    """

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.fc = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (n, in) -> (n, in + out)
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


def residual_mlp(in_dim: int, hidden: Sequence[int], out_dim: int) -> nn.Sequential:
    """Stack of :class:`ResidualLayer` ending in a Linear to ``out_dim``."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers.append(ResidualLayer(in_dim, width))
        in_dim += width
    layers.append(nn.Linear(in_dim, out_dim))
    return nn.Sequential(*layers)


def segment_log_softmax(logits: torch.Tensor, groups: torch.Tensor, n_groups: int) -> torch.Tensor:
    """Log-softmax of ``logits`` within each group of columns, all groups at once.

    ``logits`` is ``(n, s)``; ``groups`` is ``(s,)`` with the group index of
    each column. One fused pass replaces a Python loop over groups, which
    dominated step time on tables with many one-hot groups.
    """
    index = groups.expand(logits.shape[0], -1)  # (n, s)
    top = torch.full((logits.shape[0], n_groups), -torch.inf, device=logits.device, dtype=logits.dtype)
    top = top.scatter_reduce(1, index, logits.detach(), "amax")  # (n, g) per-group max
    shifted = logits - top.gather(1, index)
    sums = torch.zeros_like(top).scatter_add(1, index, shifted.exp())  # (n, g)
    return shifted - sums.log().gather(1, index)


class TabularHead(nn.Module):
    """Turns raw generator outputs into encoded rows, span by span.

    ``tanh`` spans are squashed to (-1, 1), ``linear`` spans pass through and
    ``softmax`` spans (one-hot groups) become a relaxed one-hot: Gumbel-softmax
    with temperature ``tau`` when ``gumbel`` (and training), else a softmax.
    """

    def __init__(self, layout: Sequence[Span], gumbel: bool = False, tau: float = 0.2) -> None:
        super().__init__()
        self.gumbel, self.tau = gumbel, tau
        width = sum(s.width for s in layout)
        tanh = torch.zeros(width, dtype=torch.bool)
        for s in layout:
            if s.activation == "tanh":
                tanh[s.start : s.start + s.width] = True
        groups = [s for s in layout if s.activation == "softmax"]
        soft_columns = [c for s in groups for c in range(s.start, s.start + s.width)]
        soft_groups = [g for g, s in enumerate(groups) for _ in range(s.width)]
        self.n_groups = len(groups)
        self.register_buffer("tanh_mask", tanh, persistent=False)
        self.register_buffer("soft_columns", torch.tensor(soft_columns, dtype=torch.long), persistent=False)
        self.register_buffer("soft_groups", torch.tensor(soft_groups, dtype=torch.long), persistent=False)

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        # raw: (n, d) -> (n, d)
        out = torch.where(self.tanh_mask, torch.tanh(raw), raw)
        if not self.n_groups:
            return out
        logits = raw[:, self.soft_columns]  # (n, s)
        if self.gumbel and self.training:
            gumbels = -torch.empty_like(logits).exponential_().log()
            logits = (logits + gumbels) / self.tau
        soft = segment_log_softmax(logits, self.soft_groups, self.n_groups).exp()
        return out.index_copy(1, self.soft_columns, soft)


class ConditionalGenerator(nn.Module):
    """``G(z, c)``: concatenates noise and a condition vector, then a body and a head."""

    def __init__(self, body: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.body, self.head = body, head

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # z: (n, z_dim), cond: (n, c) -> (n, d)
        return self.with_logits(z, cond)[0]

    def with_logits(self, z: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(samples, logits)``: the head's output and its input, both ``(n, d)``."""
        logits = self.body(torch.cat([z, cond], dim=1))
        return self.head(logits), logits


class ConditionalCritic(nn.Module):
    """``D(x, c)`` over packs of ``pac`` rows (PacGAN), one score per pack.

    Judging several samples jointly lets the critic see a lack of diversity,
    which counters mode collapse; ``pac=1`` is an ordinary discriminator.
    """

    def __init__(self, body: nn.Module, pac: int = 1) -> None:
        super().__init__()
        self.body, self.pac = body, pac

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, d), cond: (n, c) -> (n // pac,)
        joint = torch.cat([x, cond], dim=1)
        return self.body(joint.reshape(joint.shape[0] // self.pac, -1)).squeeze(1)


@torch.no_grad()
def update_ema(average: nn.Module, current: nn.Module, decay: float) -> None:
    """Move ``average``'s weights towards ``current``'s (EMA); copy its buffers (batch-norm stats)."""
    for avg, new in zip(average.parameters(), current.parameters()):
        avg.lerp_(new, 1.0 - decay)
    for avg, new in zip(average.buffers(), current.buffers()):
        avg.copy_(new)


# ---- image blocks ----------------------------------------------------------------
def upsampling_steps(side: int) -> int:
    """Number of x2 steps from 4x4 to ``side`` (a power-of-two multiple of 4)."""
    steps = 0
    while 4 * 2**steps < side:
        steps += 1
    return steps


def spectral(module: nn.Module, on: bool = True) -> nn.Module:
    """``module`` under spectral normalisation (Miyato et al. 2018) when ``on``."""
    return nn.utils.parametrizations.spectral_norm(module) if on else module


class SelfAttention2d(nn.Module):
    """Self-attention over feature-map positions (SAGAN, Zhang et al. 2019).

    Every position attends to every position of a 2x max-pooled copy (as in
    the SAGAN and BigGAN code), so distant strokes can agree. ``gamma`` starts
    at zero: the block begins as the identity and learns how much to attend.
    """

    def __init__(self, channels: int, sn: bool = True) -> None:
        super().__init__()
        inner, values = max(1, channels // 8), max(1, channels // 2)
        self.query = spectral(nn.Conv2d(channels, inner, 1, bias=False), sn)
        self.key = spectral(nn.Conv2d(channels, inner, 1, bias=False), sn)
        self.value = spectral(nn.Conv2d(channels, values, 1, bias=False), sn)
        self.out = spectral(nn.Conv2d(values, channels, 1, bias=False), sn)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (n, c, h, w) -> (n, c, h, w)
        n, _, h, w = x.shape
        pool = (lambda t: F.max_pool2d(t, 2)) if min(h, w) >= 8 else (lambda t: t)
        query = self.query(x).flatten(2)  # (n, c/8, hw)
        key = pool(self.key(x)).flatten(2)  # (n, c/8, m), m = hw/4 (or hw)
        value = pool(self.value(x)).flatten(2)  # (n, c/2, m)
        attention = torch.softmax(query.transpose(1, 2) @ key, dim=-1)  # (n, hw, m)
        attended = (value @ attention.transpose(1, 2)).view(n, -1, h, w)  # (n, c/2, h, w)
        return x + self.gamma * self.out(attended)


def _attention_at(side: int, attention_at: int | None, channels: int, sn: bool) -> list[nn.Module]:
    # an empty list when not wanted, so layer indices (and saved models' keys) stay as they were
    return [SelfAttention2d(channels, sn)] if attention_at == side else []


class ImageGenerator(nn.Module):
    """``G(z, c)`` for images: noise + class embedding -> 4x4 -> x2 upsampling blocks -> tanh.

    Each block is nearest upsampling, a 3x3 convolution, batch norm and ReLU
    (upsample + conv avoids the checkerboard artefacts of transposed convs).
    ``attention_at`` puts a :class:`SelfAttention2d` after the block of that
    side; ``sn`` puts spectral norm on every layer (SAGAN).
    """

    def __init__(self, noise_dim: int, n_classes: int, channels: int, side: int, width: int,
                 attention_at: int | None = None, sn: bool = False) -> None:
        super().__init__()
        steps = upsampling_steps(side)
        widths = [width * 2 ** (steps - i) for i in range(steps + 1)]  # e.g. 256, 128, 64
        self.embed = nn.Linear(n_classes, noise_dim, bias=False)  # one-hot -> class embedding
        self.project = nn.Sequential(spectral(nn.Linear(2 * noise_dim, widths[0] * 16), sn),
                                     nn.BatchNorm1d(widths[0] * 16), nn.ReLU())
        blocks = _attention_at(4, attention_at, widths[0], sn)
        for i, (w_in, w_out) in enumerate(zip(widths, widths[1:])):
            blocks += [nn.Upsample(scale_factor=2), spectral(nn.Conv2d(w_in, w_out, 3, padding=1), sn),
                       nn.BatchNorm2d(w_out), nn.ReLU(), *_attention_at(8 * 2**i, attention_at, w_out, sn)]
        self.blocks = nn.Sequential(*blocks)
        self.out = spectral(nn.Conv2d(widths[-1], channels, 3, padding=1), sn)
        self.width0 = widths[0]

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # z: (n, z_dim), cond: (n, k) one-hot -> (n, C, side, side) in [-1, 1]
        h = self.project(torch.cat([z, self.embed(cond)], dim=1)).view(-1, self.width0, 4, 4)
        return torch.tanh(self.out(self.blocks(h)))

    def with_logits(self, z: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, None]:
        return self(z, cond), None


class ResidualDownBlock(nn.Module):
    """D's residual block (BigGAN): (ReLU) conv3 ReLU conv3 (avg-pool) plus a 1x1 shortcut."""

    def __init__(self, w_in: int, w_out: int, downsample: bool = True, preactivate: bool = True) -> None:
        super().__init__()
        self.conv1 = spectral(nn.Conv2d(w_in, w_out, 3, padding=1))
        self.conv2 = spectral(nn.Conv2d(w_out, w_out, 3, padding=1))
        self.skip = spectral(nn.Conv2d(w_in, w_out, 1))
        self.downsample, self.preactivate = downsample, preactivate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (n, w_in, s, s) -> (n, w_out, s/2, s/2) when downsampling
        h = self.conv2(F.relu(self.conv1(F.relu(x) if self.preactivate else x)))
        skip = self.skip(x)
        if self.downsample:
            h, skip = F.avg_pool2d(h, 2), F.avg_pool2d(skip, 2)
        return h + skip


class ProjectionCritic(nn.Module):
    """``D(x, c)`` with a projection head (Miyato & Koyama 2018), spectral norm on every layer.

    The image is halved down to 4x4, either by stride-2 4x4 convolutions
    (DCGAN) or by :class:`ResidualDownBlock` s (``residual=True``, BigGAN and
    StyleGAN-style backends); ``attention_at`` adds self-attention at that
    side. The score is ``psi(phi(x)) + <embed(c), phi(x)>`` with ``phi`` the
    sum-pooled features.
    """

    def __init__(self, n_classes: int, channels: int, side: int, width: int,
                 attention_at: int | None = None, residual: bool = False) -> None:
        super().__init__()
        steps = upsampling_steps(side)
        widths = [width * 2**i for i in range(steps + 1)]  # e.g. 64, 128, 256
        if residual:
            layers = [ResidualDownBlock(channels, widths[0], downsample=False, preactivate=False)]
        else:
            layers = [spectral(nn.Conv2d(channels, widths[0], 3, padding=1)), nn.LeakyReLU(0.2)]
        layers += _attention_at(side, attention_at, widths[0], True)
        for i, (w_in, w_out) in enumerate(zip(widths, widths[1:])):
            layers += [ResidualDownBlock(w_in, w_out)] if residual else \
                [spectral(nn.Conv2d(w_in, w_out, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
            layers += _attention_at(side // 2 ** (i + 1), attention_at, w_out, True)
        if residual:
            layers.append(nn.ReLU())
        self.features = nn.Sequential(*layers)
        self.score = spectral(nn.Linear(widths[-1], 1))
        self.embed = spectral(nn.Linear(n_classes, widths[-1], bias=False))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, C, side, side), cond: (n, k) -> (n,)
        phi = self.features(x).sum(dim=(2, 3))  # (n, w)
        return self.score(phi).squeeze(1) + (self.embed(cond) * phi).sum(dim=1)


# ---- conditional normalisation and regularisers (BigGAN) ---------------------------
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


# ---- equalised learning rate, pixel norm, style modulation (ProGAN, StyleGAN) -------
class EqualizedLinear(nn.Linear):
    """Linear layer with weights drawn from N(0, 1) and scaled at run time (Karras et al. 2018).

    Scaling in ``forward`` instead of at initialisation gives every layer the
    same effective learning rate under Adam. ``lr_mul`` slows a layer down
    (StyleGAN's mapping network uses 0.01).
    """

    def __init__(self, in_dim: int, out_dim: int, gain: float = 2**0.5, lr_mul: float = 1.0,
                 bias_init: float = 0.0) -> None:
        super().__init__(in_dim, out_dim)
        nn.init.normal_(self.weight, std=1.0 / lr_mul)
        nn.init.constant_(self.bias, bias_init / lr_mul)
        self.scale, self.lr_mul = gain * lr_mul / math.sqrt(in_dim), lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


class EqualizedConv2d(nn.Conv2d):
    """Same-padded convolution with run-time He scaling (see :class:`EqualizedLinear`)."""

    def __init__(self, w_in: int, w_out: int, kernel: int, gain: float = 2**0.5) -> None:
        super().__init__(w_in, w_out, kernel, padding=kernel // 2)
        nn.init.normal_(self.weight)
        nn.init.zeros_(self.bias)
        self.scale = gain / math.sqrt(w_in * kernel * kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.weight * self.scale, self.bias)


def pixel_norm(x: torch.Tensor) -> torch.Tensor:
    """Normalise each position's feature vector to unit mean square (ProGAN's PixelNorm)."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


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


# ---- translation and coupled networks (CycleGAN, CoGAN) ------------------------------
class ResidualConvBlock(nn.Module):
    """conv3 -> instance norm -> ReLU -> conv3 -> instance norm, added to the input (CycleGAN)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)  # (n, c, s, s)


class ImageTranslator(nn.Module):
    """``T(x, c)``: an image and a target class -> an image of the same shape (CycleGAN's generator).

    The condition vector is broadcast to extra input channels (as in
    StarGAN), so one network translates towards any class. Encoder: a 3x3
    conv and up to two stride-2 convs; ``blocks`` residual blocks; decoder:
    upsample + conv back to the input side, then tanh.
    """

    def __init__(self, channels: int, cond_dim: int, side: int, width: int, blocks: int = 2) -> None:
        super().__init__()
        down = min(2, upsampling_steps(side))  # 8x8 -> 4x4; 32x32 -> 8x8

        def conv(w_in: int, w_out: int, stride: int = 1) -> list[nn.Module]:
            return [nn.Conv2d(w_in, w_out, 3, stride=stride, padding=1),
                    nn.InstanceNorm2d(w_out, affine=True), nn.ReLU()]

        layers, w = conv(channels + cond_dim, width), width
        for _ in range(down):
            layers, w = layers + conv(w, 2 * w, stride=2), 2 * w
        layers += [ResidualConvBlock(w) for _ in range(blocks)]
        for _ in range(down):
            layers, w = layers + [nn.Upsample(scale_factor=2), *conv(w, w // 2)], w // 2
        self.net = nn.Sequential(*layers, nn.Conv2d(w, channels, 3, padding=1))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, C, s, s), cond: (n, k) -> (n, C, s, s) in [-1, 1]
        maps = cond[:, :, None, None].expand(-1, -1, *x.shape[-2:])
        return torch.tanh(self.net(torch.cat([x, maps.to(x.dtype)], dim=1)))


def route(branches: nn.ModuleList, x: torch.Tensor, domains: torch.Tensor) -> torch.Tensor:
    """Apply ``branches[d]`` to the rows of ``x`` whose domain is ``d`` (CoGAN's per-domain layers)."""
    out = None
    for d in domains.unique().tolist():
        rows = torch.nonzero(domains == d).squeeze(1)
        part = branches[d](x[rows])
        out = part.new_zeros(len(x), *part.shape[1:]) if out is None else out
        out = out.index_copy(0, rows, part)  # out of place, so gradients reach every branch
    return out


class CoupledImageGenerator(nn.Module):
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

    def with_logits(self, z: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, None]:
        return self(z, cond), None


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


class CoupledMLPGenerator(nn.Module):
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
