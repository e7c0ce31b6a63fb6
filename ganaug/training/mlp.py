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
    Its nets are linear layers and row-wise parts, so several of its models
    train as one stack (``batchable``; :mod:`ganaug.training.stacked`).
    """

    batchable = True

    def build(self, shape: DataShape) -> None:
        opts, c = self.options, self.condition_dim(shape)
        d = shape.width  # encoded columns (or pixels of a flattened image)
        body = mlp(opts.noise_dim + c, opts.generator_dims, d)
        self.install(ConditionalGenerator(body, TabularHead(shape.layout)),
                     ConditionalCritic(mlp(d + c, opts.critic_dims, 1)))
