"""Stacked training (ganaug.training.stacked): K models as one, each getting exactly its own gradient."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from ganaug import GANOverSampler, fit_many
from ganaug.backend import TrainingControl, TrainingData
from ganaug.data.span import Span
from ganaug.losses import LOSSES, gradient_penalty
from ganaug.nn import ConditionalCritic, ConditionalGenerator, TabularHead, mlp
from ganaug.registry import get_backend
from ganaug.sampler import resample_fitted
from ganaug.training.batches import ClassBatches
from ganaug.training.stacked import (
    StackedBatches,
    StackedLinear,
    not_stackable,
    stack_modules,
    unstack_modules,
    why_not_stacked,
)

LAYOUT = (Span("a", "numeric", 0, 2, "tanh"), Span("b", "categorical", 2, 3, "softmax"))


def nets(seed):
    torch.manual_seed(seed)
    generator = ConditionalGenerator(mlp(4 + 2, (8, 8), 5), TabularHead(LAYOUT))
    critic = ConditionalCritic(mlp(5 + 2, (8,), 1), pac=1)
    return generator, critic


def test_stacked_linear_computes_each_model_on_its_block_of_rows():
    layers = [nn.Linear(3, 4) for _ in range(3)]
    x = torch.randn(3 * 5, 3)
    stacked = StackedLinear(layers)(x)
    expected = torch.cat([layer(x[5 * i : 5 * (i + 1)]) for i, layer in enumerate(layers)])
    torch.testing.assert_close(stacked, expected)


def test_stack_of_nets_matches_each_net_and_unstacks_into_them():
    generators = [nets(seed)[0] for seed in range(3)]
    stacked = stack_modules(generators)
    z, cond = torch.randn(12, 4), torch.eye(2)[torch.randint(2, (12,))]
    torch.testing.assert_close(stacked(z, cond),
                               torch.cat([g(z[4 * i : 4 * i + 4], cond[4 * i : 4 * i + 4])
                                          for i, g in enumerate(generators)]))
    with torch.no_grad():
        for p in stacked.parameters():
            p.add_(1.0)
    targets = [copy.deepcopy(g) for g in generators]
    unstack_modules(stacked, targets)
    for before, after in zip(generators, targets):
        for p, q in zip(before.parameters(), after.parameters()):
            torch.testing.assert_close(q, p + 1.0)


@pytest.mark.parametrize("loss_name", ["wgan-gp", "non-saturating", "hinge", "wgan-clip"])
def test_k_times_the_stacked_loss_gives_each_model_its_own_gradient(loss_name):
    loss = LOSSES[loss_name]()
    assert loss.batchable
    critics = [nets(seed)[1] for seed in range(3)]
    stacked = stack_modules(critics)
    real, fake, cond = torch.randn(3 * 6, 5), torch.randn(3 * 6, 5), torch.eye(2)[torch.randint(2, (18,))]

    def critic_loss(critic, r, f, c):
        total = loss.critic(critic(r, c), critic(f, c))
        if loss_name == "wgan-gp":
            torch.manual_seed(0)  # the same interpolation weights for the stack and the models
            total = total + gradient_penalty(critic, r, f, c)
        return total

    (critic_loss(stacked, real, fake, cond) * 3).backward()
    torch.manual_seed(0)
    eps = torch.rand(18, 1, 1)  # what the stack's penalty drew; each model gets its own rows' weights
    for i, critic in enumerate(critics):
        rows = slice(6 * i, 6 * i + 6)
        own = loss.critic(critic(real[rows], cond[rows]), critic(fake[rows], cond[rows]))
        if loss_name == "wgan-gp":
            mixed = (eps[rows].reshape(6, 1) * real[rows] + (1 - eps[rows].reshape(6, 1)) * fake[rows])
            mixed.requires_grad_(True)
            (grad,) = torch.autograd.grad(critic(mixed, cond[rows]).sum(), mixed, create_graph=True)
            own = own + ((grad.norm(dim=1) - 1) ** 2).mean()
        own.backward()
        for name, part in stacked.named_modules():
            if isinstance(part, StackedLinear):
                layer = critic.get_submodule(name)
                torch.testing.assert_close(part.weight.grad[i], layer.weight.grad.t())
                torch.testing.assert_close(part.bias.grad[i, 0], layer.bias.grad)


def test_relativistic_loss_is_not_batchable():
    # its terms compare each score with the batch mean: a stack would mix the models
    assert not LOSSES["relativistic-average"]().batchable


def test_a_net_with_convolutions_or_spectral_norm_is_not_stackable():
    assert not_stackable(nets(0)[0]) is None
    assert not_stackable(nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))) is None
    assert "Conv2d" in not_stackable(nn.Sequential(nn.Conv2d(1, 1, 3)))
    assert "ParametrizedLinear" in not_stackable(nn.utils.parametrizations.spectral_norm(nn.Linear(2, 2)))


def test_stacked_batch_norm_normalises_each_block_as_its_own_layer_would():
    norms = [nn.BatchNorm1d(3) for _ in range(2)]
    with torch.no_grad():
        for i, norm in enumerate(norms):
            norm.weight.mul_(i + 2)
            norm.bias.add_(i)
    stacked = stack_modules([nn.Sequential(norm) for norm in norms])
    x = torch.randn(2 * 8, 3) * torch.tensor([1.0, 5.0, 0.1])
    torch.testing.assert_close(stacked(x), torch.cat([norms[0](x[:8]), norms[1](x[8:])]))
    stacked.eval()
    for norm in norms:
        norm.eval()
    y = torch.randn(2 * 4, 3)
    torch.testing.assert_close(stacked(y), torch.cat([norms[0](y[:4]), norms[1](y[4:])]))
    targets = [nn.Sequential(nn.BatchNorm1d(3)) for _ in range(2)]
    unstack_modules(stacked, targets)
    for norm, target in zip(norms, targets):
        torch.testing.assert_close(target[0].running_var, norm.running_var)
        torch.testing.assert_close(target[0].weight, norm.weight)


def test_ctgan_models_train_as_a_stack(monkeypatch):
    import ganaug.sampler.jobs as jobs

    sizes, real_fit = [], jobs.fit_stacked
    monkeypatch.setattr(jobs, "fit_stacked", lambda backends, *a: (sizes.append(len(backends)),
                                                                    real_fit(backends, *a)))
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (60, 2)), rng.normal(3, 1, (20, 2))]
    y = np.r_[np.zeros(60, int), np.ones(20, int)]
    fitted = fit_many([GANOverSampler(backend="ctgan", random_state=s, epochs=2, max_modes=1)
                       for s in range(3)], [(X, y)] * 3)
    assert sizes == [3]
    draws = [np.asarray(s.generate({1: 30}, random_state=0)[0]) for s in fitted]
    assert all(np.isfinite(d).all() and d.std(0).min() > 0 for d in draws)
    assert not np.allclose(draws[0], draws[1])


class OwnBatches(ClassBatches):
    """A backend's own sampler: the stack draws from it model by model."""


