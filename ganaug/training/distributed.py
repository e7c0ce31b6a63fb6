"""Data-parallel training of one generator across processes with PyTorch DDP.

Launch any ganaug training with ``torchrun`` (one process per GPU, or
several CPU processes) and every process trains the same generator on its
own batches; DDP averages the gradients, so the effective batch is
``world_size * batch_size``. The host does nothing else differently: each
process reads and encodes the data, only the first process (rank 0) writes
checkpoints and model files. The backend is NCCL on GPUs and gloo on CPUs.

    torchrun --nproc-per-node 4 -m ganaug.cli train data.csv --target y -o model.safetensors --distributed
"""

from __future__ import annotations

import atexit
import gc
import os
import sys

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ganaug.devices import is_distributed
from ganaug.errors import UsageError


def init_distributed() -> None:
    """Join the process group that torchrun described in the environment.

    NCCL when CUDA is available, else gloo. Does nothing if the group
    already exists.

    Raises
    ------
    RuntimeError
        If the process was not started by torchrun (no WORLD_SIZE / MASTER_ADDR).
    """
    if dist.is_initialized():
        return
    if "MASTER_ADDR" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise UsageError("distributed training needs the environment torchrun sets up: launch with "
                           "`torchrun --nproc-per-node N -m ganaug.cli train ... --distributed`.")
    missing = [name for name in ("RANK", "LOCAL_RANK") if name not in os.environ]
    if missing:  # joining the group would wait forever for processes nobody started
        raise UsageError(f"WORLD_SIZE={os.environ['WORLD_SIZE']} is set, but this process has no "
                           f"{' or '.join(missing)}: it was not started by torchrun. Launch with `torchrun "
                           "--nproc-per-node N -m ganaug.cli train ...`, or unset WORLD_SIZE to train in one "
                           "process.")
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    # leave the group before the interpreter tears down: exiting with gloo's threads still running
    # could abort a process that had finished its work ("terminate called without an active exception")
    atexit.register(_leave_group)


def _leave_group() -> None:
    if not dist.is_initialized():
        return
    # free unreachable DDP wrappers (their reducers hold the group) while the group still exists
    gc.collect()
    if getattr(sys, "last_value", None) is None:
        # a clean exit waits for the others, so no process closes its connections while another is
        # still in its last collective; one dying of an error leaves at once and torchrun stops the rest
        dist.barrier()
    dist.destroy_process_group()


def any_rank(flag: bool) -> bool:
    """True on every process if ``flag`` is true on any (keeps control flow in step)."""
    if not is_distributed():
        return flag
    tensor = torch.tensor([float(flag)], device="cuda" if dist.get_backend() == "nccl" else "cpu")
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


class WithLogits(nn.Module):
    """Exposes ``generator.with_logits`` as ``forward``, which is what DDP wraps and synchronises."""

    def __init__(self, generator: nn.Module) -> None:
        super().__init__()
        self.generator = generator

    def forward(self, z: torch.Tensor, cond: torch.Tensor):
        return self.generator.with_logits(z, cond)


def data_parallel(generator: nn.Module, critic: nn.Module,
                  unused_parameters: bool = False) -> tuple[nn.Module, nn.Module]:
    """DDP wrappers of ``generator.with_logits`` and ``critic``.

    The wrappers share the modules' parameters, so the unwrapped modules
    stay what is saved and sampled from. Wrapping broadcasts rank 0's
    initial weights to every process. ``unused_parameters`` lets some
    parameters go without gradients in a step (ProGAN's not-yet-grown layers).
    """
    device = next(critic.parameters()).device
    settings = {"device_ids": None if device.type == "cpu" else [device],
                "find_unused_parameters": unused_parameters}
    return (DistributedDataParallel(WithLogits(generator), **settings),
            DistributedDataParallel(critic, **settings))
