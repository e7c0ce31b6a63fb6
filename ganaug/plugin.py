"""Everything a backend plugin imports, in one namespace: ``from ganaug.plugin import ...``.

A plugin needs the hook marker, the backend contract, the training loop and
its option dataclasses, the shared network blocks, losses and a few data
helpers. They live in different layers of ganaug; this module gathers the
public ones so a plugin imports from one place (as ``llm`` plugins import from
``llm``), and so what a plugin may rely on is written down in one list,
:data:`__all__`. Every built-in backend in ``ganaug_plugins`` imports from here
and nowhere else in ganaug.

Example
-------
>>> from ganaug.plugin import AdversarialOptions, MLPGANBackend, hookimpl
"""

from __future__ import annotations

from ganaug.backend import Backend, DataShape, TrainingControl, TrainingData
from ganaug.data.span import Span
from ganaug.data.tabular import TabularCodec
from ganaug.data.text import TextEncoder
from ganaug.errors import shown
from ganaug.losses import AdversarialLoss
from ganaug.nn import (
    ConditionalCritic,
    ConditionalGenerator,
    EqualizedLinear,
    Generator,
    ImageGenerator,
    ProjectionCritic,
    ResidualDownBlock,
    SelfAttention2d,
    TabularHead,
    mlp,
    one_hot,
    pixel_norm,
    segment_log_softmax,
    spectral,
    upsampling_steps,
)
from ganaug.options import OptionsBase
from ganaug.refinements import augment_one, default_transform
from ganaug.registry import get_loss
from ganaug.registry.hookspecs import hookimpl
from ganaug.training.batches import ClassBatches
from ganaug.training.data_efficient import DataEfficientOptions, DataEfficientTraining
from ganaug.training.fit_state import FitState
from ganaug.training.image import ConvOptions, ImageGANBackend, ImageGANOptions
from ganaug.training.loop import AdversarialBackend, adam
from ganaug.training.mlp import MLPGANBackend
from ganaug.training.options import AdversarialOptions, LoopOptions, MLPOptions

__all__ = [
    # registering
    "hookimpl",
    # the contract
    "Backend", "DataShape", "TrainingControl", "TrainingData", "OptionsBase",
    # the training loop, its families and options
    "AdversarialBackend", "AdversarialOptions", "ClassBatches", "ConvOptions", "DataEfficientOptions",
    "DataEfficientTraining", "FitState", "ImageGANBackend", "ImageGANOptions", "LoopOptions",
    "MLPGANBackend", "MLPOptions", "adam",
    # losses
    "AdversarialLoss", "get_loss",
    # network blocks
    "ConditionalCritic", "ConditionalGenerator", "EqualizedLinear", "Generator", "ImageGenerator",
    "ProjectionCritic", "ResidualDownBlock", "SelfAttention2d", "TabularHead", "mlp", "one_hot",
    "pixel_norm", "segment_log_softmax", "spectral", "upsampling_steps",
    # data
    "Span", "TabularCodec", "TextEncoder", "shown",
    # classical image transforms (the ``albumentations`` backend)
    "augment_one", "default_transform",
]
