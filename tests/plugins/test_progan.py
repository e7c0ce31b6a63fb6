"""The progan backend: growth schedule, fade-in, its equalised layers and minibatch std."""

import torch
import torch.nn.functional as F

from ganaug import GANOverSampler
from ganaug.testing import tiny_images
from ganaug_plugins.progan import ProCritic, ProGenerator, growth_schedule, minibatch_stddev


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


def test_minibatch_stddev_appends_the_spread_of_the_batch():
    same = torch.ones(8, 3, 4, 4)
    varied = torch.randn(8, 3, 4, 4)
    assert minibatch_stddev(same).shape == (8, 4, 4, 4)
    assert minibatch_stddev(same)[:, 3].max() < 1e-3 < minibatch_stddev(varied)[:, 3].min()
    assert minibatch_stddev(torch.randn(6, 3, 4, 4)).shape == (6, 4, 4, 4)  # 6 is not a multiple of 4
