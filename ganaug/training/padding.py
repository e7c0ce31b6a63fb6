"""One stack for models whose tables encode to different columns: each padded to a common layout.

The folds of one table need not encode alike: a column constant in one
fold's rows takes no width there, and a category absent from one fold's rows
takes one slot less. Such models can still train as one stack
(:mod:`ganaug.training.stacked`) if every model's columns are placed in a
*common layout*: each span as wide as its widest model's, in table order.
A model's padded columns stay out of its computation:

- its rows have 0 in them, and its generator's output there is set to 0
  after the output head, so its critic sees 0 in real and generated rows;
- a slot padded onto one of its own softmax spans gets the logit ``-inf``
  before the head, so its softmax is over its own slots, as unpadded;
- its critic's weights on padded inputs start at 0, get no gradient (the
  input is always 0) and stay 0, so the gradient penalty's input gradient is
  its own.

So each padded model computes what its unpadded one would, and its trained
weights are sliced back (:meth:`Padding.unpad`). This applies to the MLP
family's nets: a :class:`~ganaug.nn.ConditionalGenerator` whose body ends in
an ``nn.Linear`` with a :class:`~ganaug.nn.TabularHead`, and a
:class:`~ganaug.nn.ConditionalCritic` whose body starts with one, of a
backend whose training does not read columns by position (CTGAN's
conditions do: its folds with different columns train one at a time).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ganaug.backend import Backend, TrainingData
from ganaug.data.span import Span
from ganaug.nn import ConditionalCritic, ConditionalGenerator, TabularHead
from ganaug.training.loop import AdversarialBackend


def common_layout(layouts: Sequence[Sequence[Span]]) -> tuple[Span, ...] | None:
    """Every span of ``layouts`` once, in their order, each as wide as its widest; None if they disagree.

    They disagree when two order their spans differently, or give one span
    two activations, or two widths to a span that is not a softmax group.
    """
    order: list[tuple] = []
    spans: dict[tuple, Span] = {}
    for layout in layouts:
        previous = -1
        for span in layout:
            key = (span.column, span.kind)
            if key not in spans:
                order.insert(previous + 1, key)
                spans[key] = span
            seen = spans[key]
            resized = seen.width != span.width and span.activation != "softmax"
            if seen.activation != span.activation or resized:
                return None
            spans[key] = span if span.width > seen.width else seen
            position = order.index(key)
            if position <= previous:
                return None
            previous = position
    common, start = [], 0
    for key in order:
        common.append(Span(key[0], key[1], start, spans[key].width, spans[key].activation))
        start += spans[key].width
    return tuple(common)


class PaddedHead(nn.Module):
    """The output head of a padded stack: each model's padded slots closed, its padded columns 0.

    ``keep`` and ``closed`` are ``(K, D)``: a model's own columns, and the
    slots padded onto its own softmax spans.
    """

    row_wise = True  # each block of rows is one model's (ganaug.training.stacked)

    def __init__(self, head: TabularHead, keep: torch.Tensor, closed: torch.Tensor) -> None:
        super().__init__()
        self.head = head
        self.register_buffer("keep", keep, persistent=False)
        self.register_buffer("closed", closed, persistent=False)

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        # raw: (K * n, D) -> (K, n, D) -> (K * n, D)
        models, width = self.keep.shape
        blocks = raw.reshape(models, -1, width)
        opened = torch.where(self.closed[:, None], -torch.inf, blocks).reshape(raw.shape)
        out = self.head(opened).reshape(models, -1, width)
        return torch.where(self.keep[:, None], out, 0.0).reshape(raw.shape)


@dataclass
class Padding:
    """Where each model's encoded columns sit in the common layout, and how its nets are padded."""

    layout: tuple[Span, ...]
    columns: list[torch.Tensor]  # per model: (d_i,) its columns' positions in the common layout
    closed: torch.Tensor  # (K, D): slots padded onto a model's own softmax spans

    @classmethod
    def plan(cls, layouts: Sequence[Sequence[Span]]) -> Padding | None:
        """The padding of models with these layouts, or None when they have no common layout."""
        common = common_layout(layouts)
        if common is None:
            return None
        place = {(s.column, s.kind): s for s in common}
        width = sum(s.width for s in common)
        columns, closed = [], torch.zeros(len(layouts), width, dtype=torch.bool)
        for i, layout in enumerate(layouts):
            own = [torch.arange(place[s.column, s.kind].start, place[s.column, s.kind].start + s.width)
                   for s in layout]
            columns.append(torch.cat(own) if own else torch.zeros(0, dtype=torch.long))
            for s in layout:
                wide = place[s.column, s.kind]
                closed[i, wide.start + s.width : wide.start + wide.width] = True
        return cls(common, columns, closed)

    @property
    def width(self) -> int:
        return sum(s.width for s in self.layout)

    def keep(self) -> torch.Tensor:
        """``(K, D)``: each model's own columns."""
        keep = torch.zeros(len(self.columns), self.width, dtype=torch.bool)
        for i, columns in enumerate(self.columns):
            keep[i, columns] = True
        return keep

    def pad_data(self, index: int, data: TrainingData) -> TrainingData:
        """Model ``index``'s rows in the common layout, 0 in its padded columns."""
        rows = data.X.new_zeros(len(data.X), self.width)
        rows[:, self.columns[index].to(rows.device)] = data.X
        return dataclasses.replace(data, X=rows, layout=self.layout)

    def pad_nets(self, index: int, backend: Backend) -> tuple[nn.Module, nn.Module]:
        """Copies of the model's generator and critic reading and writing the common layout."""
        generator, critic = copy.deepcopy(backend.generator), copy.deepcopy(backend.critic)
        generator.body[-1] = _with_outputs(generator.body[-1], self.columns[index], self.width)
        critic.body[0] = _with_inputs(critic.body[0], *self._critic_inputs(index, critic))
        return generator, critic

    def unpad(self, index: int, backend: Backend, generator: nn.Module, critic: nn.Module) -> None:
        """Load the trained padded nets of model ``index`` into ``backend``'s own nets."""
        rows, (cols, _) = self.columns[index], self._critic_inputs(index, backend.critic)
        g_state, c_state = generator.state_dict(), critic.state_dict()
        last = f"body.{len(generator.body) - 1}"
        g_state[f"{last}.weight"] = g_state[f"{last}.weight"][rows]
        g_state[f"{last}.bias"] = g_state[f"{last}.bias"][rows]
        c_state["body.0.weight"] = c_state["body.0.weight"][:, cols]
        backend.generator.load_state_dict(g_state)
        backend.critic.load_state_dict(c_state)

    def _critic_inputs(self, index: int, critic: ConditionalCritic) -> tuple[torch.Tensor, int]:
        """Where each input of model ``index``'s critic sits in the padded critic's, and how many it has.

        A critic reads ``pac`` blocks of (row, condition); the condition's
        width is the model's inputs per block less its columns.
        """
        own = self.columns[index]
        condition = critic.body[0].in_features // critic.pac - len(own)
        block = torch.cat([own, self.width + torch.arange(condition)])
        step = self.width + condition  # inputs per block, padded
        return torch.cat([p * step + block for p in range(critic.pac)]), step * critic.pac


