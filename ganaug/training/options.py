"""Options of the adversarial training loop, shared by every backend built on it, and the MLP widths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ganaug.options import OptionsBase


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
    # layout of conv nets' activations; auto: channels-last for conv nets on CUDA
    memory_format: Literal["auto", "channels-last", "contiguous"] = "auto"
    compile: bool = False  # torch.compile G and D for the training steps (slow first steps; for long runs)
    # several models of one call (per-class generators, evaluate's folds, fit_many) train as one stack
    stack_models: bool = True

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
