"""What sets the sagan, biggan, stylegan and progan backends apart (the kit checks the rest)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganaug import GANOverSampler
from ganaug.errors import OptionsError
from ganaug.testing import tiny_images
from ganaug_plugins.progan import ProCritic, ProGenerator, growth_schedule
from ganaug_plugins.stylegan import StyleGenerator


def test_progan_grows_through_every_resolution_and_ends_fully_grown():
    levels = 3  # 4x4, 8x8, 16x16
    path = [growth_schedule(step, 600, levels) for step in range(600)]
    assert path[0] == (0, 1.0) and path[-1] == (2, 1.0)
    fading = [alpha for level, alpha in path if level == 1 and alpha < 1]
    assert fading[0] == 0.0 and fading == sorted(fading) and len(fading) == 100  # one phase of 600 / 6
    assert [level for level, _ in path] == sorted(level for level, _ in path)


def test_progan_networks_take_and_give_full_size_images_at_every_level():
    gen, critic = ProGenerator(8, 3, 1, 16, 4), ProCritic(3, 1, 16, 4)
    z, cond = torch.randn(4, 8), F.one_hot(torch.tensor([0, 1, 2, 0]), 3).float()
    for level, alpha in ((0, 1.0), (1, 0.5), (2, 0.3), (2, 1.0)):
        gen.grow_to(level, alpha)
        critic.grow_to(level, alpha)
        images = gen(z, cond)
        assert images.shape == (4, 1, 16, 16) and critic(images, cond).shape == (4,)
    gen.grow_to(0, 1.0)
    images = gen(z, cond)  # a 4x4 image upsampled: constant 4x4 blocks
    torch.testing.assert_close(images, F.interpolate(F.avg_pool2d(images, 4), scale_factor=4))


def test_progan_sampler_fits_and_samples_fully_grown():
    X, y = tiny_images(side=16)
    sampler = GANOverSampler(backend="progan", epochs=2, batch_size=16, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    model = next(iter(sampler.backends_.values()))
    assert model.sampling_generator().level == 2 and X_res.shape[1:] == (16, 16)


def test_biggan_truncation_narrows_samples_and_is_read_at_sampling_time():
    X, y = tiny_images()
    sampler = GANOverSampler(backend="biggan", epochs=2, batch_size=16, random_state=0).fit(X, y)
    model = next(iter(sampler.backends_.values()))
    wide = model.sample_noise(2000, torch.Generator().manual_seed(0))
    model.options.truncation = 0.5
    narrow = model.sample_noise(2000, torch.Generator().manual_seed(0))
    assert wide.abs().max() > 2 and narrow.abs().max() <= 0.5
    images, _ = sampler.generate({"minor": 3})
    assert images.shape == (3, 8, 8)


def test_biggan_rejects_a_latent_too_short_to_split():
    X, y = tiny_images(side=32)  # 4 resolutions need 4 latent chunks
    with pytest.raises(ValueError, match="noise_dim must be >= 4"):
        GANOverSampler(backend="biggan", noise_dim=3, epochs=1, random_state=0).fit(X, y)


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


@pytest.mark.parametrize("backend", ["sagan", "biggan", "stylegan", "progan"])
def test_rgb_images_of_an_odd_size_come_back_in_shape(backend):
    X, y = tiny_images(side=12, channels=3)
    X_res, y_res = GANOverSampler(backend=backend, epochs=1, batch_size=16, random_state=0).fit_resample(X, y)
    assert X_res.shape[1:] == (12, 12, 3) and X_res.dtype == np.uint8 and len(X_res) == len(y_res)


def test_bad_options_name_the_option():
    X, y = tiny_images()
    with pytest.raises(OptionsError, match="mixing_prob"):
        GANOverSampler(backend="stylegan", mixing_prob=2.0).fit(X, y)
    with pytest.raises(OptionsError, match="attention_side"):
        GANOverSampler(backend="sagan", attention_side=6).fit(X, y)


def test_precision_auto_is_float32_on_cpu_and_bf16_is_really_used_when_asked():
    X, y = tiny_images()
    fit = {"epochs": 2, "batch_size": 16, "random_state": 0}
    default, _ = GANOverSampler(backend="dcgan", **fit).fit_resample(X, y)
    exact, _ = GANOverSampler(backend="dcgan", precision="float32", **fit).fit_resample(X, y)
    sampler = GANOverSampler(backend="dcgan", precision="bf16", **fit)
    half, _ = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(default, exact)
    assert not np.array_equal(default, half)  # bf16 rounding changed the training run
    model = next(iter(sampler.backends_.values()))
    assert model.uses_bf16() and all(np.isfinite(v) for e in model.history_ for v in e.values())
