"""The adversarial training loop every built-in backend runs, with the public hooks a backend overrides.

:meth:`AdversarialBackend.fit` reads top to bottom: build the nets, make the
loss and optimisers, then epochs of ``n_critic`` critic steps and one
generator step, with snapshots for checkpoints, Ctrl-C and roll-back on
divergence (:mod:`ganaug.training.checkpoints`) and DDP under torchrun
(:mod:`ganaug.training.distributed`). What differs between backends goes
through the hooks listed in the class docstring; the built-in backends use
no other way in, and neither should a plugin.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from ganaug.backend import Backend, TrainingControl, TrainingData
from ganaug.data.span import Span
from ganaug.devices import is_distributed, is_main_process, rank
from ganaug.errors import DivergenceError, OptionsError, TrainingInterrupted, sigterm_as_interrupt
from ganaug.limits import check_limit, check_memory
from ganaug.losses import AdversarialLoss
from ganaug.nn import one_hot
from ganaug.options import OptionsBase
from ganaug.registry import get_loss
from ganaug.training.batches import ClassBatches, LossLog, non_finite, progress_bar
from ganaug.training.checkpoints import (
    MAX_ROLLBACKS,
    Snapshot,
    read_checkpoint,
    restore_snapshot,
    scale_learning_rates,
    take_snapshot,
    warn_rollback,
    write_checkpoint,
)
from ganaug.training.distributed import WithLogits, any_rank, data_parallel

# rows per forward pass when sampling: activations of 8,192 rows x 128 units (4 MB) stay in cache,
# which made sampling millions of rows 1.3x faster than chunks of 65,536
SAMPLE_CHUNK = 8192


@dataclass
class LoopOptions(OptionsBase):
    """Options of the training loop, shared by every adversarial backend."""

    epochs: int | None = None  # passes over the rows; None: exactly `steps` generator steps
    steps: int = 600  # generator steps when epochs is None, whatever the data size
    batch_size: int = 256  # rows per step (drawn with replacement, so tiny data is fine)
    noise_dim: int = 64  # size of the generator's latent vector z
    lr_generator: float = 2e-4
    lr_critic: float = 2e-4
    optimizer: Literal["adam", "rmsprop"] = "adam"
    betas: tuple[float, float] = (0.5, 0.9)  # Adam's betas
    n_critic: int = 1  # critic steps per generator step
    class_balance: float = 0.5  # class c drawn with prob ~ n_c**class_balance (0 = uniform)
    precision: Literal["auto", "float32", "bf16"] = "auto"  # auto: bf16 autocast for conv nets on CUDA
    compile: bool = False  # torch.compile G and D for the training steps (slow first steps; for long runs)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.epochs is not None and self.epochs < 1:
            raise ValueError(f"epochs must be >= 1 or None, got {self.epochs}")
        for name in ("steps", "batch_size", "noise_dim", "n_critic"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("lr_generator", "lr_critic"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if not 0.0 <= self.class_balance <= 1.0:
            raise ValueError(f"class_balance must be in [0, 1], got {self.class_balance}")


@dataclass
class MLPOptions(OptionsBase):
    """Layer widths of fully connected generators and critics (backends with MLP nets)."""

    generator_dims: tuple[int, ...] = (128, 128)  # hidden layer widths of G
    critic_dims: tuple[int, ...] = (128, 128)  # hidden layer widths of D

    def __post_init__(self) -> None:
        super().__post_init__()
        if any(w < 1 for w in (*self.generator_dims, *self.critic_dims)):
            raise ValueError("layer widths must be >= 1")


@dataclass
class AdversarialOptions(MLPOptions, LoopOptions):
    """Options of the MLP backends: the loop's and the MLP widths."""


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
    """Backend whose ``fit`` alternates ``n_critic`` critic steps with one generator step.

    A subclass implements :meth:`build` and may override these hooks (each
    documented below); nothing else of the loop is meant to be overridden:

    ============================  =========================================================
    hook                          what it decides
    ============================  =========================================================
    ``build(data)``               the nets: call ``install(generator, critic)``
    ``make_loss()``               the adversarial loss (default: the ``loss`` option, if any)
    ``configure_optimizers()``    ``(generator optimiser, critic optimiser)``
    ``condition_dim(data)``       width of the conditioning vector
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
    :meth:`autocast` and :meth:`optimize`, and the attributes the loop sets
    for the duration of ``fit``: ``data_`` (the :class:`TrainingData`),
    ``batch_`` (rows per step), ``loss``, ``opt_g`` and ``opt_d``.

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

    # ---- what a backend defines -----------------------------------------------------
    def build(self, data: TrainingData) -> None:
        """Create the generator (a :class:`ganaug.nn.Generator`) and the critic, then :meth:`install` them."""
        raise NotImplementedError

    def install(self, generator: nn.Module, critic: nn.Module) -> None:
        """Adopt the nets :meth:`build` made as ``self.generator`` and ``self.critic``, on the device."""
        self.generator, self.critic = generator.to(self.device), critic.to(self.device)
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

    def condition_dim(self, data: TrainingData) -> int:
        """Width of the conditioning vector."""
        return data.n_classes if self.conditional else 0

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
        self.loss.after_critic_step(self.critic)

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
        real, cond = self.real_batch()  # (b, d), (b, c)
        with self.autocast():
            with torch.no_grad():
                fake = self.generator(self.noise(len(real)), cond)
            real, fake = self.augment(real), self.augment(fake)
            critic = self._parallel[1] if self._parallel else self.critic
            loss = self.loss.critic(critic(real, cond), self.fake_scores(critic, real, fake, cond))
            # compiled graphs have no double backward, so the gradient penalty runs the critic uncompiled
            penalty = self.loss.penalty(critic if is_distributed() else self.critic, real, fake, cond)
            if penalty is not None:
                loss = loss + penalty
        self.optimize(self.opt_d, loss)
        self.after_critic_step()
        return loss

    def generator_step(self) -> torch.Tensor:
        """One generator update, conditions drawn like the real data's; returns the loss."""
        _, cond = self.real_batch()
        with self.autocast():
            generator, critic = self._parallel or (self.generator.with_logits, self.critic)
            fake, logits = generator(self.noise(len(cond)), cond)
            loss = self.loss.generator(critic(self.augment(fake), cond))
            extra = self.generator_extra_loss(logits, cond)
            if extra is not None:
                loss = loss + extra
        self.optimize(self.opt_g, loss)
        self.after_generator_step()
        return loss

    # ---- helpers for steps ----------------------------------------------------------------
    def real_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(rows, conditions)`` of ``batch_`` real samples drawn with the class balance."""
        rows, classes = self.batches.sample(self.batch_)
        return self.data_.X[rows.to(self.device)], self.condition(rows, classes)

    def noise(self, n: int) -> torch.Tensor:
        """``(n, noise_dim)`` latent vectors for a training step (torch's global RNG, seeded by the host)."""
        return torch.randn(n, self.options.noise_dim, device=self.device)

    def uses_bf16(self) -> bool:
        """Whether training steps run under bf16 autocast (``precision``; auto: conv nets on CUDA)."""
        if self.options.precision == "auto":
            # MLPs on narrow tables gain little from bf16 and lose precision in numeric columns
            return (self.device.type == "cuda" and not self.flatten_images
                    and torch.cuda.is_bf16_supported())
        return self.options.precision == "bf16"

    def autocast(self) -> torch.autocast:
        """The autocast context the steps run in (bf16 where :meth:`uses_bf16`)."""
        # bf16 keeps float32's exponent range, so no loss scaling is needed (unlike float16)
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.uses_bf16())

    def channels_last(self) -> bool:
        """Whether conv nets and images use the NHWC memory layout (conv nets on CUDA)."""
        # NHWC lets cuDNN use tensor-core kernels for bf16 convolutions; on CPU it gains nothing here
        return self.device.type == "cuda" and not self.flatten_images and len(self.sample_shape_) == 3

    @staticmethod
    def optimize(optimizer: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        """Backpropagate ``loss`` and take one step of ``optimizer``."""
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def generator_steps_done(self) -> int:
        """Generator optimiser steps taken so far; read from Adam's state, so it survives resume."""
        state = self.opt_g.state.get(next(self.generator.parameters()), {})
        return int(state.get("step", 0))

    # ---- the loop -----------------------------------------------------------------------
    def prepare(self, data: TrainingData) -> TrainingData:
        """The data as the nets see it (images become rows of pixels for MLP backends); records its shapes."""
        self.sample_shape_ = tuple(data.X.shape[1:])  # (d,) rows or (C, S, S) images
        if data.kind == "image" and self.flatten_images:
            width = math.prod(self.sample_shape_)
            pixels = (Span("pixels", "numeric", 0, width, "tanh"),)  # one tanh span: pixels in [-1, 1]
            data = TrainingData(data.X.reshape(len(data.X), width), data.y, data.n_classes, pixels, "image")
        self.n_classes_, self.n_features_, self.layout_ = data.n_classes, data.X.shape[1], data.layout
        return data

    def fit(self, data: TrainingData) -> AdversarialBackend:
        opts = self.options
        self.check_run_length(len(data.X))
        self.check_batch_memory(math.prod(data.X.shape[1:]))
        data = self.prepare(data)
        self.data_ = data
        self.build(data)
        self.loss = self.make_loss()
        self.opt_g, self.opt_d = self.configure_optimizers()
        self._parallel = self._training_nets()
        self.batches = ClassBatches(data.y, data.n_classes, opts.class_balance)
        self.batch_ = max(self.pac, opts.batch_size // self.pac * self.pac)
        epochs = self.epoch_lengths(len(data.X))
        self.total_steps_ = sum(epochs)  # generator steps of the whole run (for schedules)
        self._train_epochs(epochs, self.control or TrainingControl())
        del self.data_, self.batches, self._parallel
        return self

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

    def epoch_lengths(self, n_rows: int) -> list[int]:
        """Generator steps of each epoch: ``epochs`` passes over the rows, else exactly ``steps`` steps.

        An epoch is one pass over the rows (``ceil(n_rows / batch_)`` steps);
        a run of ``steps`` ends with a shorter epoch where they do not divide.
        """
        per_epoch = max(1, math.ceil(n_rows / self.batch_))
        if self.options.epochs is not None:
            return [per_epoch] * self.options.epochs
        total = self.options.steps
        return [per_epoch] * (total // per_epoch) + ([total % per_epoch] if total % per_epoch else [])

    def _training_nets(self) -> tuple[Callable, nn.Module] | None:
        """``(generator.with_logits, critic)`` as the steps call them, when not the modules themselves.

        Under torchrun: DDP wrappers (one generator trained by every process,
        gradients averaged). With ``compile=True``: torch.compile'd wrappers,
        which share the modules' parameters.
        """
        if is_distributed() and not self.supports_distributed:
            raise OptionsError(f"backend {self.name!r} does not support distributed (DDP) training yet; "
                               "run it in a single process.")
        if self.options.compile and not self.supports_compile:
            raise OptionsError(f"backend {self.name!r} does not support compile=True yet: its steps call "
                             "several networks directly. Leave compile=False.")
        if is_distributed():
            torch.manual_seed(int(torch.randint(2**31 - 1, ())) + rank())  # own batches and noise per process
            return data_parallel(self.generator, self.critic, self.ddp_unused_parameters)
        if self.options.compile:
            return torch.compile(WithLogits(self.generator)), torch.compile(self.critic)
        return None

    def _train_epochs(self, lengths: list[int], control: TrainingControl) -> None:
        """Epochs of ``lengths[i]`` steps, with snapshots every few epochs (ganaug.training.checkpoints)."""
        epochs = len(lengths)
        snapshot = self._first_snapshot(control)
        epoch, every, log = snapshot.epoch, control.interval(epochs), LossLog()
        bar = progress_bar(epochs, epoch, self.progress, self.name)
        # the whole loop, bookkeeping and checkpoint writes included, is interruptible: a stop that lands
        # between steps still saves (and reports) the last snapshot
        try:
            with sigterm_as_interrupt():  # a stopped container saves its checkpoint too
                while epoch < epochs:
                    for _ in range(lengths[epoch]):
                        self.before_step()
                        for _ in range(self.options.n_critic):
                            log.add(critic=self.critic_step())
                        log.add(generator=self.generator_step())
                    losses = log.epoch_means()
                    bad = non_finite(losses)
                    # roll back to the last good state with half the learning rate; all processes or none
                    if any_rank(bool(bad)):
                        bad = bad or ["a loss on another process"]
                        snapshot = self._roll_back(control, snapshot, epoch, bad)
                        epoch = snapshot.epoch
                        continue
                    self.history_.append(losses)
                    epoch += 1
                    bar.update(1)
                    if epoch % every == 0 or epoch == epochs:
                        snapshot = take_snapshot(self, epoch, snapshot.lr_scale)
                        if control.path is not None and is_main_process():
                            write_checkpoint(control.path, snapshot, control.fingerprint)
        except KeyboardInterrupt:
            raise self._interrupted(control, snapshot, min(epoch, epochs - 1)) from None
        bar.close()

    def _first_snapshot(self, control: TrainingControl) -> Snapshot:
        if control.resume and control.path is not None and control.path.exists():
            snapshot = read_checkpoint(control.path, control.fingerprint)
            restore_snapshot(self, snapshot)
            return snapshot
        return take_snapshot(self, 0)

    def _roll_back(self, control: TrainingControl, snapshot: Snapshot, epoch: int,
                   bad: list[str]) -> Snapshot:
        control.rollbacks += 1
        if control.rollbacks > MAX_ROLLBACKS:
            penalised = getattr(self.loss, "penalty", None) is not None and \
                type(self.loss).penalty is not AdversarialLoss.penalty
            other = ("check the data for extreme values (a column spanning many orders of magnitude "
                     "trains better as its logarithm)" if penalised else
                     "use a backend with a gradient penalty, 'wgan-gp' or 'ctgan'")
            raise DivergenceError(
                f"backend {self.name!r} diverged at epoch {epoch + 1}: {', '.join(bad)} became "
                f"non-finite, also after {MAX_ROLLBACKS} roll-backs with halved learning rates. "
                f"Lower the learning rates (e.g. lr_generator=1e-5, lr_critic=1e-5), or {other}.")
        restore_snapshot(self, snapshot)
        scale_learning_rates(self, 0.5)
        snapshot = take_snapshot(self, snapshot.epoch, snapshot.lr_scale * 0.5)
        warn_rollback(self.name, epoch, snapshot, bad)
        return snapshot

    def _interrupted(self, control: TrainingControl, snapshot: Snapshot, epoch: int) -> TrainingInterrupted:
        where = f"training of {self.name!r} was interrupted in epoch {epoch + 1}"
        if control.path is None:
            return TrainingInterrupted(f"{where}; nothing was saved (give checkpoint=PATH, or use "
                                       "`ganaug train`, to keep progress).")
        if is_main_process():
            write_checkpoint(control.path, snapshot, control.fingerprint)
        return TrainingInterrupted(
            f"{where}; saved the state after epoch {snapshot.epoch} to {control.path}. Run the same "
            "command with --resume (Python: resume=True) to continue from there.")

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
