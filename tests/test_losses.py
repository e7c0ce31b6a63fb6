"""Adversarial losses (ganaug.losses): values on hand-made scores, penalties, clipping."""

import math

import pytest
import torch
from torch import nn

from ganaug.losses import LOSSES, gradient_penalty
from ganaug.nn import ConditionalCritic
from ganaug.registry import get_loss

REAL, FAKE = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 1.0])


def softplus(x):
    return math.log1p(math.exp(x))


def test_minimax_and_non_saturating_values():
    critic = (softplus(-2) + softplus(0)) / 2 + (softplus(-1) + softplus(1)) / 2
    assert get_loss("minimax").critic(REAL, FAKE).item() == pytest.approx(critic)
    assert get_loss("minimax").generator(FAKE).item() == pytest.approx(-(softplus(-1) + softplus(1)) / 2)
    non_saturating = (softplus(1) + softplus(-1)) / 2
    assert get_loss("non-saturating").generator(FAKE).item() == pytest.approx(non_saturating)


def test_wasserstein_and_hinge_values():
    assert get_loss("wgan-clip").critic(REAL, FAKE).item() == pytest.approx(0.0 - 1.0)
    assert get_loss("wgan-gp").generator(FAKE).item() == pytest.approx(0.0)
    # hinge: relu(1-2)+relu(1-0) = 1 -> 0.5 ; relu(1-1)+relu(1+1) = 2 -> 1.0
    assert get_loss("hinge").critic(REAL, FAKE).item() == pytest.approx(1.5)


def test_weight_clipping():
    critic = nn.Linear(3, 1)
    nn.init.constant_(critic.weight, 5.0)
    get_loss("wgan-clip", clip=0.01).after_critic_step(critic)
    assert critic.weight.abs().max().item() == pytest.approx(0.01)


def test_gradient_penalty_of_a_unit_slope_critic_is_zero():
    critic = ConditionalCritic(nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        critic.body.weight.copy_(torch.tensor([[0.6, 0.8]]))  # gradient norm exactly 1
    real, fake, cond = torch.randn(8, 2), torch.randn(8, 2), torch.zeros(8, 0)
    assert gradient_penalty(critic, real, fake, cond).item() == pytest.approx(0.0, abs=1e-10)
    with torch.no_grad():
        critic.body.weight.mul_(3)  # norm 3 -> (3 - 1)^2 = 4
    assert gradient_penalty(critic, real, fake, cond).item() == pytest.approx(4.0)


def test_unknown_loss_lists_known():
    with pytest.raises(ValueError, match="hinge"):
        get_loss("nope")
    assert set(LOSSES) == {"minimax", "non-saturating", "wgan-clip", "wgan-gp", "hinge",
                           "relativistic-average"}


def test_lazy_gradient_penalty_runs_every_k_steps_with_k_times_the_weight():
    critic = ConditionalCritic(nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        critic.body.weight.copy_(torch.tensor([[1.8, 2.4]]))  # norm 3 -> penalty 4
    loss = get_loss("wgan-gp", weight=10.0, every=3)
    real, fake, cond = torch.randn(4, 2), torch.randn(4, 2), torch.zeros(4, 0)
    values = [loss.penalty(critic, real, fake, cond) for _ in range(6)]
    assert [v is not None for v in values] == [True, False, False, True, False, False]
    assert values[0].item() == pytest.approx(10.0 * 3 * 4.0)


def test_a_relativistic_loss_gets_the_real_scores_in_the_generator_step():
    """RaGAN's generator loss compares its scores with real ones; the step passes them (uses_real_scores)."""
    import torch.nn.functional as F

    from ganaug import GANOverSampler
    from ganaug.testing import tiny_table
    from ganaug.training import AdversarialOptions, MLPGANBackend

    loss = get_loss("relativistic-average")
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 1.0])
    expected = F.softplus(-(fake - 1.0)).mean() + F.softplus(real - 0.0).mean()
    assert torch.isclose(loss.generator(fake, real), expected)
    with pytest.raises(ValueError, match="real samples' scores"):
        loss.generator(fake)

    seen = []

    class Recording(type(loss)):
        def generator(self, fake, real=None):
            seen.append(None if real is None else real.shape)
            return super().generator(fake, real)

    class RaGAN(MLPGANBackend):
        name = "ragan-test"
        Options = AdversarialOptions

        def make_loss(self):
            return Recording()

    X, y = tiny_table()
    sampler = GANOverSampler(backend=RaGAN, epochs=2, batch_size=16, random_state=0).fit(X, y)
    model = next(iter(sampler.backends_.values()))
    assert seen and all(shape is not None and shape[0] == 16 for shape in seen)
    assert all(math.isfinite(v) for epoch in model.history_ for v in epoch.values())
