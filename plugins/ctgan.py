"""``ctgan``: our implementation of the CTGAN method (Xu et al. 2019), tuned for oversampling.

From the paper: mode-specific normalisation of numeric columns (a Bayesian
Gaussian mixture per column), a conditional vector over discrete columns with
training-by-sampling and a cross-entropy term that makes G honour it, Gumbel-
softmax outputs for one-hot groups, a residual generator and a PacGAN critic
trained with WGAN-GP.

For oversampling the conditional vector always starts with the class one-hot,
classes are drawn with probability ~ n_c ** class_balance so rare classes get
many steps, and the mixtures are fitted on a subsample (``mixture_subsample``)
so preprocessing stays a small part of fit time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ganaug.plugin import (
    AdversarialBackend,
    AdversarialLoss,
    AdversarialOptions,
    ConditionalCritic,
    ConditionalGenerator,
    DataShape,
    TabularCodec,
    TabularHead,
    TrainingData,
    adam,
    get_loss,
    hookimpl,
    mlp,
    one_hot,
    segment_log_softmax,
)


@dataclass
class CTGANOptions(AdversarialOptions):
    """Options of the ``ctgan`` backend (see AdversarialOptions for the shared fields)."""

    steps: int = 300
    batch_size: int = 500
    noise_dim: int = 128
    generator_dims: tuple[int, ...] = (256, 256)  # residual layers
    critic_dims: tuple[int, ...] = (256, 256)
    lr_generator: float = 2e-4
    lr_critic: float = 2e-4
    weight_decay: float = 1e-6  # L2 on G's weights, as in the paper
    pac: int = 10  # rows per critic pack (PacGAN)
    gp_weight: float = 10.0
    gumbel_tau: float = 0.2  # temperature of the Gumbel-softmax on one-hot outputs
    max_modes: int = 10  # mixture components per numeric column
    mixture_subsample: int = 1000  # rows used to fit each column's mixture

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.pac < 1 or self.max_modes < 1 or self.mixture_subsample < 10:
            raise ValueError("pac and max_modes must be >= 1, mixture_subsample >= 10")
        if not self.gumbel_tau > 0:
            raise ValueError(f"gumbel_tau must be > 0, got {self.gumbel_tau}")


class ResidualLayer(nn.Module):
    """Linear -> BatchNorm -> ReLU whose output is concatenated to its input.

    Concatenation (rather than addition) keeps the noise and condition visible
    to every later layer, which helps generators on narrow tabular data.
    """

    row_wise = True  # its own work is row by row; its Linear and BatchNorm stack (ganaug.training.stacked)

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


class CTGANBackend(AdversarialBackend):
    """Conditional tabular GAN with mode-specific normalisation and training-by-sampling."""

    name = "ctgan"
    conditional = True
    Options = CTGANOptions
    reference = "Xu et al., Modeling Tabular Data using Conditional GAN, NeurIPS 2019"
    state_tensors = ("class_frequencies",)  # drawn from when sampling conditions
    batchable = True  # batch norm and packs of rows stay within each model of a stack

    @classmethod
    def make_codec(cls, options: Any, random_state: int) -> TabularCodec:
        """Mode-specific normalisation: a Gaussian mixture per numeric column (the paper's encoding)."""
        return TabularCodec("mode", options.max_modes, options.mixture_subsample, random_state)

    def make_loss(self) -> AdversarialLoss:
        return get_loss("wgan-gp", weight=self.options.gp_weight)

    def build(self, shape: DataShape) -> None:
        opts = self.options
        self.pac = opts.pac
        self._index_discrete(shape)
        c, d = self.condition_dim(shape), shape.width
        body = residual_mlp(opts.noise_dim + c, opts.generator_dims, d)
        head = TabularHead(shape.layout, gumbel=True, tau=opts.gumbel_tau)
        critic_body = mlp((d + c) * opts.pac, opts.critic_dims, 1, dropout=0.5)
        self.install(ConditionalGenerator(body, head), ConditionalCritic(critic_body, pac=opts.pac))

    def _index_discrete(self, shape: DataShape) -> None:
        """Locate the discrete one-hot groups (their per-class frequencies are filled by :meth:`setup`).

        A column's missing-value flag is a discrete column too, so the class'
        missing rate is learned by the same conditioning as its categories.
        """
        spans = [s for s in shape.layout if s.kind in ("categorical", "missing")]
        self.discrete_cols = torch.cat(
            [torch.arange(s.start, s.start + s.width) for s in spans]
        ) if spans else torch.zeros(0, dtype=torch.long)
        width, offset = len(self.discrete_cols), 0
        self.span_masks = torch.zeros(len(spans), width)  # (k, w) which cond slots a column owns
        self.cond_spans = []  # (start, stop) in the condition's discrete part
        for i, s in enumerate(spans):
            self.span_masks[i, offset : offset + s.width] = 1
            self.cond_spans.append((offset, offset + s.width))
            offset += s.width
        # (w,) which discrete column each condition slot belongs to
        self.cond_groups = torch.tensor([g for g, s in enumerate(spans) for _ in range(s.width)],
                                        dtype=torch.long, device=self.device)
        self.class_frequencies = torch.zeros(shape.n_classes, width)  # (k, w): filled by setup, or a file

    def setup(self, data: TrainingData) -> None:
        """The nets, then each class' frequency of every discrete value (drawn from when sampling)."""
        super().setup(data)
        counts = torch.zeros_like(self.class_frequencies)
        onehots = data.X[:, self.discrete_cols.to(data.X.device)].cpu()  # (n, w)
        counts.index_add_(0, data.y.cpu(), onehots)
        self.class_frequencies = counts / counts.clamp(min=1).sum(1, keepdim=True)  # per column slot

    def condition_dim(self, shape: DataShape) -> int:
        return shape.n_classes + len(self.discrete_cols)

    def condition(self, rows: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """Class one-hot + the real rows' value of one randomly chosen discrete column."""
        labels = one_hot(classes, self.n_classes_)
        if not self.cond_spans:
            return labels.to(self.device)
        column = torch.randint(len(self.cond_spans), (len(rows),))
        values = self.fit_state.data.X[rows.to(self.device)][:, self.discrete_cols.to(self.device)]
        discrete = values * self.span_masks[column].to(self.device)  # (b, w) one value set
        return torch.cat([labels.to(self.device), discrete], dim=1)

    def sample_condition(self, n: int, class_index: int, generator: torch.Generator) -> torch.Tensor:
        """Class one-hot + one discrete value drawn from the class' own frequencies."""
        labels = one_hot(torch.full((n,), class_index, dtype=torch.long), self.n_classes_)
        if not self.cond_spans:
            return labels
        column = torch.randint(len(self.cond_spans), (n,), generator=generator)
        probs = self.class_frequencies[class_index] * self.span_masks[column]  # (n, w)
        picked = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        return torch.cat([labels, F.one_hot(picked, probs.shape[1]).float()], dim=1)

    def generator_extra_loss(self, logits: torch.Tensor, cond: torch.Tensor) -> torch.Tensor | None:
        """Cross-entropy between G's logits and the discrete value it was asked for."""
        if not self.cond_spans:
            return None
        asked = cond[:, self.n_classes_ :]  # (b, w)
        discrete = logits[:, self.discrete_cols.to(self.device)]
        log_probs = segment_log_softmax(discrete, self.cond_groups, len(self.cond_spans))
        return -(asked * log_probs).sum(1).mean()

    def configure_optimizers(self) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        """Adam for both; weight decay on G's weights only, as in the paper."""
        opts = self.options
        return (adam(self.generator, opts.lr_generator, opts.betas, weight_decay=opts.weight_decay),
                adam(self.critic, opts.lr_critic, opts.betas))


@hookimpl
def register_backends(register):
    register(CTGANBackend)
