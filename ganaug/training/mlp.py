"""The MLP backend family: fully connected G and D with the class one-hot joined to their inputs."""

from __future__ import annotations

from ganaug.backend import DataShape
from ganaug.nn import ConditionalCritic, ConditionalGenerator, TabularHead, mlp
from ganaug.training.loop import AdversarialBackend


class MLPGANBackend(AdversarialBackend):
    """Fully connected G and D with the class one-hot concatenated to their inputs.

    The base of the ``gan``, ``cgan``, ``wgan`` and ``wgan-gp`` backends, which
    differ in loss, optimiser and conditioning only. Its ``Options`` need the
    loop's fields and the MLP widths (``ganaug.training.AdversarialOptions``).
    """

    def build(self, shape: DataShape) -> None:
        opts, c = self.options, self.condition_dim(shape)
        d = shape.width  # encoded columns (or pixels of a flattened image)
        body = mlp(opts.noise_dim + c, opts.generator_dims, d)
        self.install(ConditionalGenerator(body, TabularHead(shape.layout)),
                     ConditionalCritic(mlp(d + c, opts.critic_dims, 1)))
