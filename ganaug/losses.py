"""Adversarial losses: what critic and generator minimise, as definitions (built-ins and the base class).

Each loss states its discriminator (critic) objective and its generator
objective on raw scores (logits), plus optional hooks: ``penalty`` (added to
the critic loss) and ``after_critic_step`` (e.g. weight clipping).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ganaug._deprecated import moved


class AdversarialLoss:
    """Base: subclasses define :meth:`critic` and :meth:`generator`.

    A relativistic loss, whose generator objective compares its samples' scores
    with real ones, sets ``uses_real_scores = True``: the generator step then
    scores a real batch too and passes it as ``generator(fake, real)``.

    A loss whose value is a mean of per-row (per-pack) terms sets
    ``batchable = True``: models stacked into one batch
    (:mod:`ganaug.training.stacked`) then train as if alone.
    """

    name = ""
    uses_real_scores = False
    batchable = False

    def critic(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """Loss the critic minimises, from scores of real and fake samples."""
        raise NotImplementedError

    def generator(self, fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
        """Loss the generator minimises, from scores of its samples (and of real ones, where it
        ``uses_real_scores``)."""
        raise NotImplementedError

    def penalty(self, critic: Callable[..., torch.Tensor], real: torch.Tensor,
                fake: torch.Tensor, cond: torch.Tensor) -> torch.Tensor | None:
        """Extra critic loss term (gradient penalty), or None."""
        return None

    def after_critic_step(self, critic: nn.Module) -> None:
        """Called after every critic optimiser step."""


class Minimax(AdversarialLoss):
    """Goodfellow et al. 2014: D max log D(x) + log(1 - D(G(z))); G min log(1 - D(G(z)))."""

    name = "minimax"
    batchable = True  # means of per-row terms

    def critic(self, real, fake):
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def generator(self, fake):
        # log(1 - sigmoid(f)) = -softplus(f); G minimises it
        return -F.softplus(fake).mean()


class NonSaturating(Minimax):
    """Goodfellow's practical variant: G maximises log D(G(z)) for strong early gradients."""

    name = "non-saturating"

    def generator(self, fake):
        return F.softplus(-fake).mean()


class WassersteinClip(AdversarialLoss):
    """Arjovsky et al. 2017: critic maximises E[f(x)] - E[f(G(z))], weights clipped to [-c, c]."""

    name = "wgan-clip"
    batchable = True

    def __init__(self, clip: float = 0.01) -> None:
        self.clip = clip

    def critic(self, real, fake):
        return fake.mean() - real.mean()

    def generator(self, fake):
        return -fake.mean()

    def after_critic_step(self, critic):
        with torch.no_grad():
            for p in critic.parameters():
                p.clamp_(-self.clip, self.clip)


class WassersteinGP(WassersteinClip):
    """Gulrajani et al. 2017: Wasserstein loss with a gradient penalty instead of clipping.

    ``every > 1`` applies the penalty lazily (Karras et al. 2020): on every
    ``every``-th critic step only, scaled by ``every`` so its average weight is
    unchanged. The penalty's double backward is most of a critic step's cost.
    """

    name = "wgan-gp"

    def __init__(self, weight: float = 10.0, every: int = 1) -> None:
        self.weight, self.every, self._calls = weight, every, 0

    def penalty(self, critic, real, fake, cond):
        self._calls += 1
        if (self._calls - 1) % self.every:
            return None
        return self.weight * self.every * gradient_penalty(critic, real, fake, cond)

    def after_critic_step(self, critic):
        pass


class Hinge(AdversarialLoss):
    """Lim & Ye 2017 / Miyato et al. 2018: hinge critic loss, G maximises the critic score."""

    name = "hinge"
    batchable = True

    def critic(self, real, fake):
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()

    def generator(self, fake):
        return -fake.mean()


class RelativisticAverage(AdversarialLoss):
    """Jolicoeur-Martineau 2019 (RaGAN): each side judges whether real samples score above the
    average fake one, and fake above the average real one; the generator's loss needs real scores."""

    name = "relativistic-average"
    uses_real_scores = True

    def critic(self, real, fake):
        return F.softplus(-(real - fake.mean())).mean() + F.softplus(fake - real.mean()).mean()

    def generator(self, fake, real=None):
        if real is None:
            raise ValueError("the relativistic loss needs the real samples' scores (uses_real_scores).")
        return F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()


def gradient_penalty(critic: Callable[..., torch.Tensor], real: torch.Tensor,
                     fake: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
    """Mean of (||grad_x critic(x_hat)|| - 1)^2 on random interpolates x_hat.

    One mixing weight per pack of rows, so PacGAN critics see coherent packs.
    """
    pac = getattr(getattr(critic, "module", critic), "pac", 1)  # a DDP wrapper holds the critic as .module
    n = real.shape[0]
    eps = torch.rand(n // pac, 1, 1, device=real.device).expand(-1, pac, 1)
    eps = eps.reshape(n, *[1] * (real.ndim - 1))  # (n, 1) rows, (n, 1, 1, 1) images
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)  # like real
    scores = critic(mixed, cond)
    (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    norms = grad.reshape(n // pac, -1).norm(dim=1)  # (n // pac,)
    return ((norms - 1.0) ** 2).mean()


# the built-in losses, registered through the register_losses hook like a plugin's (ganaug.registry)
LOSSES: dict[str, Callable[..., AdversarialLoss]] = {
    cls.name: cls
    for cls in (Minimax, NonSaturating, WassersteinClip, WassersteinGP, Hinge, RelativisticAverage)
}

__getattr__ = moved(__name__, {"get_loss": "ganaug.registry"})
