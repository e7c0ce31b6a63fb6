"""The cogan backend: a shared trunk and a head per class, and its routing."""

import torch

from ganaug import GANOverSampler
from ganaug.testing import tiny_images
from ganaug_plugins.cogan import (
    CoupledImageCritic,
    CoupledImageGenerator,
    CoupledMLPCritic,
    CoupledMLPGenerator,
    route,
)


def test_cogan_shares_the_trunk_and_keeps_a_head_per_class():
    images, y = tiny_images()
    sampler = GANOverSampler(backend="cogan", epochs=1, batch_size=16, random_state=0, device="cpu")
    sampler.fit_resample(images, y)
    generator = sampler.backends_["minor"].generator
    assert len(generator.heads) == 3 and len(sampler.backends_["minor"].critic.stems) == 3


def test_route_sends_each_row_through_its_domain_branch_with_gradients():
    branches = torch.nn.ModuleList([torch.nn.Linear(2, 3), torch.nn.Linear(2, 3)])
    x, domains = torch.randn(5, 2), torch.tensor([1, 0, 1, 1, 0])
    out = route(branches, x, domains)
    torch.testing.assert_close(out[0], branches[1](x[0]))
    torch.testing.assert_close(out[1], branches[0](x[1]))
    out.sum().backward()
    assert all(b.weight.grad is not None and b.weight.grad.abs().sum() > 0 for b in branches)


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
