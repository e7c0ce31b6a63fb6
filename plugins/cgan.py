"""``cgan``: Mirza & Osindero's conditional GAN (class one-hot into G and D)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ganaug.plugin import AdversarialOptions, MLPGANBackend, hookimpl


@dataclass
class CGANOptions(AdversarialOptions):
    """Options of the ``cgan`` backend (see AdversarialOptions for the shared fields)."""

    loss: Literal["non-saturating", "minimax", "hinge"] = "non-saturating"


class CGANBackend(MLPGANBackend):
    """Conditional GAN: one generator for all classes, the label fed to G and D."""

    name = "cgan"
    data_kinds = ("tabular", "image")  # images: an MLP on the flattened pixels
    conditional = True
    Options = CGANOptions
    reference = "Mirza & Osindero, Conditional Generative Adversarial Nets, 2014"


@hookimpl
def register_backends(register):
    register(CGANBackend)
