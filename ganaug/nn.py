"""Network blocks that two or more backends share, and the :class:`Generator` base every generator has.

A block used by one backend lives in that backend's plugin module (timm's
layout: a model file keeps its own blocks and takes shared ones from here).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from ganaug._deprecated import moved

if TYPE_CHECKING:
    from ganaug.data.span import Span


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

    row_wise = True  # each output row depends on its input row alone (ganaug.training.stacked)

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


class Generator(nn.Module):
    """Base of every generator network: ``forward(z, cond)`` returns samples.

    The training loop calls :meth:`with_logits`, which also returns the
    pre-activation outputs that ``generator_extra_loss`` may use (CTGAN's
    cross-entropy on one-hot groups); a generator without such outputs
    returns None there, which is what this default does.
    """

    def with_logits(self, z: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(samples, logits)``; ``logits`` is None here."""
        return self(z, cond), None


class ConditionalGenerator(Generator):
    """``G(z, c)``: concatenates noise and a condition vector, then a body and a head."""

    row_wise = True  # each output row depends on its input row alone (ganaug.training.stacked)

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

    row_wise = True  # each output row depends on its input row alone (ganaug.training.stacked)

    def __init__(self, body: nn.Module, pac: int = 1) -> None:
        super().__init__()
        self.body, self.pac = body, pac

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, d), cond: (n, c) -> (n // pac,)
        joint = torch.cat([x, cond], dim=1)
        return self.body(joint.reshape(joint.shape[0] // self.pac, -1)).squeeze(1)


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


class ImageGenerator(Generator):
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


# ---- equalised learning rate and pixel norm (ProGAN, StyleGAN) ---------------------
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


def pixel_norm(x: torch.Tensor) -> torch.Tensor:
    """Normalise each position's feature vector to unit mean square (ProGAN's PixelNorm)."""
    return x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)


# blocks that one backend uses moved into its plugin (ganaug 0.2); the old names resolve there until 0.3
__getattr__ = moved(__name__, {
    "ResidualLayer": "ganaug_plugins.ctgan", "residual_mlp": "ganaug_plugins.ctgan",
    "update_ema": "ganaug.training.data_efficient",
    "ConditionalBatchNorm2d": "ganaug_plugins.biggan", "ResidualUpBlock": "ganaug_plugins.biggan",
    "orthogonal_penalty": "ganaug_plugins.biggan", "truncated_normal": "ganaug_plugins.biggan",
    "EqualizedConv2d": "ganaug_plugins.progan", "minibatch_stddev": "ganaug_plugins.progan",
    "ModulatedConv2d": "ganaug_plugins.stylegan", "NoiseInjection": "ganaug_plugins.stylegan",
    "ResidualConvBlock": "ganaug_plugins.cyclegan", "ImageTranslator": "ganaug_plugins.cyclegan",
    "route": "ganaug_plugins.cogan", "CoupledImageGenerator": "ganaug_plugins.cogan",
    "CoupledImageCritic": "ganaug_plugins.cogan", "CoupledMLPGenerator": "ganaug_plugins.cogan",
    "CoupledMLPCritic": "ganaug_plugins.cogan",
})
