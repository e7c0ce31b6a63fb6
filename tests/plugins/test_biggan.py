"""The biggan backend: truncation, latent chunks, conditional batch norm, orthogonal penalty."""

import pytest
import torch
import torch.nn.functional as F

from ganaug import GANOverSampler
from ganaug.testing import tiny_images
from ganaug_plugins.biggan import ConditionalBatchNorm2d, orthogonal_penalty, truncated_normal


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
