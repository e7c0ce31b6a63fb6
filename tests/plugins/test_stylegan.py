"""The stylegan backend: W truncation, style mixing, modulated convolutions, noise."""

import torch
import torch.nn.functional as F

from ganaug_plugins.stylegan import ModulatedConv2d, NoiseInjection, StyleGenerator


def test_stylegan_truncation_pulls_styles_to_the_class_average():
    torch.manual_seed(0)
    gen = StyleGenerator(8, 2, 1, 8, 4, style_dim=6, mapping_layers=2, mixing_prob=0.0, mapping_lr_mul=0.01)
    z, cond = torch.randn(5, 8), F.one_hot(torch.zeros(5, dtype=torch.long), 2).float()
    gen(z, cond)  # training mode: tracks the class-0 average of w
    assert gen.w_avg[0].abs().sum() > 0 and gen.w_avg[1].abs().sum() == 0
    gen.eval()
    collapsed = gen(z, cond, truncation=0.0)  # noise strengths start at 0: every sample is the average
    torch.testing.assert_close(collapsed, collapsed[:1].expand_as(collapsed))
    assert not torch.allclose(gen(z, cond), collapsed)


def test_stylegan_style_mixing_switches_styles_at_a_layer():
    torch.manual_seed(0)
    gen = StyleGenerator(8, 2, 1, 16, 4, style_dim=6, mapping_layers=2, mixing_prob=1.0, mapping_lr_mul=0.01)
    z, cond = torch.randn(3, 8), F.one_hot(torch.ones(3, dtype=torch.long), 2).float()
    styles = gen._styles(gen.map(z, cond), z, cond)
    assert len(styles) == 5 and styles[0] is not styles[-1]
    gen.eval()
    assert all(s is styles[0] for s in gen._styles(styles[0], z, cond))  # no mixing when sampling


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
