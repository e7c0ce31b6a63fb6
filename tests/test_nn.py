"""Shared network blocks in ganaug.nn, checked against hand-computed cases."""

import math

import pytest
import torch
import torch.nn.functional as F

from ganaug.nn import EqualizedLinear, ImageGenerator, ProjectionCritic, SelfAttention2d, pixel_norm
from ganaug_plugins.biggan import ConditionalBatchNorm2d, orthogonal_penalty, truncated_normal
from ganaug_plugins.cogan import (
    CoupledImageCritic,
    CoupledImageGenerator,
    CoupledMLPCritic,
    CoupledMLPGenerator,
    route,
)
from ganaug_plugins.cyclegan import ImageTranslator
from ganaug_plugins.progan import EqualizedConv2d, minibatch_stddev
from ganaug_plugins.stylegan import ModulatedConv2d, NoiseInjection


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


def test_conditional_batch_norm_starts_as_batch_norm_and_follows_the_condition():
    norm = ConditionalBatchNorm2d(4, 3)
    x, cond = torch.randn(6, 4, 2, 2), torch.zeros(6, 3)
    torch.testing.assert_close(norm(x, cond), F.batch_norm(x, None, None, training=True))
    with torch.no_grad():
        cond[:3, 0] = 1.0
        out = norm(x, cond)
    assert not torch.allclose(out[:3], F.batch_norm(x, None, None, training=True)[:3])


def test_orthogonal_penalty_is_zero_for_orthogonal_filters():
    conv = torch.nn.Conv2d(4, 3, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.eye(3, 4).view(3, 4, 1, 1) * 2.0)  # orthogonal, norms 2: not penalised
    assert orthogonal_penalty(conv).item() == 0.0
    with torch.no_grad():
        conv.weight[1, 0] = 1.0  # filters 0 and 1 now overlap: <f0, f1> = 2
    assert orthogonal_penalty(conv).item() == pytest.approx(2 * 2.0**2)  # both off-diagonal entries


def test_truncated_normal_stays_within_the_threshold_and_is_seeded():
    first = truncated_normal((500, 8), 0.5, torch.Generator().manual_seed(0))
    again = truncated_normal((500, 8), 0.5, torch.Generator().manual_seed(0))
    assert first.abs().max() <= 0.5 and torch.equal(first, again) and first.std() > 0.2


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


def test_minibatch_stddev_appends_the_spread_of_the_batch():
    same = torch.ones(8, 3, 4, 4)
    varied = torch.randn(8, 3, 4, 4)
    assert minibatch_stddev(same).shape == (8, 4, 4, 4)
    assert minibatch_stddev(same)[:, 3].max() < 1e-3 < minibatch_stddev(varied)[:, 3].min()
    assert minibatch_stddev(torch.randn(6, 3, 4, 4)).shape == (6, 4, 4, 4)  # 6 is not a multiple of 4


def test_modulated_conv_equals_a_plain_conv_with_the_styled_weights():
    torch.manual_seed(0)
    conv = ModulatedConv2d(3, 2, 3, style_dim=5)
    x, w = torch.randn(2, 3, 6, 6), torch.randn(2, 5)
    out = conv(x, w)
    style = conv.affine(w[1])  # sample 1 by hand
    weight = conv.scale * conv.weight * style.view(1, 3, 1, 1)
    weight = weight / weight.pow(2).sum(dim=(1, 2, 3), keepdim=True).add(1e-8).sqrt()  # demodulate
    expected = F.conv2d(x[1:], weight, conv.bias, padding=1)
    torch.testing.assert_close(out[1:], expected, rtol=1e-4, atol=1e-5)


def test_noise_injection_is_reproducible_with_a_generator():
    layer = NoiseInjection()
    with torch.no_grad():
        layer.strength.fill_(1.0)
    x = torch.zeros(2, 1, 3, 3)
    first = layer(x, torch.Generator().manual_seed(3))
    assert torch.equal(first, layer(x, torch.Generator().manual_seed(3))) and first.std() > 0


def test_route_sends_each_row_through_its_domain_branch_with_gradients():
    branches = torch.nn.ModuleList([torch.nn.Linear(2, 3), torch.nn.Linear(2, 3)])
    x, domains = torch.randn(5, 2), torch.tensor([1, 0, 1, 1, 0])
    out = route(branches, x, domains)
    torch.testing.assert_close(out[0], branches[1](x[0]))
    torch.testing.assert_close(out[1], branches[0](x[1]))
    out.sum().backward()
    assert all(b.weight.grad is not None and b.weight.grad.abs().sum() > 0 for b in branches)


def test_translator_keeps_the_image_shape_and_reads_the_condition():
    torch.manual_seed(0)
    for side, channels in ((8, 1), (32, 3)):
        net = ImageTranslator(channels, 4, side, width=8).eval()
        x = torch.randn(2, channels, side, side)
        first, second = torch.eye(4)[[0, 0]], torch.eye(4)[[2, 2]]
        out = net(x, first)
        assert out.shape == x.shape and out.abs().max() <= 1
        assert not torch.allclose(out, net(x, second)), "the target class has no effect"


def test_coupled_generators_share_the_trunk_and_differ_by_head():
    torch.manual_seed(0)
    generator = CoupledImageGenerator(16, 3, 1, 8, width=8).eval()
    z = torch.randn(4, 16)
    images = generator(z, torch.eye(3)[[0, 0, 2, 2]])
    assert images.shape == (4, 1, 8, 8)
    # the same z through two heads: the same trunk features, other pixels
    assert not torch.allclose(generator(z[:1], torch.eye(3)[[0]]), generator(z[:1], torch.eye(3)[[1]]))
    assert CoupledImageCritic(3, 1, 8, width=8)(images, torch.eye(3)[[0, 1, 2, 0]]).shape == (4,)
    table = CoupledMLPGenerator(16, 2, (32, 32), 5, torch.nn.Identity())
    rows, logits = table.with_logits(z, torch.eye(2)[[0, 1, 1, 0]])
    assert rows.shape == logits.shape == (4, 5)
    assert CoupledMLPCritic(5, 2, (32, 32))(rows, torch.eye(2)[[0, 1, 1, 0]]).shape == (4,)