@pytest.mark.parametrize("kind", [ClassBatches, OwnBatches])
def test_stacked_batches_draw_each_models_rows_only(kind):
    ys = [torch.tensor([0, 0, 1]), torch.tensor([0, 1, 1, 1])]
    batches = StackedBatches([kind(y, 2, 0.0) for y in ys], [3, 4])
    assert batches.joint == (kind is ClassBatches)
    rows, classes = batches.sample(50)
    assert rows.shape == (100,) and classes.shape == (100,)
    assert rows[:50].max() < 3 and rows[50:].min() >= 3
    torch.testing.assert_close(torch.cat(ys)[rows], classes)
    assert set(classes[:50].tolist()) == set(classes[50:].tolist()) == {0, 1}  # uniform over classes


def _set_up(name, n_rows, **options):
    cls = get_backend(name) if isinstance(name, str) else name
    backend = cls(cls.Options(**options), torch.device("cpu"))
    data = TrainingData(torch.rand(n_rows, 5) * 2 - 1, torch.arange(n_rows) % 2, 2, LAYOUT[:1] + (
        Span("c", "numeric", 2, 3, "tanh"),), "tabular")
    return backend, backend.begin_fit(data)


def test_why_not_stacked_names_the_reason():
    pair = [_set_up("wgan-gp", 20, steps=2) for _ in range(2)]
    controls = [TrainingControl(), TrainingControl()]
    assert why_not_stacked([b for b, _ in pair], [d for _, d in pair], controls) is None
    other = [pair[0], _set_up("wgan-gp", 20, steps=3)]
    assert "differ" in why_not_stacked([b for b, _ in other], [d for _, d in other], controls)
    unmarked = type("Unmarked", (get_backend("wgan-gp"),), {"batchable": False, "name": "unmarked"})
    plain = [_set_up(unmarked, 20, steps=2) for _ in range(2)]
    assert "batchable" in why_not_stacked([b for b, _ in plain], [d for _, d in plain], controls)
    relativistic = [_set_up("cgan", 20, steps=2, loss="relativistic-average") for _ in range(2)]
    assert "per-row" in why_not_stacked([b for b, _ in relativistic], [d for _, d in relativistic], controls)
    with_file = [TrainingControl(path="x.ckpt"), TrainingControl()]
    assert "checkpoint" in why_not_stacked([b for b, _ in pair], [d for _, d in pair], with_file)


