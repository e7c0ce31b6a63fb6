"""Training checkpoints: snapshots at epoch boundaries, on disk and in memory.

A snapshot holds everything that decides the rest of a run: module weights,
optimiser state, the torch RNG states, the loss history and the learning-rate
scale. Restoring one and training on gives the same result as never having
stopped. The same snapshots serve three purposes:

- checkpoints on disk every ``every`` epochs (safetensors + JSON, atomic), for
  ``resume=True`` / ``ganaug train --resume``;
- Ctrl-C: the last snapshot is written before the run stops;
- divergence: a run whose losses become NaN/inf rolls back to the last
  snapshot with half the learning rate, up to ``MAX_ROLLBACKS`` times.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ganaug._version import __version__
from ganaug.backend import Backend
from ganaug.errors import CheckpointError, warn
from ganaug.fileformat import format_of, read_safetensors, write_safetensors

MAX_ROLLBACKS = 3
CHECKPOINT_FORMAT = "ganaug.checkpoint"
CHECKPOINT_FORMAT_VERSION = 1


@dataclass
class Snapshot:
    """The state of a training run after ``epoch`` completed epochs (CPU copies)."""

    epoch: int
    modules: dict[str, dict[str, torch.Tensor]]
    optimizers: dict[str, dict[str, Any]]
    rng: torch.Tensor
    cuda_rng: torch.Tensor | None
    history: list[dict[str, float]]
    lr_scale: float = 1.0


def fingerprint(*parts: Any) -> str:
    """A short hash of the run's configuration and data (tensors hashed by their bytes)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, torch.Tensor):
            digest.update(part.detach().cpu().contiguous().numpy().tobytes())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


# ---- in memory -----------------------------------------------------------------
def take_snapshot(backend: Backend, epoch: int, lr_scale: float = 1.0) -> Snapshot:
    device = getattr(backend, "device", torch.device("cpu"))
    return Snapshot(
        epoch=epoch,
        modules={name: _cpu(m.state_dict()) for name, m in backend.modules().items()},
        optimizers={name: _cpu(o.state_dict()) for name, o in backend.optimizers().items()},
        rng=torch.get_rng_state(),
        cuda_rng=torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
        history=copy.deepcopy(backend.history_),
        lr_scale=lr_scale,
    )


def restore_snapshot(backend: Backend, snapshot: Snapshot) -> None:
    for name, module in backend.modules().items():
        module.load_state_dict(snapshot.modules[name])
    for name, optimizer in backend.optimizers().items():
        optimizer.load_state_dict(snapshot.optimizers[name])
    torch.set_rng_state(snapshot.rng)
    if snapshot.cuda_rng is not None:
        torch.cuda.set_rng_state(snapshot.cuda_rng, backend.device)
    backend.history_[:] = copy.deepcopy(snapshot.history)


def scale_learning_rates(backend: Backend, factor: float) -> None:
    for optimizer in backend.optimizers().values():
        for group in optimizer.param_groups:
            group["lr"] *= factor


def _cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {k: _cpu(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cpu(v) for v in value)
    return value


# ---- on disk -------------------------------------------------------------------
def write_checkpoint(path: Path, snapshot: Snapshot, fingerprint_: str) -> None:
    """Write a snapshot atomically: tensors in safetensors, the rest as JSON metadata."""
    tensors = {"rng": snapshot.rng}
    if snapshot.cuda_rng is not None:
        tensors["cuda_rng"] = snapshot.cuda_rng
    for name, state in snapshot.modules.items():
        tensors.update({f"module.{name}.{k}": v.contiguous() for k, v in state.items()})
    optimizers = {}
    for name, state in snapshot.optimizers.items():
        per_param = {}
        for pid, values in state["state"].items():
            for key, value in values.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optimizer.{name}.{pid}.{key}"] = value.contiguous()
                else:
                    per_param.setdefault(str(pid), {})[key] = value
        optimizers[name] = {"param_groups": state["param_groups"], "scalars": per_param,
                            "params": [str(pid) for pid in state["state"]]}
    meta = {"format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_FORMAT_VERSION,
            "ganaug_version": __version__, "epoch": snapshot.epoch,
            "history": snapshot.history, "lr_scale": snapshot.lr_scale, "fingerprint": fingerprint_,
            "optimizers": optimizers}
    write_safetensors(path, tensors, meta)


def read_checkpoint(path: Path, fingerprint_: str) -> Snapshot:
    """Read a checkpoint written by :func:`write_checkpoint` for the same run."""
    found = format_of(path)
    # advise deleting only what is a checkpoint: a model file or any other file may be the user's work
    hint = " Delete it to train from the start." if found == CHECKPOINT_FORMAT else \
        " Give resume a checkpoint file (the one an interrupted run names), or drop resume to train " \
        "from the start with a new checkpoint path."
    meta, tensors = read_safetensors(path, CHECKPOINT_FORMAT, CHECKPOINT_FORMAT_VERSION, "checkpoint",
                                     CheckpointError, hint)
    if meta.get("fingerprint") != fingerprint_:
        raise CheckpointError(f"checkpoint {str(path)!r} belongs to another run (different data, backend, "
                              "options or seed); delete it, or drop resume to train from the start.")
    modules: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("module."):
            name, _, param = key[len("module."):].partition(".")
            modules.setdefault(name, {})[param] = value
    optimizers = {name: _optimizer_state(name, spec, tensors) for name, spec in meta["optimizers"].items()}
    return Snapshot(meta["epoch"], modules, optimizers, tensors["rng"], tensors.get("cuda_rng"),
                    meta["history"], meta["lr_scale"])


def _optimizer_state(name: str, spec: dict[str, Any], tensors: dict[str, torch.Tensor]) -> dict:
    state: dict[int, dict[str, Any]] = {}
    prefix = f"optimizer.{name}."
    for key, value in tensors.items():
        if key.startswith(prefix):
            pid, _, field_name = key[len(prefix):].partition(".")
            state.setdefault(int(pid), {})[field_name] = value
    for pid, scalars in spec["scalars"].items():
        state.setdefault(int(pid), {}).update(scalars)
    return {"state": state, "param_groups": spec["param_groups"]}


def warn_rollback(backend_name: str, epoch: int, snapshot: Snapshot, bad: list[str]) -> None:
    warn(f"backend {backend_name!r}: {', '.join(bad)} became non-finite at epoch {epoch + 1}; "
         f"rolled back to epoch {snapshot.epoch} and halved the learning rates "
         f"(now x{snapshot.lr_scale:g}).", RuntimeWarning)
