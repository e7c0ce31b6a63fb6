"""``cyclegan``: grow a class by translating samples of a source class into it (Zhu et al. 2017).

Two translators, G: source -> class and F: class -> source, and two
discriminators, one judging "a real sample of this class" and one "a real
source sample". Besides the adversarial losses, a cycle-consistency loss
(F(G(a)) = a, G(F(b)) = b) and an optional identity loss (G(b) = b, F(a) = a)
tie each translation to the sample it started from. As an oversampler
every new sample of a rare class starts from a real sample of the source
class (default: the largest), so the variety of the large class carries
over into the rare one.

One pair of translators serves every class to grow: the target class is a
one-hot input (broadcast to extra channels for images, as in StarGAN), and
with two classes this is exactly CycleGAN. ``conditioning="per-class"``
trains one plain two-domain CycleGAN per class instead. Images use
convolutional encoder / residual / decoder translators and projection
discriminators with DiffAugment; tables use MLP translators with the
tabular output head (the cycle loss is L1 on the encoded row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from ganaug.plugin import (
    AdversarialBackend,
    ClassBatches,
    ConditionalCritic,
    ConditionalGenerator,
    DataEfficientTraining,
    DataShape,
    Generator,
    ImageGANOptions,
    MLPOptions,
    ProjectionCritic,
    TabularHead,
    TrainingData,
    hookimpl,
    mlp,
    one_hot,
    upsampling_steps,
)


@dataclass
class CycleGANOptions(ImageGANOptions, MLPOptions):
    """Options of the ``cyclegan`` backend: the image backends' and, for tables, the MLP widths."""

    source_class: object = None  # the class whose samples are translated; None: the largest class
    loss: Literal["hinge", "non-saturating"] = "hinge"
    betas: tuple[float, float] = (0.5, 0.999)
    # The paper's weights (cycle 10, identity 5) suit style changes; turning one digit into another is
    # a change of shape, and they kept the samples source-shaped. Long-tailed digits, IR 50, seed 0,
    # balanced accuracy of SVC/kNN/logreg: 0.774 at 10/5 (least squares), 0.855 at 1/0, 0.878 at 0.5/0
    # with the hinge loss (0.871 with the paper's least-squares loss, which the example plugin
    # examples/ganaug-lsgan registers); at 0.1 the translators collapsed (0.830).
    cycle_weight: float = 0.5  # lambda of ||F(G(a)) - a||_1 + ||G(F(b)) - b||_1
    identity_weight: float = 0.0  # weight of ||G(b) - b||_1 + ||F(a) - a||_1 (the paper: half the cycle's)
    residual_blocks: int = 2  # residual blocks between the image translators' encoder and decoder
    max_source_rows: int = 2048  # translations start from at most this many source samples (saved)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.cycle_weight < 0 or self.identity_weight < 0:
            raise ValueError("cycle_weight and identity_weight must be >= 0")
        if self.residual_blocks < 0 or self.max_source_rows < 1:
            raise ValueError("residual_blocks must be >= 0 and max_source_rows >= 1")


