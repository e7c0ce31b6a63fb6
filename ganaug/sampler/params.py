"""Parameter checks of ``GANOverSampler``, done in one place: each names the parameter and the fix."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from ganaug.backend import Backend
from ganaug.errors import (
    InputError,
    ModelFileError,
    OptionsError,
    RegistryError,
)
from ganaug.options import build_options
from ganaug.registry import get_backend


def sampler_params(cls: type) -> tuple[str, ...]:
    """The sampler's own parameters, read off its signature (everything else is a backend option)."""
    return tuple(name for name, p in inspect.signature(cls.__init__).parameters.items()
                 if name != "self" and p.kind is not p.VAR_KEYWORD)


# backend="auto": the best measured method of each data kind (docs/benchmarks); never an MLP on pixels
AUTO_BACKENDS = {"tabular": "wgan-gp", "image": "albumentations"}


def backend_name(sampler: Any) -> str:
    return sampler.backend if isinstance(sampler.backend, str) else sampler.backend.name


def backend_class(sampler: Any, kind: str = "tabular") -> type[Backend]:
    if isinstance(sampler.backend, type) and issubclass(sampler.backend, Backend):
        cls = sampler.backend
    elif sampler.backend == "auto":
        if kind == "image" and importlib.util.find_spec("albumentations") is None:
            raise OptionsError("backend='auto' on images is 'albumentations' (classical transforms, the best "
                               "measured image method), which needs the albumentations package: pip install "
                               "'ganaug[images]'. Or name an image GAN, e.g. backend='cyclegan'.")
        cls = get_backend(AUTO_BACKENDS[kind])
    elif isinstance(sampler.backend, str):
        cls = get_backend(sampler.backend)
    else:
        raise OptionsError(f"backend must be a name or a Backend subclass, got {sampler.backend!r}")
    if kind not in cls.data_kinds:
        hint = "a tabular backend such as 'wgan-gp' or 'ctgan'" if kind == "tabular" else \
            "an image backend such as 'dcgan'"
        raise InputError(
            f"backend {cls.name!r} works on {', '.join(cls.data_kinds)} data, not {kind} data; "
            f"pick {hint} (`ganaug backends` lists them and their data kinds)."
        )
    return cls


def resolve_conditioning(sampler: Any, cls: type[Backend]) -> bool:
    if sampler.conditioning not in ("auto", "conditional", "per-class"):
        raise OptionsError(
            f"conditioning={sampler.conditioning!r}: use 'auto', 'conditional' or 'per-class'."
        )
    if sampler.conditioning == "conditional" and not cls.conditional:
        raise OptionsError(
            f"backend {cls.name!r} is unconditional, so it trains one generator per class: "
            "use conditioning='per-class' (or 'auto'), or a conditional backend such as "
            "'cgan', 'wgan-gp' or 'ctgan'."
        )
    return cls.conditional and sampler.conditioning != "per-class"


def backend_options(sampler: Any, cls: type[Backend]) -> Any:
    values = {k: getattr(sampler, k) for k in sampler._backend_option_names}
    for key in ("epochs", "batch_size"):
        value = getattr(sampler, key)
        if value is not None:
            values[key] = value
    return build_options(cls.Options, values, cls.name)


def check_parameters(sampler: Any) -> None:
    """The sampler's own parameters (a backend's are checked by its Options); errors name them."""
    for name in ("epochs", "batch_size", "checkpoint_every"):
        value = getattr(sampler, name)
        if value is not None and (not is_whole(value) or value < 1):
            raise OptionsError(f"{name}={value!r}: give a whole number >= 1, or None for the default.")
    if sampler.n_jobs is not None and (not is_whole(sampler.n_jobs) or sampler.n_jobs == 0):
        raise OptionsError(f"n_jobs={sampler.n_jobs!r}: give None or 1 (one process), a number of "
                           "processes, or -1 for every core.")
    if isinstance(sampler.random_state, int | np.integer) and not isinstance(sampler.random_state, bool):
        checked_seed(sampler.random_state, "random_state")
    elif sampler.random_state is not None and not isinstance(sampler.random_state, np.random.RandomState):
        raise OptionsError(f"random_state={sampler.random_state!r}: give an int in [0, 2**32 - 1], a "
                           "numpy RandomState, or None.")
    if sampler.checkpoint is not None and Path(sampler.checkpoint).is_dir():
        example = str(Path(sampler.checkpoint) / "run.ckpt.safetensors")
        raise OptionsError(f"checkpoint={str(sampler.checkpoint)!r} is a folder; give a file name in it, "
                           f"e.g. {example!r}.")
    if not isinstance(sampler.verbose, bool | int | np.integer | np.bool_):
        raise OptionsError(f"verbose={sampler.verbose!r}: give True or False.")
    if sampler.conditioning not in ("auto", "conditional", "per-class"):
        raise OptionsError(f"conditioning={sampler.conditioning!r}: use 'auto', 'conditional' or "
                           "'per-class'.")
    if not isinstance(sampler.backend, str) and not (isinstance(sampler.backend, type)
                                                  and issubclass(sampler.backend, Backend)):
        raise OptionsError(f"backend={sampler.backend!r}: give a registered name (ganaug.list_backends()) "
                           "or a Backend subclass.")


def run_seed(sampler: Any) -> int:
    if isinstance(sampler.random_state, (int, np.integer)) and not isinstance(sampler.random_state, bool):
        return int(sampler.random_state)
    return int(check_random_state(sampler.random_state).randint(2**31 - 1))


def is_whole(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def checked_seed(value: Any, name: str) -> int:
    """An int seed in numpy's range [0, 2**32 - 1], or an OptionsError naming ``name``."""
    if not is_whole(value) or not 0 <= value < 2**32:
        raise OptionsError(f"{name}={value!r}: give an int in [0, 2**32 - 1] (or None for a random seed).")
    return int(value)


def registered_backend(name: str) -> type[Backend]:
    try:
        return get_backend(name)
    except RegistryError as err:
        raise ModelFileError(f"the model needs backend {name!r}, not installed here: {err}") from None
