"""Shared network blocks for backends: MLPs, residual layers, tabular output heads."""

from __future__ import annotations

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
        layers += [wrap(nn.Linear(in_dim, width)), nn.LeakyReLU(slope)]
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


class ImageGenerator(nn.Module):
    """``G(z, c)`` for images: noise + class embedding -> 4x4 -> x2 upsampling blocks -> tanh.

    Each block is nearest upsampling, a 3x3 convolution, batch norm and ReLU
    (upsample + conv avoids the checkerboard artefacts of transposed convs).
    """

    def __init__(self, noise_dim: int, n_classes: int, channels: int, side: int, width: int) -> None:
        super().__init__()
        steps = upsampling_steps(side)
        widths = [width * 2 ** (steps - i) for i in range(steps + 1)]  # e.g. 256, 128, 64
        self.embed = nn.Linear(n_classes, noise_dim, bias=False)  # one-hot -> class embedding
        self.project = nn.Sequential(nn.Linear(2 * noise_dim, widths[0] * 16), nn.BatchNorm1d(widths[0] * 16),
                                     nn.ReLU())
        blocks = []
        for w_in, w_out in zip(widths, widths[1:]):
            blocks += [nn.Upsample(scale_factor=2), nn.Conv2d(w_in, w_out, 3, padding=1),
                       nn.BatchNorm2d(w_out), nn.ReLU()]
        self.blocks = nn.Sequential(*blocks)
        self.out = nn.Conv2d(widths[-1], channels, 3, padding=1)
        self.width0 = widths[0]

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # z: (n, z_dim), cond: (n, k) one-hot -> (n, C, side, side) in [-1, 1]
        h = self.project(torch.cat([z, self.embed(cond)], dim=1)).view(-1, self.width0, 4, 4)
        return torch.tanh(self.out(self.blocks(h)))

    def with_logits(self, z: torch.Tensor, cond: torch.Tensor) -> tuple[torch.Tensor, None]:
        return self(z, cond), None


class ProjectionCritic(nn.Module):
    """``D(x, c)`` with a projection head (Miyato & Koyama 2018), spectral norm on every layer.

    Stride-2 4x4 convolutions halve the image down to 4x4; the score is
    ``psi(phi(x)) + <embed(c), phi(x)>`` with ``phi`` the pooled features.
    """

    def __init__(self, n_classes: int, channels: int, side: int, width: int) -> None:
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        steps = upsampling_steps(side)
        widths = [width * 2**i for i in range(steps + 1)]  # e.g. 64, 128, 256
        layers = [sn(nn.Conv2d(channels, widths[0], 3, padding=1)), nn.LeakyReLU(0.2)]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [sn(nn.Conv2d(w_in, w_out, 4, stride=2, padding=1)), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        self.score = sn(nn.Linear(widths[-1], 1))
        self.embed = sn(nn.Linear(n_classes, widths[-1], bias=False))

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # x: (n, C, side, side), cond: (n, k) -> (n,)
        phi = self.features(x).sum(dim=(2, 3))  # (n, w)
        return self.score(phi).squeeze(1) + (self.embed(cond) * phi).sum(dim=1)
