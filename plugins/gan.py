"""``gan``: Goodfellow et al.'s MLP GAN, unconditional (one generator per class)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ganaug.plugin import AdversarialOptions, MLPGANBackend, hookimpl


@dataclass
class GANOptions(AdversarialOptions):
    """Options of the ``gan`` backend (see AdversarialOptions for the shared fields)."""

    loss: Literal["non-saturating", "minimax"] = "non-saturating"  # G objective variant


class GANBackend(MLPGANBackend):
    """Generative Adversarial Nets: G and D are MLPs playing the minimax game."""

    name = "gan"
    data_kinds = ("tabular", "image")  # images: an MLP on the flattened pixels
    conditional = False
    Options = GANOptions
    reference = "Goodfellow et al., Generative Adversarial Nets, NeurIPS 2014"


@hookimpl
def register_backends(register):
    register(GANBackend)