@pytest.fixture
def binary():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (60, 3)), rng.normal(3, 1, (12, 3))]
    return X, np.r_[np.zeros(60, int), np.ones(12, int)]


def test_fit_many_fits_each_sampler_reproducibly(binary):
    X, y = binary
    make = lambda: [GANOverSampler(random_state=seed, steps=20) for seed in range(3)]  # noqa: E731
    first, second = fit_many(make(), [(X, y)] * 3), fit_many(make(), [(X, y)] * 3)
    draws = [s.generate({1: 5}, random_state=0)[0] for s in first]
    assert not np.allclose(draws[0], draws[1])  # different seeds: different members
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.generate({1: 5}, random_state=0)[0],
                                      b.generate({1: 5}, random_state=0)[0])
    X_res, y_res = resample_fitted(first[0], X, y)
    assert np.bincount(y_res).tolist() == [60, 60] and np.array_equal(X_res[:72], X)


def test_fit_many_stacks_models_and_leaves_the_rest_alone(binary, monkeypatch):
    import ganaug.sampler.jobs as jobs

    X, y = binary
    calls = []
    monkeypatch.setattr(jobs, "fit_stacked", lambda backends, *a: calls.append(len(backends)))
    samplers = [GANOverSampler(random_state=0, steps=5), GANOverSampler(random_state=1, steps=5),
                GANOverSampler(random_state=0, steps=5, stack_models=False)]
    fit_many(samplers, [(X, y)] * 3)  # the patched stack trains nothing: what matters is what it gets
    assert calls == [2]
    assert samplers[2].backends_[1].history_  # the one with stack_models=False trained alone


def test_per_class_generators_of_one_fit_train_as_a_stack(binary, monkeypatch):
    import ganaug.sampler.jobs as jobs

    X, y = binary
    y = np.r_[y[:40], np.full(20, 2), y[60:]]  # three classes: two to grow
    sizes = []
    real_fit = jobs.fit_stacked
    monkeypatch.setattr(jobs, "fit_stacked", lambda backends, *a: (sizes.append(len(backends)),
                                                                    real_fit(backends, *a)))
    sampler = GANOverSampler(backend="gan", random_state=0, steps=10).fit(X, y)
    assert sizes == [2]
    GANOverSampler(backend="gan", random_state=0, steps=10, stack_models=False).fit(X, y)
    assert sizes == [2]
    assert sampler.backends_[1] is not sampler.backends_[2]
    assert [len(sampler.backends_[c].history_) for c in (1, 2)] == [10, 10]  # one epoch a step here
    draw = np.asarray(sampler.generate({1: 4, 2: 4}, random_state=0)[0])
    assert draw.shape == (8, 3) and np.isfinite(draw).all()


def test_fit_many_refuses_mismatched_lengths(binary):
    from ganaug.errors import InputError

    with pytest.raises(InputError, match="one \\(X, y\\) pair per sampler"):
        fit_many([GANOverSampler()], [binary, binary])
    with pytest.raises(InputError, match="pair"):
        fit_many([GANOverSampler()], [binary[0]])


def test_stack_models_is_not_part_of_a_checkpoints_fingerprint(binary, tmp_path):
    X, y = binary
    path = tmp_path / "run.ckpt"
    GANOverSampler(random_state=0, steps=4, checkpoint=path, checkpoint_every=1).fit(X, y)
    # resuming with the other setting is the same run
    GANOverSampler(random_state=0, steps=4, checkpoint=path, stack_models=False).fit(X, y, resume=True)


def test_models_whose_columns_differ_train_as_one_padded_stack(monkeypatch):
    import pandas as pd

    import ganaug.sampler.jobs as jobs

    rng = np.random.default_rng(0)

    def table(levels):
        X = pd.DataFrame({"x": rng.normal(size=40), "kind": rng.choice(levels, 40)})
        return X, np.r_[np.zeros(32, int), np.ones(8, int)]

    sizes, real_fit = [], jobs.fit_stacked
    monkeypatch.setattr(jobs, "fit_stacked", lambda backends, *a: (sizes.append(len(backends)),
                                                                    real_fit(backends, *a)))
    datasets = [table(["a", "b"]), table(["a", "b", "c"]), table(["a", "b"])]  # one more category: wider
    fitted = fit_many([GANOverSampler(random_state=0, steps=3) for _ in datasets], datasets)
    assert sizes == [3]  # padded to a common layout (ganaug.training.padding)
    assert [s.codec_.n_features_ for s in fitted][1] > fitted[0].codec_.n_features_
    for sampler, (X, y) in zip(fitted, datasets):
        X_res, _ = resample_fitted(sampler, X, y)
        assert set(X_res["kind"]) <= set(X["kind"])