def _zeros_like_linear(layer: nn.Linear, in_features: int, out_features: int) -> nn.Linear:
    """An ``nn.Linear`` of zeros on ``layer``'s device (not initialised: no draw from torch's generator)."""
    wide = nn.Linear(in_features, out_features, bias=layer.bias is not None, device="meta")
    wide = wide.to_empty(device=layer.weight.device)
    with torch.no_grad():
        for parameter in wide.parameters():
            parameter.zero_()
    return wide


def _with_outputs(layer: nn.Linear, rows: torch.Tensor, out_features: int) -> nn.Linear:
    """``layer`` widened to ``out_features`` outputs, its own at ``rows``; the rest 0 (nobody reads them)."""
    wide = _zeros_like_linear(layer, layer.in_features, out_features)
    with torch.no_grad():
        wide.weight[rows] = layer.weight
        if layer.bias is not None:
            wide.bias[rows] = layer.bias
    return wide


def _with_inputs(layer: nn.Linear, cols: torch.Tensor, in_features: int) -> nn.Linear:
    """``layer`` widened to ``in_features`` inputs, its own at ``cols``; the rest 0 (their input is 0)."""
    wide = _zeros_like_linear(layer, in_features, layer.out_features)
    with torch.no_grad():
        wide.weight[:, cols] = layer.weight
        if layer.bias is not None:
            wide.bias.copy_(layer.bias)
    return wide


def why_not_padded(backends: Sequence[Backend], layouts: Sequence[Sequence[Span]]) -> str | None:
    """Why these models cannot be padded to a common layout and trained as one stack, or None."""
    first = backends[0]
    cls = type(first)
    if cls.condition is not AdversarialBackend.condition or \
            cls.generator_extra_loss is not AdversarialBackend.generator_extra_loss:
        # its positions would be the common layout's, not its own (CTGAN's conditions on categories)
        return f"backend {first.name!r} reads columns by position in training (its own condition or loss)"
    for backend in backends:
        generator, critic = getattr(backend, "generator", None), getattr(backend, "critic", None)
        if not (isinstance(generator, ConditionalGenerator) and type(generator.head) is TabularHead
                and isinstance(generator.body, nn.Sequential) and type(generator.body[-1]) is nn.Linear
                and isinstance(critic, ConditionalCritic) and isinstance(critic.body, nn.Sequential)
                and type(critic.body[0]) is nn.Linear):
            return "its nets are not a conditional MLP generator and critic"
    if len({_unpadded_shapes(b, layout) for b, layout in zip(backends, layouts)}) > 1:
        return "their nets differ in more than the columns they read and write"
    if Padding.plan(layouts) is None:
        return "their column layouts have no common order"
    return None


def _unpadded_shapes(backend: Backend, layout: Sequence[Span]) -> tuple:
    """The nets' parameter shapes apart from the columns: what padded models must share."""
    width = sum(s.width for s in layout)
    generator, critic = backend.generator, backend.critic
    resized = (f"generator.body.{len(generator.body) - 1}.", "critic.body.0.")
    named = [(f"generator.{name}", p) for name, p in generator.named_parameters()] + \
        [(f"critic.{name}", p) for name, p in critic.named_parameters()]
    shapes = [(name, tuple(p.shape)) for name, p in named if not name.startswith(resized)]
    condition = critic.body[0].in_features // critic.pac - width
    return (tuple(shapes), generator.body[-1].in_features, critic.body[0].out_features, critic.pac, condition)
