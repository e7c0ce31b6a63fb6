"""The network blocks backends share (ganaug.nn), checked against hand-computed cases."""

import math

import pytest
import torch
import torch.nn.functional as F

from ganaug.data.span import Span
from ganaug.nn import (
    EqualizedLinear,
    ImageGenerator,
    ProjectionCritic,
    SelfAttention2d,
    TabularHead,
    pixel_norm,
    segment_log_softmax,
)
from ganaug_plugins.progan import EqualizedConv2d


def test_self_attention_starts_as_identity_then_mixes_positions():
    torch.manual_seed(0)
    block = SelfAttention2d(16)
    x = torch.randn(2, 16, 8, 8)
    assert torch.equal(block(x), x)  # gamma = 0
    with torch.no_grad():
        block.gamma.fill_(1.0)
    changed = x.clone()
    changed[:, :, 0, 0] += 5.0  # one position changes ...
    far = (block(changed) - block(x))[:, :, 7, 7]
    assert far.abs().max() > 0  # ... and a far-away output position sees it


def test_generator_and_critic_place_attention_at_the_asked_side():
    gen = ImageGenerator(8, 3, 1, 16, 4, attention_at=8, sn=True)
    critic = ProjectionCritic(3, 1, 16, 4, attention_at=8, residual=True)
    assert sum(isinstance(m, SelfAttention2d) for m in gen.modules()) == 1
    assert sum(isinstance(m, SelfAttention2d) for m in critic.modules()) == 1
    z, cond = torch.randn(5, 8), F.one_hot(torch.tensor([0, 1, 2, 0, 1]), 3).float()
    assert gen(z, cond).shape == (5, 1, 16, 16) and critic(gen(z, cond), cond).shape == (5,)


def test_plain_generator_keys_are_unchanged_without_attention():
    # saved dcgan models keep loading: no placeholder layers shift the state-dict keys
    keys = set(ImageGenerator(8, 3, 1, 8, 4).state_dict())
    assert "blocks.1.weight" in keys and not any("query" in k for k in keys)


def test_equalized_layers_scale_at_run_time():
    linear = EqualizedLinear(50, 3)
    x = torch.randn(4, 50)
    torch.testing.assert_close(linear(x), x @ (linear.weight * math.sqrt(2 / 50)).T)
    conv = EqualizedConv2d(2, 5, 3)
    assert conv.scale == pytest.approx(math.sqrt(2 / 18))
    assert conv(torch.randn(1, 2, 6, 6)).shape == (1, 5, 6, 6)


def test_pixel_norm_gives_unit_mean_square_per_position():
    x = pixel_norm(torch.randn(3, 7, 4, 4) * 9)
    torch.testing.assert_close(x.pow(2).mean(dim=1), torch.ones(3, 4, 4))


def test_segment_log_softmax_matches_per_group():
    x = torch.randn(4, 5)
    groups = torch.tensor([0, 0, 1, 1, 1])
    expected = torch.cat([x[:, :2].log_softmax(1), x[:, 2:].log_softmax(1)], 1)
    assert torch.allclose(segment_log_softmax(x, groups, 2), expected, atol=1e-6)


def test_tabular_head_activations():
    layout = (Span("a", "numeric", 0, 1, "tanh"), Span("b", "categorical", 1, 3, "softmax"),
              Span("c", "numeric", 4, 1, "linear"))
    head = TabularHead(layout).eval()
    out = head(torch.tensor([[10.0, 1.0, 2.0, 3.0, -7.0]]))
    assert out[0, 0].item() == pytest.approx(math.tanh(10.0))
    assert out[0, 1:4].sum().item() == pytest.approx(1.0) and out[0, 3] > out[0, 1]
    assert out[0, 4].item() == -7.0
