"""Training K same-shaped models as one: their linear layers stacked, one step for all.

A GAN on a table of a few thousand rows is bound by per-operation overhead:
a step of 32 rows costs about what a step of 256 does. So K models whose
linear layers are stacked into batched matrix products (``baddbmm`` over
``(K, in, out)`` weights) train in little more than the time of one. The
folds of :func:`ganaug.evaluate`, the per-class generators of one fit and an
ensemble of seeds (:func:`ganaug.fit_many`) are all K models of one shape.

How the stack stays K independent models:

- rows ``[i * b, (i + 1) * b)`` of every tensor belong to model ``i``; each
  model draws its batch from its own rows, by its own batch sampler;
- every other layer works row by row (activations, the tabular head, the
  class one-hot joined to the input, PacGAN's packs of rows within a model),
  or per block of rows (batch norm);
- the loss is a mean of per-row terms (:attr:`AdversarialLoss.batchable`), so
  K times the mean over the stack is the sum of the models' own losses, and
  each model's weights get exactly their own gradient;
- Adam and RMSprop work element by element, so one optimiser over stacked
  weights is K optimisers.

What differs from K separate fits: the random draws (batches, noise) come
from one stream, so the models are not the ones sequential fits give, and a
non-finite loss rolls all K back together. A backend says it can be stacked
with the class flag ``batchable``; the modules it builds must be made of
``nn.Linear``, ``nn.BatchNorm1d`` (each model keeps its own statistics) and
modules that work row by row (``torch.nn`` activations, or a class of yours
with ``row_wise = True``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from ganaug.backend import Backend, TrainingControl, TrainingData
from ganaug.devices import is_distributed, seeded
from ganaug.nn import TabularHead
from ganaug.training.batches import ClassBatches
from ganaug.training.padding import PaddedHead, Padding, why_not_padded

# torch.nn modules that act on each row (each element) alone
ROW_WISE_MODULES: tuple[type[nn.Module], ...] = (
    nn.Sequential, nn.Identity, nn.Dropout, nn.LeakyReLU, nn.ReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Tanh,
    nn.Sigmoid, nn.Softplus,
)


def rows_of(blocks: torch.Tensor) -> torch.Tensor:
    """``(K, n, d)`` as ``(K * n, d)``: the same memory, not tracked by autograd as a view.

    Why: the layer after a stacked one is often an in-place activation
    (``LeakyReLU(inplace=True)``). On a view, autograd records an in-place
    change of its base (``CopySlices``, ``AsStridedBackward``) and copies the
    block at every step (the speed page has the cost); values and gradients
    are the same. ``_unsafe_view`` is what ``torch.matmul`` uses when it folds
    batch dimensions, for the same reason.
    """
    return torch.ops.aten._unsafe_view(blocks, (blocks.shape[0] * blocks.shape[1], blocks.shape[2]))


class StackedLinear(nn.Module):
    """K linear layers, model ``i`` applied to the ``i``-th of K equal blocks of rows.

    ``weight`` is ``(K, in, out)`` (each model's weight, transposed) and
    ``bias`` ``(K, 1, out)``; the input ``(K * n, in)`` becomes ``(K * n, out)``.
    """

    def __init__(self, layers: Sequence[nn.Linear]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.stack([layer.weight.detach().t() for layer in layers]))
        has_bias = layers[0].bias is not None
        self.bias = nn.Parameter(torch.stack([layer.bias.detach()[None] for layer in layers])) \
            if has_bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (K * n, in) -> (K, n, in) -> (K, n, out) -> (K * n, out)
        models = self.weight.shape[0]
        rows = x.reshape(models, x.shape[0] // models, x.shape[-1])  # explicit: a table may have 0 columns
        if self.bias is None:
            out = torch.bmm(rows, self.weight)
        else:
            out = torch.baddbmm(self.bias, rows, self.weight)
        return rows_of(out)

    def unstack_into(self, index: int, layer: nn.Linear) -> None:
        """Copy model ``index``'s weights into ``layer``."""
        with torch.no_grad():
            layer.weight.copy_(self.weight[index].t())
            if self.bias is not None:
                layer.bias.copy_(self.bias[index, 0])


class StackedBatchNorm1d(nn.Module):
    """K ``BatchNorm1d`` layers, each normalising its own block of rows with its own statistics.

    ``weight``, ``bias``, ``running_mean`` and ``running_var`` are ``(K, d)``;
    the input ``(K * n, d)`` keeps its shape. Training normalises by each
    block's batch mean and biased variance and updates the running
    statistics with the unbiased one, as ``BatchNorm1d`` does.
    """

    def __init__(self, norms: Sequence[nn.BatchNorm1d]) -> None:
        super().__init__()
        first = norms[0]
        self.eps, self.momentum = first.eps, first.momentum
        self.weight = nn.Parameter(torch.stack([n.weight.detach() for n in norms]))
        self.bias = nn.Parameter(torch.stack([n.bias.detach() for n in norms]))
        self.register_buffer("running_mean", torch.stack([n.running_mean for n in norms]))
        self.register_buffer("running_var", torch.stack([n.running_var for n in norms]))
        self.register_buffer("num_batches_tracked", torch.stack([n.num_batches_tracked for n in norms]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (K * n, d) -> (K, n, d) -> (K * n, d)
        models = self.weight.shape[0]
        rows = x.reshape(models, x.shape[0] // models, x.shape[-1])
        if self.training:
            mean, var = rows.mean(1), rows.var(1, unbiased=False)  # (K, d) each
            with torch.no_grad():
                n = rows.shape[1]
                self.num_batches_tracked.add_(1)
                # momentum None: a cumulative average, as BatchNorm1d keeps one
                momentum = self.momentum if self.momentum is not None else \
                    1.0 / float(self.num_batches_tracked[0])
                self.running_mean.lerp_(mean, momentum)
                self.running_var.lerp_(var * n / max(n - 1, 1), momentum)
        else:
            mean, var = self.running_mean, self.running_var
        scale = torch.rsqrt(var[:, None] + self.eps) * self.weight[:, None]  # (K, 1, d)
        return rows_of((rows - mean[:, None]) * scale + self.bias[:, None])

    def unstack_into(self, index: int, norm: nn.BatchNorm1d) -> None:
        """Copy model ``index``'s parameters and running statistics into ``norm``."""
        with torch.no_grad():
            for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
                getattr(norm, name).copy_(getattr(self, name)[index])


STACKED = {nn.Linear: StackedLinear, nn.BatchNorm1d: StackedBatchNorm1d}  # what stacks, and how


def not_stackable(module: nn.Module) -> str | None:
    """The first part of ``module`` that cannot be stacked, as ``"name (Type)"``; None if all can."""
    for name, part in module.named_modules():
        kind = type(part)
        if kind in STACKED or kind in ROW_WISE_MODULES or getattr(kind, "row_wise", False):
            continue
        return f"{name or 'the module'} ({kind.__name__})"
    return None


def stack_modules(modules: Sequence[nn.Module]) -> nn.Module:
    """One module computing all of ``modules`` (same structure) on K blocks of rows.

    A copy of the first, each ``nn.Linear`` replaced by a :class:`StackedLinear`
    of the K models' layers; the other parts hold no trained weights.
    """
    stacked = copy.deepcopy(modules[0])
    for name, part in list(stacked.named_modules()):
        if type(part) in STACKED:
            parent, _, child = name.rpartition(".")
            layers = [m.get_submodule(name) for m in modules]
            setattr(stacked.get_submodule(parent), child, STACKED[type(part)](layers).to(part.weight.device))
    return stacked


def unstack_modules(stacked: nn.Module, modules: Sequence[nn.Module]) -> None:
    """Copy each model's trained weights from ``stacked`` back into ``modules``."""
    for name, part in stacked.named_modules():
        if isinstance(part, StackedLinear | StackedBatchNorm1d):
            for index, module in enumerate(modules):
                part.unstack_into(index, module.get_submodule(name))


class StackedBatches:
    """The K models' batch samplers as one: ``sample(b)`` gives ``K * b`` rows, model-major.

    Rows index the models' data concatenated: model ``i``'s rows are offset
    by the rows of the models before it. Plain :class:`ClassBatches` are
    drawn all at once (three operations per batch instead of three per model).
    """

    def __init__(self, samplers: Sequence[Any], sizes: Sequence[int]) -> None:
        self.samplers = list(samplers)
        self.offsets = [sum(sizes[:i]) for i in range(len(sizes))]
        self.joint = all(type(sampler) is ClassBatches for sampler in self.samplers)
        if self.joint:
            width = max(len(sampler.counts) for sampler in self.samplers)

            def padded(values: torch.Tensor, fill: float = 0) -> torch.Tensor:
                return torch.nn.functional.pad(values, (0, width - len(values)), value=fill)

            self.class_probs = torch.stack([padded(b.class_probs) for b in self.samplers])  # (K, classes)
            self.counts = torch.stack([padded(b.counts) for b in self.samplers])  # (K, classes)
            self.order = torch.cat([b.order + offset for b, offset in zip(self.samplers, self.offsets)])
            # (K, classes): where each model's class starts in the joint order
            self.starts = torch.stack([padded(b.starts) + offset
                                       for b, offset in zip(self.samplers, self.offsets)])

    def sample(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``(row_indices, class_indices)``, each ``(K * batch_size,)``."""
        if self.joint:
            classes = torch.multinomial(self.class_probs, batch_size, replacement=True)  # (K, b)
            offsets = (torch.rand(classes.shape) * self.counts.gather(1, classes)).long()
            return self.order[self.starts.gather(1, classes) + offsets].reshape(-1), classes.reshape(-1)
        draws = [sampler.sample(batch_size) for sampler in self.samplers]
        rows = torch.cat([r + offset for (r, _), offset in zip(draws, self.offsets)])
        return rows, torch.cat([classes for _, classes in draws])


class _StackedRun:
    """Mixed into a backend's class for the stacked run: its batches, epochs and loss scale."""

    stack_size: int
    member_batches: StackedBatches
    member_epochs: list[int]

    def make_batches(self, data: TrainingData) -> StackedBatches:
        return self.member_batches

    def epoch_lengths(self, n_rows: int, batch_size: int) -> list[int]:
        return self.member_epochs

    def optimize(self, optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        # K x the mean over the stack = the sum of the K models' own losses: each gets its own gradient
        super().optimize(optimizer, loss * self.stack_size)  # type: ignore[misc]


def why_not_stacked(backends: Sequence[Backend], datas: Sequence[TrainingData],
                    controls: Sequence[TrainingControl]) -> str | None:
    """Why these set-up backends cannot train as one stack, or None when they can."""
    first, first_data = backends[0], datas[0]
    if not getattr(type(first), "batchable", False):
        return f"backend {first.name!r} does not declare batchable = True"
    if is_distributed() or first.options.compile:
        return "distributed or compiled training"
    if any(control.path is not None for control in controls):
        return "checkpoints are written per model"
    if not getattr(first.make_loss(), "batchable", False):
        return "its loss is not a mean of per-row terms"
    if set(first.modules()) != {"generator", "critic"}:
        return "it keeps more than a generator and a critic"
    for net in (first.generator, first.critic):
        part = not_stackable(net)
        if part is not None:
            return f"{part} does not work row by row"
    if any(stack_key(b, d, loose=True) != stack_key(first, first_data, loose=True)
           for b, d in zip(backends, datas)):
        return "the models differ in backend, options, classes or number of steps"
    if any(stack_key(b, d) != stack_key(first, first_data) for b, d in zip(backends, datas)):
        reason = why_not_padded(backends, [d.layout for d in datas])
        if reason is not None:
            return f"their encoded columns differ and cannot be padded: {reason}"
    return None


def stack_groups(backends: Sequence[Backend], datas: Sequence[TrainingData]) -> list[list[int]]:
    """The models (by index) that train together: one group per stack, in order; alone in groups of one.

    Models that differ only in their encoded columns share a group when
    they can be padded to a common layout (:mod:`ganaug.training.padding`),
    else each column layout makes a group of its own.
    """
    loose: dict[tuple, list[int]] = {}
    for index, (backend, data) in enumerate(zip(backends, datas)):
        loose.setdefault(stack_key(backend, data, loose=True), []).append(index)
    groups = []
    for members in loose.values():
        exact: dict[tuple, list[int]] = {}
        for index in members:
            exact.setdefault(stack_key(backends[index], datas[index]), []).append(index)
        if len(exact) > 1 and why_not_padded([backends[i] for i in members],
                                             [datas[i].layout for i in members]) is None:
            groups.append(members)
        else:
            groups += list(exact.values())
    return groups


def stack_key(backend: Backend, data: TrainingData, loose: bool = False) -> tuple:
    """What models must share to train in one stack: backend, options, column layout, classes, steps.

    Folds of one table can differ in their columns: a category missing from
    one fold's rows, or a column constant in it, changes the encoded
    columns. ``loose`` leaves the columns out (they may be padded).
    """
    opts = backend.options
    batch = max(backend.pac, opts.batch_size // backend.pac * backend.pac)
    lengths = backend.epoch_lengths(len(data.X), batch)
    # a run of `steps` has as many steps on any rows (its epochs are only how its losses are logged)
    steps = tuple(lengths) if opts.epochs is not None else sum(lengths)
    columns = () if loose else (tuple(data.layout), tuple(data.X.shape[1:]))
    return (type(backend), repr(opts), *columns, data.n_classes, steps)


def fit_stacked(backends: Sequence[Backend], datas: Sequence[TrainingData], seed: int) -> None:
    """Train set-up ``backends`` (each on its ``datas``) as one stack; copy the weights back.

    The caller has checked :func:`why_not_stacked`. Training draws from
    ``seed``; each backend's ``history_`` gets the losses of the stack (the
    mean over its models). Models whose encoded columns differ are padded
    to a common layout (:mod:`ganaug.training.padding`) and sliced back.
    """
    first = backends[0]
    padding = None if len({tuple(d.layout) for d in datas}) == 1 else Padding.plan([d.layout for d in datas])
    if padding is not None:
        padded = [padding.pad_nets(i, b) for i, b in enumerate(backends)]
        generators, critics = [g for g, _ in padded], [c for _, c in padded]
        datas = [padding.pad_data(i, d) for i, d in enumerate(datas)]
    else:
        generators, critics = [b.generator for b in backends], [b.critic for b in backends]
    cls = type(first)
    run_cls = type(f"Stacked{cls.__name__}", (_StackedRun, cls), {"__module__": __name__})
    lead: Any = object.__new__(run_cls)
    lead.__dict__.update(first.__dict__)
    lead.history_, lead.fit_state = [], None
    lead.generator = stack_modules(generators)
    lead.critic = stack_modules(critics)
    if padding is not None:
        head = first.generator.head
        lead.generator.head = PaddedHead(TabularHead(padding.layout, head.gumbel, head.tau), padding.keep(),
                                         padding.closed).to(first.device)
        lead.layout_, lead.n_features_, lead.sample_shape_ = padding.layout, padding.width, (padding.width,)
    lead.stack_size = len(backends)
    batch = max(first.pac, first.options.batch_size // first.pac * first.pac)
    lead.member_epochs = first.epoch_lengths(len(datas[0].X), batch)
    lead.member_batches = StackedBatches([b.make_batches(d) for b, d in zip(backends, datas)],
                                         [len(d.X) for d in datas])
    stacked = TrainingData(torch.cat([d.X for d in datas]), torch.cat([d.y for d in datas]),
                           datas[0].n_classes, datas[0].layout, datas[0].kind)
    with seeded(seed, first.device):
        try:
            lead.train(stacked, TrainingControl())
            lead.on_fit_end()
        finally:
            lead.fit_state = None
    unstack_modules(lead.generator, generators)
    unstack_modules(lead.critic, critics)
    for index, backend in enumerate(backends):
        if padding is not None:
            padding.unpad(index, backend, generators[index], critics[index])
        backend.history_ = copy.deepcopy(lead.history_)
