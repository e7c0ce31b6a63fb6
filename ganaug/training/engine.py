"""The epoch engine of the adversarial loop: epochs of steps, snapshots, roll-back, Ctrl-C, DDP and compile.

:class:`~ganaug.training.loop.AdversarialBackend` says *what* a step does
(its hooks); this module runs the steps: ``n_critic`` critic steps and one
generator step per round, a snapshot every few epochs (checkpoints,
:mod:`ganaug.training.checkpoints`), a roll-back with halved learning rates
when a loss turns non-finite, and a saved checkpoint when the run is stopped.
Nothing here is a hook: a backend changes training through the hooks only.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ganaug.backend import Backend, TrainingControl
from ganaug.devices import is_distributed, is_main_process, rank
from ganaug.errors import DivergenceError, OptionsError, TrainingInterrupted, sigterm_as_interrupt
from ganaug.losses import AdversarialLoss
from ganaug.training.batches import LossLog, non_finite, progress_bar
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


def training_nets(backend: Backend) -> tuple[Callable, nn.Module] | None:
    """``(generator.with_logits, critic)`` as the steps call them, when not the modules themselves.

    Under torchrun: DDP wrappers (one generator trained by every process,
    gradients averaged). With ``compile=True``: torch.compile'd wrappers,
    which share the modules' parameters.
    """
    name, options = backend.name, backend.options
    if is_distributed() and not backend.supports_distributed:
        raise OptionsError(f"backend {name!r} does not support distributed (DDP) training yet; "
                           "run it in a single process.")
    if options.compile and not backend.supports_compile:
        raise OptionsError(f"backend {name!r} does not support compile=True yet: its steps call "
                           "several networks directly. Leave compile=False.")
    if is_distributed():
        torch.manual_seed(int(torch.randint(2**31 - 1, ())) + rank())  # own batches and noise per process
        return data_parallel(backend.generator, backend.critic, backend.ddp_unused_parameters)
    if options.compile:
        return torch.compile(WithLogits(backend.generator)), torch.compile(backend.critic)
    return None


def run_epochs(backend: Backend, lengths: list[int], control: TrainingControl) -> None:
    """Epochs of ``lengths[i]`` rounds of steps, with snapshots every few epochs."""
    epochs = len(lengths)
    snapshot = _first_snapshot(backend, control)
    epoch, every, log = snapshot.epoch, control.interval(epochs), LossLog()
    # the bar counts generator steps (a run of `steps` may be one epoch of one step each), and only
    # the main process draws one: under torchrun the others would print over it
    bar = progress_bar(sum(lengths), sum(lengths[:epoch]), backend.progress and is_main_process(),
                       backend.name)
    # the whole loop, bookkeeping and checkpoint writes included, is interruptible: a stop that lands
    # between steps still saves (and reports) the last snapshot
    try:
        with sigterm_as_interrupt():  # a stopped container saves its checkpoint too
            while epoch < epochs:
                for _ in range(lengths[epoch]):
                    backend.before_step()
                    for _ in range(backend.options.n_critic):
                        log.add(critic=backend.critic_step())
                    log.add(generator=backend.generator_step())
                losses = log.epoch_means()
                bad = non_finite(losses)
                # roll back to the last good state with half the learning rate; all processes or none
                if any_rank(bool(bad)):
                    bad = bad or ["a loss on another process"]
                    snapshot = _roll_back(backend, control, snapshot, epoch, bad)
                    epoch = snapshot.epoch
                    bar.n = sum(lengths[:epoch])
                    bar.refresh()
                    continue
                backend.history_.append(losses)
                epoch += 1
                bar.update(lengths[epoch - 1])
                if epoch % every == 0 or epoch == epochs:
                    snapshot = take_snapshot(backend, epoch, snapshot.lr_scale)
                    if control.path is not None and is_main_process():
                        write_checkpoint(control.path, snapshot, control.fingerprint)
    except KeyboardInterrupt:
        raise _interrupted(backend, control, snapshot, min(epoch, epochs - 1)) from None
    bar.close()


def _first_snapshot(backend: Backend, control: TrainingControl) -> Snapshot:
    if control.resume and control.path is not None and control.path.exists():
        snapshot = read_checkpoint(control.path, control.fingerprint)
        restore_snapshot(backend, snapshot)
        return snapshot
    return take_snapshot(backend, 0)


def _roll_back(backend: Backend, control: TrainingControl, snapshot: Snapshot, epoch: int,
               bad: list[str]) -> Snapshot:
    control.rollbacks += 1
    if control.rollbacks > MAX_ROLLBACKS:
        loss = backend.fit_state.loss
        penalised = getattr(loss, "penalty", None) is not None and \
            type(loss).penalty is not AdversarialLoss.penalty
        other = ("check the data for extreme values (a column spanning many orders of magnitude "
                 "trains better as its logarithm)" if penalised else
                 "use a backend with a gradient penalty, 'wgan-gp' or 'ctgan'")
        raise DivergenceError(
            f"backend {backend.name!r} diverged at epoch {epoch + 1}: {', '.join(bad)} became "
            f"non-finite, also after {MAX_ROLLBACKS} roll-backs with halved learning rates. "
            f"Lower the learning rates (e.g. lr_generator=1e-5, lr_critic=1e-5), or {other}.")
    restore_snapshot(backend, snapshot)
    scale_learning_rates(backend, 0.5)
    snapshot = take_snapshot(backend, snapshot.epoch, snapshot.lr_scale * 0.5)
    warn_rollback(backend.name, epoch, snapshot, bad)
    return snapshot


def _interrupted(backend: Backend, control: TrainingControl, snapshot: Snapshot,
                 epoch: int) -> TrainingInterrupted:
    where = f"training of {backend.name!r} was interrupted in epoch {epoch + 1}"
    if control.path is None:
        # `ganaug train` takes tables only: images keep progress through the Python API
        keep = "give checkpoint=PATH, or use `ganaug train`," if len(backend.sample_shape_) == 1 else \
            "fit in Python with GANOverSampler(checkpoint=PATH)"
        return TrainingInterrupted(f"{where}; nothing was saved ({keep} to keep progress).")
    if is_main_process():
        write_checkpoint(control.path, snapshot, control.fingerprint)
    return TrainingInterrupted(
        f"{where}; saved the state after epoch {snapshot.epoch} to {control.path}. Run the same "
        "command with --resume (Python: resume=True) to continue from there.")
