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


class TabularHead(nn.Module):
    """Turns raw generator outputs into encoded rows, span by span.

    ``tanh`` spans are squashed to (-1, 1), ``linear`` spans pass through and
    ``softmax`` spans (one-hot groups) become a relaxed one-hot: Gumbel-softmax
    with temperature ``tau`` when ``gumbel`` else a plain softmax.
    """

    def __init__(self, layout: Sequence[Span], gumbel: bool = False, tau: float = 0.2) -> None:
        super().__init__()
        self.gumbel, self.tau = gumbel, tau
        self.groups = [(s.start, s.start + s.width) for s in layout if s.activation == "softmax"]
        tanh = torch.zeros(sum(s.width for s in layout), dtype=torch.bool)
        for s in layout:
            if s.activation == "tanh":
                tanh[s.start : s.start + s.width] = True
        self.register_buffer("tanh_mask", tanh, persistent=False)

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        # raw: (n, d) -> (n, d)
        out = torch.where(self.tanh_mask, torch.tanh(raw), raw)
        pieces, last = [], 0
        for start, stop in self.groups:
            pieces += [out[:, last:start], self._relax(raw[:, start:stop])]
            last = stop
        pieces.append(out[:, last:])
        return torch.cat(pieces, dim=1)

    def _relax(self, logits: torch.Tensor) -> torch.Tensor:
        if self.gumbel and self.training:
            return F.gumbel_softmax(logits, tau=self.tau, hard=False)
        return F.softmax(logits, dim=1)


class ConditionalGenerator(nn.Module):
    """``G(z, c)``: concatenates noise and a condition vector, then a body and a head."""

    def __init__(self, body: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.body, self.head = body, head

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        # z: (n, z_dim), cond: (n, c) -> (n, d)
        return self.head(self.body(torch.cat([z, cond], dim=1)))


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


class EMA:
    """Exponential moving average of a module's weights, for smoother sampling."""

    def __init__(self, module: nn.Module, decay: float) -> None:
        import copy

        self.decay = decay
        self.shadow = copy.deepcopy(module).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        for avg, new in zip(self.shadow.parameters(), module.parameters()):
            avg.lerp_(new, 1.0 - self.decay)
        for avg, new in zip(self.shadow.buffers(), module.buffers()):
            avg.copy_(new)