class ResidualConvBlock(nn.Module):
    """conv3 -> instance norm -> ReLU -> conv3 -> instance norm, added to the input (CycleGAN)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.InstanceNorm2d(channels, affine=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)  # (n, c, s, s)


class ImageTranslator(Generator):
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


class CycleGANBackend(DataEfficientTraining, AdversarialBackend):
    """Class-conditional CycleGAN: translators source <-> class, cycle and identity losses."""

    name = "cyclegan"
    data_kinds = ("image", "tabular")
    conditional = True
    Options = CycleGANOptions
    reference = "Zhu et al., Unpaired Image-to-Image Translation using Cycle-Consistent GANs, ICCV 2017"
    pairs_with_source = True
    flatten_images = False
    supports_distributed = False
    supports_compile = False  # its steps call four networks directly
    state_tensors = ("source_pool",)

    def build(self, shape: DataShape) -> None:
        k = shape.n_classes
        if shape.kind == "image":
            channels, side = shape.width, shape.side  # samples: (C, S, S)
            width = self.options.width
            to_class, to_source = (ImageTranslator(channels, k, side, width, self.options.residual_blocks)
                                   for _ in range(2))
            judge_class, judge_source = (ProjectionCritic(c, channels, side, width) for c in (k, 1))
        else:
            d, opts = shape.width, self.options
            to_class, to_source = (ConditionalGenerator(mlp(d + k, opts.generator_dims, d),
                                                        TabularHead(shape.layout)) for _ in range(2))
            judge_class, judge_source = (ConditionalCritic(mlp(d + c, opts.critic_dims, 1, spectral=True))
                                         for c in (k, 1))
        self.install(nn.ModuleDict({"to_class": to_class, "to_source": to_source}),
                     nn.ModuleDict({"class": judge_class, "source": judge_source}))
        # the source samples translations start from: filled by setup, or by a saved model's tensors
        self.source_pool = torch.zeros(0, *shape.sample_shape, device=self.device)

    def setup(self, data: TrainingData) -> None:
        """The nets, then the pool of source samples every translation starts from."""
        super().setup(data)
        self.source_pool = self._source_rows(data)

    def make_batches(self, data: TrainingData) -> ClassBatches:
        """Target rows: every class but the source."""
        return ClassBatches(data.y, data.n_classes, self.options.class_balance, exclude=data.source)

    def _source_rows(self, data: TrainingData) -> torch.Tensor:
        """Up to ``max_source_rows`` source samples, the starting points of every translation."""
        if data.source is None:
            raise ValueError("cyclegan needs a source class (TrainingData.source); GANOverSampler sets it.")
        rows = torch.nonzero(data.y == data.source).squeeze(1)
        keep = torch.randperm(len(rows))[: self.options.max_source_rows].to(rows.device)
        return data.X[rows[keep]]

    # ---- training -------------------------------------------------------------
    def _pair_batch(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(a, b, cond)``: source samples, samples of the classes to reach, and those classes' one-hots."""
        run = self.fit_state
        rows, classes = run.batches.sample(run.batch_size)
        sources = torch.randint(len(self.source_pool), (run.batch_size,), device=self.device)
        b = run.data.X[rows.to(self.device)]
        return self.source_pool[sources], b, one_hot(classes.to(self.device), self.n_classes_)

    def critic_step(self) -> torch.Tensor:
        """Both critics: real samples of the class vs translated sources, real sources vs translated back."""
        a, b, cond = self._pair_batch()  # (n, ...), (n, ...), (n, k)
        source = torch.ones(len(a), 1, device=self.device)  # the source critic has one "class"
        with self.autocast():
            with torch.no_grad():
                fake_b, fake_a = self.generator["to_class"](a, cond), self.generator["to_source"](b, cond)
            judge_class, judge_source, run = self.critic["class"], self.critic["source"], self.fit_state
            loss = (run.loss.critic(judge_class(self.augment(b), cond),
                                    judge_class(self.augment(fake_b), cond))
                    + run.loss.critic(judge_source(self.augment(a), source),
                                      judge_source(self.augment(fake_a), source)))
        self.optimize(run.opt_d, loss)
        self.after_critic_step()
        return loss

    def generator_step(self) -> torch.Tensor:
        """Both translators: fool the critics, and come back where they started (cycle, identity)."""
        a, b, cond = self._pair_batch()
        source = torch.ones(len(a), 1, device=self.device)
        to_class, to_source = self.generator["to_class"], self.generator["to_source"]
        opts, run = self.options, self.fit_state
        with self.autocast():
            fake_b, fake_a = to_class(a, cond), to_source(b, cond)
            adversarial = (run.loss.generator(self.critic["class"](self.augment(fake_b), cond))
                           + run.loss.generator(self.critic["source"](self.augment(fake_a), source)))
            cycle = (to_source(fake_b, cond) - a).abs().mean() + (to_class(fake_a, cond) - b).abs().mean()
            loss = adversarial + opts.cycle_weight * cycle
            if opts.identity_weight:
                identity = (to_class(b, cond) - b).abs().mean() + (to_source(a, cond) - a).abs().mean()
                loss = loss + opts.identity_weight * identity
        self.optimize(run.opt_g, loss)
        self.after_generator_step()
        return loss

    # ---- sampling: translate random source samples ------------------------------
    def sampling_generator(self) -> nn.Module:
        return super().sampling_generator()["to_class"]

    def sample_noise(self, n: int, generator: torch.Generator) -> torch.Tensor:
        # the "noise" of a translation is the source sample it starts from
        picks = torch.randint(len(self.source_pool), (n,), generator=generator)
        return self.source_pool[picks.to(self.source_pool.device)].cpu()


@hookimpl
def register_backends(register):
    register(CycleGANBackend)
