"""The adversarial backend: the public hooks that say what a training step does, and sampling.

:class:`AdversarialBackend` implements :meth:`~ganaug.backend.Backend.train`:
make the loss, the optimisers and the batch sampler (all in a
:class:`~ganaug.training.fit_state.FitState`), then hand the epochs to the
engine (:mod:`ganaug.training.engine`: snapshots, roll-back, Ctrl-C, DDP and
compile). What differs between backends goes through the hooks listed in the
class docstring; the built-in backends use no other way in, and neither should
a plugin. Its options are in :mod:`ganaug.training.options`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ganaug.backend import Backend, TrainingControl, TrainingData
from ganaug.backend.data import DataShape
from ganaug.data.span import Span
from ganaug.devices import is_distributed, native_bf16
from ganaug.errors import PerformanceWarning, warn
from ganaug.limits import check_limit, check_memory
from ganaug.losses import AdversarialLoss
from ganaug.nn import one_hot
from ganaug.registry import get_loss
from ganaug.training.batches import ClassBatches
from ganaug.training.engine import run_epochs, training_nets
from ganaug.training.fit_state import FitState, MovedToFitState
from ganaug.training.options import AdversarialOptions

# rows per forward pass when sampling: activations of 8,192 rows x 128 units (4 MB) stay in cache,
# which made sampling millions of rows 1.3x faster than chunks of 65,536
SAMPLE_CHUNK = 8192


def adam(module: nn.Module, lr: float, betas: tuple[float, float],
         weight_decay: float = 0.0) -> torch.optim.Adam:
    """Adam over ``module``'s parameters, with the fused kernel where the device has one.

    Why fused: the small nets of tabular GANs make training overhead-bound, and
    the fused step updates every parameter in one kernel instead of ~10 ops per
    tensor (measured 1.08x faster fits on the CPU).
    """
    params = list(module.parameters())
    fused = all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)
    return torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=weight_decay, fused=fused)


class AdversarialBackend(Backend):
    """Backend whose ``train`` alternates ``n_critic`` critic steps with one generator step.

    A subclass implements :meth:`build` and may override these hooks (each
    documented below) besides the fit hooks of :class:`~ganaug.backend.Backend`
    (``on_fit_start``, ``setup``, ``on_fit_end``); nothing else of the loop is
    meant to be overridden:

    ============================  =========================================================
    hook                          what it decides
    ============================  =========================================================
    ``build(shape)``              the nets: call ``install(generator, critic)``
    ``make_loss()``               the adversarial loss (default: the ``loss`` option, if any)
    ``configure_optimizers()``    ``(generator optimiser, critic optimiser)``
    ``make_batches(data)``        the sampler of each step's real rows (class-balanced)
    ``condition_dim(shape)``      width of the conditioning vector
    ``condition(rows, classes)``  conditioning vectors of real rows
    ``augment(x)``                what real and fake samples go through before the critic
    ``before_step()``             runs before each round of steps (e.g. a growth schedule)
    ``critic_step()``             one critic update; returns its loss
    ``generator_step()``          one generator update; returns its loss
    ``fake_scores(...)``          the critic scores its loss counts as fake
    ``generator_extra_loss(...)`` an extra generator loss on G's pre-activation outputs
    ``after_critic_step()``       runs after every critic update (the loss' own hook)
    ``after_generator_step()``    runs after every generator update (e.g. an EMA copy)
    ``sampling_generator()``      the net that draws samples
    ``sample_condition(...)``     conditioning vectors for sampling a class
    ``sample_noise(...)``         latent vectors for sampling
    ``generate_batch(...)``       one batch of samples from the sampling net
    ============================  =========================================================

    Steps that a backend writes itself use :meth:`real_batch`, :meth:`noise`,
    :meth:`autocast` and :meth:`optimize`, and ``self.fit_state``, the
    :class:`~ganaug.training.fit_state.FitState` of the run (``data``,
    ``batch_size``, ``loss``, ``opt_g``, ``opt_d``, ``batches``, ``total_steps``),
    which exists from the start of ``train`` to the end of ``on_fit_end``.

    Class flags: ``pac`` (rows the critic judges together; batches are
    multiples of it), ``flatten_images`` (MLP nets see an image as a row of
    pixels), ``ddp_unused_parameters`` (some parameters sit out some steps),
    ``supports_distributed`` and ``supports_compile``.
    """

    Options = AdversarialOptions
    pac = 1
    flatten_images = True
    ddp_unused_parameters = False
    supports_distributed = True
    supports_compile = True

    # ganaug 0.1 parked these on the backend during fit; they are fields of fit_state now
    data_ = MovedToFitState("data")
    batch_ = MovedToFitState("batch_size")
    loss = MovedToFitState("loss")
    opt_g = MovedToFitState("opt_g")
    opt_d = MovedToFitState("opt_d")
    batches = MovedToFitState("batches")
    total_steps_ = MovedToFitState("total_steps")

    # ---- what a backend defines -----------------------------------------------------
    def build(self, shape: DataShape) -> None:
        """Create the generator (a :class:`ganaug.nn.Generator`) and the critic, then :meth:`install` them."""
        raise NotImplementedError

    def install(self, generator: nn.Module, critic: nn.Module) -> None:
        """Adopt the nets :meth:`build` made as ``self.generator`` and ``self.critic``, on the device."""
        self.generator, self.critic = generator.to(self.device), critic.to(self.device)
        # (a net built on the meta device, to size it, computes nothing)
        if self.uses_bf16() and self.device.type != "meta" and not native_bf16(self.device):
            warn(
                f"precision='bf16' on a {self.device.type} without native bf16 (on a CPU: AVX512-BF16 or "
                "AMX): autocast emulates it, and training is many times slower than float32 (11-27x measured "
                "on an AVX2 CPU; benchmarks/images_speed.py --layouts). Use precision='auto' or 'float32'.",
                PerformanceWarning)
        if self.channels_last():
            self.generator.to(memory_format=torch.channels_last)
            self.critic.to(memory_format=torch.channels_last)

    def make_loss(self) -> AdversarialLoss:
        """The adversarial loss: the one the ``loss`` option names, else the non-saturating GAN loss."""
        return get_loss(getattr(self.options, "loss", "non-saturating"))

    def configure_optimizers(self) -> tuple[torch.optim.Optimizer, torch.optim.Optimizer]:
        """``(generator optimiser, critic optimiser)``: Adam or RMSprop as the ``optimizer`` option says."""
        opts = self.options

        def make(module: nn.Module, lr: float) -> torch.optim.Optimizer:
            if opts.optimizer == "rmsprop":
                return torch.optim.RMSprop(module.parameters(), lr=lr)
            return adam(module, lr, opts.betas)

        return make(self.generator, opts.lr_generator), make(self.critic, opts.lr_critic)

    def make_batches(self, data: TrainingData) -> ClassBatches:
        """The sampler of each step's real rows: classes drawn as ``class_balance`` says."""
        return ClassBatches(data.y, data.n_classes, self.options.class_balance)

    def condition_dim(self, shape: DataShape) -> int:
        """Width of the conditioning vector."""
        return shape.n_classes if self.conditional else 0

    def condition(self, rows: torch.Tensor, classes: torch.Tensor) -> torch.Tensor:
        """Conditioning vectors ``(n, condition_dim)`` for real ``rows`` of ``classes``."""
        if not self.conditional:
            return torch.zeros(len(classes), 0, device=self.device)
        return one_hot(classes.to(self.device), self.n_classes_)

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """Augmentation applied to real and fake samples before the critic (e.g. DiffAugment)."""
        return x

    def before_step(self) -> None:
        """Called before each round of critic steps and a generator step (e.g. a growth schedule)."""

    def after_critic_step(self) -> None:
        """Called after every critic optimiser step; runs the loss' own hook (e.g. weight clipping)."""
        self.fit_state.loss.after_critic_step(self.critic)

    def after_generator_step(self) -> None:
        """Called after every generator optimiser step (e.g. to update an EMA copy)."""

    def fake_scores(self, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                    cond: torch.Tensor) -> torch.Tensor:
        """The critic's scores that its loss counts as fake (text-gan adds real samples with wrong texts)."""
        return critic(fake, cond)

    def generator_extra_loss(self, logits: torch.Tensor | None, cond: torch.Tensor) -> torch.Tensor | None:
        """Extra generator loss on G's pre-activation outputs (e.g. CTGAN's condition cross-entropy)."""
        return None

    # ---- the steps ----------------------------------------------------------------------
    def critic_step(self) -> torch.Tensor:
        """One critic update on a real batch and as many generated samples; returns the loss."""
        run = self.fit_state
        real, cond = self.real_batch()  # (b, d), (b, c)
        with self.autocast():
            with torch.no_grad():
                fake = self.generator(self.noise(len(real)), cond)
            real, fake = self.augment(real), self.augment(fake)
            critic = self.step_nets()[1]
            loss = run.loss.critic(critic(real, cond), self.fake_scores(critic, real, fake, cond))
            # compiled graphs have no double backward, so the gradient penalty runs the critic uncompiled
            penalty = run.loss.penalty(critic if is_distributed() else self.critic, real, fake, cond)
            if penalty is not None:
                loss = loss + penalty
        self.optimize(run.opt_d, loss)
        self.after_critic_step()
        return loss

    def generator_step(self) -> torch.Tensor:
        """One generator update, conditions drawn like the real data's; returns the loss."""
        run = self.fit_state
        real, cond = self.real_batch()
        with self.autocast():
            generator, critic = self.step_nets()
            fake, logits = generator(self.noise(len(cond)), cond)
            scores = critic(self.augment(fake), cond)
            if run.loss.uses_real_scores:  # a relativistic loss compares them with real scores
                loss = run.loss.generator(scores, critic(self.augment(real), cond))
            else:
                loss = run.loss.generator(scores)
            extra = self.generator_extra_loss(logits, cond)
            if extra is not None:
                loss = loss + extra
        self.optimize(run.opt_g, loss)
        self.after_generator_step()
        return loss

    # ---- helpers for steps ----------------------------------------------------------------
    def step_nets(self) -> tuple[Callable[..., Any], nn.Module]:
        """``(generator.with_logits, critic)`` as a training step calls them.

        Under DDP or ``compile=True`` these are the wrappers the engine made
        (``fit_state.nets``), else the modules themselves. A step of your own
        that calls the nets through this keeps distributed and compiled training.
        """
        run = self.fit_state
        return run.nets if run is not None and run.nets else (self.generator.with_logits, self.critic)

    def real_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(rows, conditions)`` of ``fit_state.batch_size`` real samples drawn by ``fit_state.batches``."""
        run = self.fit_state
        rows, classes = run.batches.sample(run.batch_size)
        return run.data.X[rows.to(self.device)], self.condition(rows, classes)

    def noise(self, n: int) -> torch.Tensor:
        """``(n, noise_dim)`` latent vectors for a training step (torch's global RNG, seeded by the host)."""
        return torch.randn(n, self.options.noise_dim, device=self.device)

    def uses_bf16(self) -> bool:
        """Whether training steps run under bf16 autocast (``precision``; auto: conv nets on CUDA)."""
        if self.options.precision == "auto":
            # MLPs on narrow tables gain little from bf16 and lose precision in numeric columns
            return self.device.type == "cuda" and not self.flatten_images and native_bf16(self.device)
        return self.options.precision == "bf16"

    def autocast(self) -> torch.autocast:
        """The autocast context the steps run in (bf16 where :meth:`uses_bf16`)."""
        # bf16 keeps float32's exponent range, so no loss scaling is needed (unlike float16)
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.uses_bf16())

    def channels_last(self) -> bool:
        """Whether conv nets and images are NHWC (``memory_format``; auto: conv nets on CUDA)."""
        if self.flatten_images or len(self.sample_shape_) != 3:
            return False
        if self.options.memory_format == "auto":
            # NHWC lets cuDNN use tensor-core kernels; on an AVX2 CPU it measured 0.3-1.4x a step
            return self.device.type == "cuda"
        return self.options.memory_format == "channels-last"

    @staticmethod
    def optimize(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        """Backpropagate ``loss`` and take one step of ``optimizer``."""
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def generator_steps_done(self) -> int:
        """Generator optimiser steps taken so far; read from Adam's state, so it survives resume."""
        state = self.fit_state.opt_g.state.get(next(self.generator.parameters()), {})
        return int(state.get("step", 0))

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        """The optimisers of the run in progress (saved in training checkpoints); none outside ``fit``."""
        run = {} if self.fit_state is None else {"opt_g": self.fit_state.opt_g, "opt_d": self.fit_state.opt_d}
        return {**run, **super().optimizers()}

    # ---- the loop -----------------------------------------------------------------------
    def on_fit_start(self, data: TrainingData) -> None:
        """Refuse a run whose length or batches are over the limits (:mod:`ganaug.limits`)."""
        self.check_run_length(len(data.X))
        self.check_batch_memory(math.prod(data.X.shape[1:]))

    def prepare(self, data: TrainingData) -> TrainingData:
        """The data as the nets see it: images become rows of pixels for MLP backends."""
        if data.kind == "image" and self.flatten_images:
            width = math.prod(data.X.shape[1:])
            pixels = (Span("pixels", "numeric", 0, width, "tanh"),)  # one tanh span: pixels in [-1, 1]
            data = TrainingData(data.X.reshape(len(data.X), width), data.y, data.n_classes, pixels, "image")
        return data

    def train(self, data: TrainingData, control: TrainingControl) -> None:
        """Make the loss, optimisers and batches of the run (``fit_state``), then run its epochs."""
        batch_size = max(self.pac, self.options.batch_size // self.pac * self.pac)
        loss = self.make_loss()
        opt_g, opt_d = self.configure_optimizers()
        nets = training_nets(self)
        batches = self.make_batches(data)
        epochs = self.epoch_lengths(len(data.X), batch_size)
        # total_steps: generator steps of the whole run (for schedules)
        self.fit_state = FitState(data, control, loss, opt_g, opt_d, batches, batch_size, sum(epochs), nets)
        run_epochs(self, epochs, control)

    def check_run_length(self, n_rows: int) -> None:
        """Refuse a run of more optimiser updates than the limit ``max_updates`` before it starts.

        ``n_critic=10**9`` or ``epochs=10**9`` is a typo that would never end (or
        fill memory with its schedule), not a run anyone waits for.
        """
        opts = self.options
        generator_steps = opts.steps if opts.epochs is None else \
            opts.epochs * max(1, math.ceil(n_rows / max(1, opts.batch_size)))
        n_critic = getattr(opts, "n_critic", 1)
        check_limit("max_updates", generator_steps * (n_critic + 1), f"backend {self.name!r}: "
                    f"{generator_steps:,} generator steps with n_critic={n_critic} (optimiser updates)")

    def check_batch_memory(self, sample_size: int) -> None:
        """Refuse a ``batch_size`` whose activations would be over ``max_memory_gib`` (:mod:`ganaug.limits`).

        Batches are drawn with replacement, so any size runs; a rough upper
        estimate per row (the sample, the noise and each hidden layer, kept
        for the backward pass of both nets, 16 values each for convolutional
        feature maps) is enough to catch ``batch_size=10**9``.
        """
        opts = self.options
        widths = sum(sum(value) for value in vars(opts).values()
                     if isinstance(value, tuple) and all(isinstance(v, int) for v in value))
        per_row = 4 * (16 * sample_size + getattr(opts, "noise_dim", 0) + widths) * 4
        check_memory(opts.batch_size * per_row, f"backend {self.name!r}: batch_size={opts.batch_size:,}")

    def epoch_lengths(self, n_rows: int, batch_size: int) -> list[int]:
        """Generator steps of each epoch: ``epochs`` passes over the rows, else exactly ``steps`` steps.

        An epoch is one pass over the rows (``ceil(n_rows / batch_size)`` steps);
        a run of ``steps`` ends with a shorter epoch where they do not divide.
        """
        per_epoch = max(1, math.ceil(n_rows / batch_size))
        if self.options.epochs is not None:
            return [per_epoch] * self.options.epochs
        total = self.options.steps
        return [per_epoch] * (total // per_epoch) + ([total % per_epoch] if total % per_epoch else [])

    # ---- sampling -------------------------------------------------------------------------
    def sampling_generator(self) -> nn.Module:
        """The generator that draws samples (an EMA copy, where a backend keeps one)."""
        return self.generator

    def sample_condition(self, n: int, class_index: int, generator: torch.Generator) -> torch.Tensor:
        """Conditioning vectors ``(n, c)`` used when sampling class ``class_index``."""
        classes = torch.full((n,), class_index, dtype=torch.long)
        if not self.conditional:
            return torch.zeros(n, 0)
        return one_hot(classes, self.n_classes_)

    def sample_noise(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """Latent vectors ``(n, noise_dim)`` for sampling, drawn on the CPU ``generator``."""
        return torch.randn(n, self.options.noise_dim, generator=generator)

    def generate_batch(self, net: nn.Module, z: torch.Tensor, cond: torch.Tensor,
                       generator: torch.Generator) -> torch.Tensor:
        """One batch of samples from ``net`` (backends with noise inputs draw them from ``generator``)."""
        return net(z, cond)

    def sample(self, n: int, class_index: int, generator: torch.Generator) -> torch.Tensor:
        return self.sample_conditioned(
            n, lambda start, size: self.sample_condition(size, class_index, generator), generator)

    @torch.no_grad()
    def sample_conditioned(self, n: int, conditions: Callable[[int, int], torch.Tensor],
                           generator: torch.Generator) -> torch.Tensor:
        """``n`` samples in chunks; ``conditions(start, size)`` gives the ``(size, c)`` conditions
        of the chunk of samples ``start`` to ``start + size``."""
        generator_net = self.sampling_generator()
        generator_net.eval()
        chunks = []
        for start in range(0, n, SAMPLE_CHUNK):  # bounded memory for large requests
            size = min(SAMPLE_CHUNK, n - start)
            # noise drawn on the CPU generator: the same samples on any device
            z = self.sample_noise(size, generator)
            cond = conditions(start, size)
            with self.autocast():
                out = self.generate_batch(generator_net, z.to(self.device), cond.to(self.device), generator)
            out = out.float().cpu()
            chunks.append(out.reshape(size, *self.sample_shape_))  # images: back to (C, S, S)
        generator_net.train()
        return torch.cat(chunks) if chunks else torch.zeros(0, *self.sample_shape_)
