"""A shared adversarial training loop for tabular and image backends.

A backend subclasses :class:`AdversarialBackend`, declares its ``Options``
(a subclass of :class:`AdversarialOptions`) and builds its networks; the loop
here alternates ``n_critic`` critic steps with one generator step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from ganaug.backend import Backend, TrainingData
from ganaug.checkpoint import (
    MAX_ROLLBACKS,
    Snapshot,
    TrainingControl,
    TrainingInterrupted,
    read_checkpoint,
    restore_snapshot,
    scale_learning_rates,
    take_snapshot,
    warn_rollback,
    write_checkpoint,
)
from ganaug.distributed import WithLogits, any_rank, data_parallel, is_distributed, is_main_process, rank
from ganaug.encoders import Span
from ganaug.losses import AdversarialLoss, get_loss
from ganaug.nn import ConditionalCritic, ConditionalGenerator, TabularHead, mlp, one_hot
from ganaug.training import ClassBatches, LossLog, non_finite, progress_bar

# rows per forward pass when sampling: activations of 8,192 rows x 128 units (4 MB) stay in cache,
# which made sampling millions of rows 1.3x faster than chunks of 65,536
SAMPLE_CHUNK = 8192


@dataclass
class AdversarialOptions:
    """Hyper-parameters shared by the adversarial tabular backends."""

    epochs: int | None = None  # passes over the rows; None: as many as `steps` needs
    steps: int = 600  # generator steps when epochs is None, whatever the data size
    batch_size: int = 256  # rows per step (drawn with replacement, so tiny data is fine)
    noise_dim: int = 64  # size of the generator's latent vector z
    generator_dims: tuple[int, ...] = (128, 128)  # hidden layer widths of G
    critic_dims: tuple[int, ...] = (128, 128)  # hidden layer widths of D
    lr_generator: float = 2e-4
    lr_critic: float = 2e-4
    optimizer: Literal["adam", "rmsprop"] = "adam"
    betas: tuple[float, float] = (0.5, 0.9)  # Adam's betas
    n_critic: int = 1  # critic steps per generator step
    class_balance: float = 0.5  # class c drawn with prob ~ n_c**class_balance (0 = uniform)
    precision: Literal["auto", "float32", "bf16"] = "auto"  # auto: bf16 autocast for conv nets on CUDA
    compile: bool = False  # torch.compile G and D for the training steps (slow first steps; for long runs)

    def __post_init__(self) -> None:
        if self.epochs is not None and self.epochs < 1:
            raise ValueError(f"epochs must be >= 1 or None, got {self.epochs}")
        for name in ("steps", "batch_size", "noise_dim", "n_critic"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("lr_generator", "lr_critic"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        if any(w < 1 for w in (*self.generator_dims, *self.critic_dims)):
            raise ValueError("layer widths must be >= 1")
        if not 0.0 <= self.class_balance <= 1.0:
            raise ValueError(f"class_balance must be in [0, 1], got {self.class_balance}")


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
    """Backend whose ``fit`` is the alternating critic/generator loop below.

    Subclasses implement :meth:`build` (create ``self.generator`` and
    ``self.critic``) and :meth:`make_loss`; they may override
    :meth:`condition` (the conditioning vector) and :meth:`generator_extra_loss`.
    """

    Options = AdversarialOptions
    pac = 1  # rows judged together by the critic (PacGAN); batches are multiples of it
    flatten_images = True  # MLP nets see an image as a row of pixels; convolutional backends set False
    ddp_unused_parameters = False  # True where some parameters sit out some steps (progressive growing)
    supports_distributed = True  # False where the steps call the nets directly, not through DDP wrappers

    def make_loss(self) -> AdversarialLoss:
        """The adversarial loss; defaults to the non-saturating GAN loss."""
        return get_loss("non-saturating")

    def build(self, data: TrainingData) -> None:
        """Create ``self.generator`` (G(z, cond)) and ``self.critic`` (D(x, cond))."""
        raise NotImplementedError

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

    def after_generator_step(self) -> None:
        """Called after every generator optimiser step (e.g. to update an EMA copy)."""

    def generator_steps_done(self) -> int:
        """Generator optimiser steps taken so far; read from Adam's state, so it survives resume."""
        state = self.opt_g.state.get(next(self.generator.parameters()), {})
        return int(state.get("step", 0))

    def sampling_generator(self) -> nn.Module:
        """The generator that draws samples (an EMA copy, where a backend keeps one)."""
        return self.generator

    def fake_scores(self, critic: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                    cond: torch.Tensor) -> torch.Tensor:
        """The critic's scores that its loss counts as fake (text-gan adds real samples with wrong texts)."""
        return critic(fake, cond)

    def generator_extra_loss(self, logits: torch.Tensor, cond: torch.Tensor) -> torch.Tensor | None:
        """Extra generator loss on G's pre-activation outputs (e.g. CTGAN's condition cross-entropy)."""
        return None

    # ---- the loop ----------------------------------------------------------
    def uses_bf16(self) -> bool:
        """Whether training steps run under bf16 autocast (``precision``; auto: conv nets on CUDA)."""
        if self.options.precision == "auto":
            # MLPs on narrow tables gain little from bf16 and lose precision in numeric columns
            return (self.device.type == "cuda" and not self.flatten_images
                    and torch.cuda.is_bf16_supported())
        return self.options.precision == "bf16"

    def _autocast(self) -> torch.autocast:
        # bf16 keeps float32's exponent range, so no loss scaling is needed (unlike float16)
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.uses_bf16())

    def prepare(self, data: TrainingData) -> TrainingData:
        """The data as the nets see it: images become rows of pixels for MLP backends."""
        self.sample_shape_ = tuple(data.X.shape[1:])  # (d,) rows or (C, S, S) images
        if data.kind != "image" or not self.flatten_images:
            return data
        width = math.prod(self.sample_shape_)
        pixels = (Span("pixels", "numeric", 0, width, "tanh"),)  # one tanh span: pixels in [-1, 1]
        return TrainingData(data.X.reshape(len(data.X), width), data.y, data.n_classes, pixels, "image")

    def _adopt(self, data: TrainingData) -> TrainingData:
        """Prepared data; records the shapes and layout that building and sampling need."""
        data = self.prepare(data)
        self.n_classes_, self.n_features_, self.layout_ = data.n_classes, data.X.shape[1], data.layout
        return data

    def fit(self, data: TrainingData) -> AdversarialBackend:
        opts = self.options
        data = self._adopt(data)
        self.data_ = data
        self.build(data)
        self.loss = self.make_loss()
        self.opt_g, self.opt_d = self._optimizer(self.generator, opts.lr_generator), \
            self._optimizer(self.critic, opts.lr_critic)
        self._parallel = self._training_nets()
        self.batches = ClassBatches(data.y, data.n_classes, opts.class_balance)
        self.batch_ = max(self.pac, opts.batch_size // self.pac * self.pac)
        steps = max(1, math.ceil(len(data.X) / self.batch_))
        epochs = opts.epochs or max(1, round(opts.steps / steps))
        self.total_steps_ = epochs * steps  # generator steps of the whole run (for schedules)
        self._train_epochs(epochs, steps, self.control or TrainingControl())
        del self.data_, self.batches, self._parallel
        return self

    def _training_nets(self) -> tuple[nn.Module, nn.Module] | None:
        """``(generator.with_logits, critic)`` as the steps call them, when not the modules themselves.

        Under torchrun: DDP wrappers (one generator trained by every process,
        gradients averaged). With ``compile=True``: torch.compile'd wrappers,
        which share the modules' parameters.
        """
        if is_distributed() and not self.supports_distributed:
            raise RuntimeError(f"backend {self.name!r} does not support distributed (DDP) training yet; "
                               "run it in a single process.")
        if is_distributed():
            torch.manual_seed(int(torch.randint(2**31 - 1, ())) + rank())  # own batches and noise per process
            return data_parallel(self.generator, self.critic, self.ddp_unused_parameters)
        if self.options.compile:
            return torch.compile(WithLogits(self.generator)), torch.compile(self.critic)
        return None

    def _train_epochs(self, epochs: int, steps: int, control: TrainingControl) -> None:
        """Epochs of ``steps`` steps, with snapshots every few epochs (see ganaug.checkpoint)."""
        snapshot = self._first_snapshot(control)
        epoch, every, log = snapshot.epoch, control.interval(epochs), LossLog()
        bar = progress_bar(epochs, epoch, self.progress, self.name)
        while epoch < epochs:
            try:
                for _ in range(steps):
                    self.before_step()
                    for _ in range(self.options.n_critic):
                        log.add(critic=self._critic_step())
                    log.add(generator=self._generator_step())
            except KeyboardInterrupt:
                raise self._interrupted(control, snapshot, epoch) from None
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
            raise FloatingPointError(
                f"backend {self.name!r} diverged at epoch {epoch + 1}: {', '.join(bad)} became "
                f"non-finite, also after {MAX_ROLLBACKS} roll-backs with halved learning rates. "
                "Lower the learning rates (e.g. lr_generator=1e-5) or use a gradient-penalty "
                "backend such as 'wgan-gp'.")
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

    def _optimizer(self, module: nn.Module, lr: float) -> torch.optim.Optimizer:
        if self.options.optimizer == "rmsprop":
            return torch.optim.RMSprop(module.parameters(), lr=lr)
        return adam(module, lr, self.options.betas)

    def _real_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        rows, classes = self.batches.sample(self.batch_)
        return self.data_.X[rows.to(self.device)], self.condition(rows, classes)

    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.options.noise_dim, device=self.device)

    def _critic_step(self) -> torch.Tensor:
        real, cond = self._real_batch()  # (b, d), (b, c)
        with self._autocast():
            with torch.no_grad():
                fake = self.generator(self._noise(len(real)), cond)
            real, fake = self.augment(real), self.augment(fake)
            critic = self._parallel[1] if self._parallel else self.critic
            loss = self.loss.critic(critic(real, cond), self.fake_scores(critic, real, fake, cond))
            # compiled graphs have no double backward, so the gradient penalty runs the critic uncompiled
            penalty = self.loss.penalty(critic if is_distributed() else self.critic, real, fake, cond)
            if penalty is not None:
                loss = loss + penalty
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        self.loss.after_critic_step(self.critic)
        return loss

    def _generator_step(self) -> torch.Tensor:
        _, cond = self._real_batch()  # conditions drawn like the real data's
        with self._autocast():
            generator, critic = self._parallel or (self.generator.with_logits, self.critic)
            fake, logits = generator(self._noise(len(cond)), cond)
            loss = self.loss.generator(critic(self.augment(fake), cond))
            extra = self.generator_extra_loss(logits, cond)
            if extra is not None:
                loss = loss + extra
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        self.after_generator_step()
        return loss

    def restore(self, data: TrainingData, state: dict[str, torch.Tensor]) -> AdversarialBackend:
        return super().restore(self._adopt(data), state)

    # ---- sampling ------------------------------------------------------------
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
            with self._autocast():
                out = self.generate_batch(generator_net, z.to(self.device), cond.to(self.device), generator)
            out = out.float().cpu()
            chunks.append(out.reshape(size, *self.sample_shape_))  # images: back to (C, S, S)
        generator_net.train()
        return torch.cat(chunks) if chunks else torch.zeros(0, *self.sample_shape_)


class MLPGANBackend(AdversarialBackend):
    """Fully connected G and D with the class one-hot concatenated to their inputs.

    The base of the ``gan``, ``cgan``, ``wgan`` and ``wgan-gp`` backends, which
    differ in loss, optimiser and conditioning only.
    """

    def build(self, data: TrainingData) -> None:
        opts, c = self.options, self.condition_dim(data)
        d = data.X.shape[1]
        body = mlp(opts.noise_dim + c, opts.generator_dims, d)
        self.generator = ConditionalGenerator(body, TabularHead(data.layout)).to(self.device)
        self.critic = ConditionalCritic(mlp(d + c, opts.critic_dims, 1)).to(self.device)
