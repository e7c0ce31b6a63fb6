"""Padding to a common layout (ganaug.training.padding): models whose columns differ, trained as one stack."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from ganaug import GANOverSampler, fit_many
from ganaug.data.span import Span
from ganaug.nn import ConditionalCritic, ConditionalGenerator, TabularHead, mlp
from ganaug.sampler import resample_fitted
from ganaug.training.padding import PaddedHead, Padding, common_layout, why_not_padded
from ganaug.training.stacked import stack_modules, unstack_modules

WIDE = (Span("a", "numeric", 0, 1, "tanh"), Span("b", "categorical", 1, 3, "softmax"),
        Span("c", "numeric", 4, 1, "tanh"))
NARROW = (Span("b", "categorical", 0, 2, "softmax"), Span("c", "numeric", 2, 1, "tanh"))  # no a; b: 2 levels
OTHER = (Span("a", "numeric", 0, 1, "tanh"), Span("c", "numeric", 1, 1, "tanh"),
         Span("d", "categorical", 2, 2, "softmax"))  # no b; a d the others lack


@pytest.fixture
def stack_sizes(monkeypatch):
    """The size of each stack fit_stacked trains, in order (it still trains them)."""
    import ganaug.sampler.jobs as jobs

    sizes, real_fit = [], jobs.fit_stacked
    monkeypatch.setattr(jobs, "fit_stacked", lambda backends, *a: (sizes.append(len(backends)),
                                                                    real_fit(backends, *a)))
    return sizes


def model(layout, seed, pac=1):
    torch.manual_seed(seed)
    width = sum(s.width for s in layout)
    generator = ConditionalGenerator(mlp(4 + 2, (8,), width), TabularHead(layout))
    critic = ConditionalCritic(mlp((width + 2) * pac, (8,), 1), pac=pac)
    return SimpleNamespace(generator=generator, critic=critic)


def test_common_layout_keeps_every_span_once_in_order_at_its_widest():
    common = common_layout([NARROW, WIDE, OTHER])
    assert [(s.column, s.kind, s.start, s.width) for s in common] == [
        ("a", "numeric", 0, 1), ("b", "categorical", 1, 3), ("c", "numeric", 4, 1),
        ("d", "categorical", 5, 2)]
    padding = Padding.plan([NARROW, WIDE, OTHER])
    assert padding.columns[0].tolist() == [1, 2, 4]  # b's two slots first in b's span, then c
    assert padding.closed[0].tolist() == [False, False, False, True, False, False, False]
    assert padding.keep()[2].tolist() == [True, False, False, False, True, True, True]


def test_layouts_that_disagree_have_no_common_layout():
    swapped = (Span("c", "numeric", 0, 1, "tanh"), Span("a", "numeric", 1, 1, "tanh"))
    assert common_layout([WIDE, swapped]) is None
    linear = (Span("a", "numeric", 0, 1, "linear"),)
    assert common_layout([WIDE, linear]) is None


@pytest.mark.parametrize("pac", [1, 2])
def test_a_padded_stack_computes_each_models_own_nets(pac):
    layouts = [WIDE, NARROW, OTHER]
    models = [model(layout, seed, pac) for seed, layout in enumerate(layouts)]
    padding = Padding.plan(layouts)
    padded = [padding.pad_nets(i, m) for i, m in enumerate(models)]
    generator = stack_modules([g for g, _ in padded])
    generator.head = PaddedHead(TabularHead(padding.layout), padding.keep(), padding.closed)
    critic = stack_modules([c for _, c in padded])
    n = 4
    z, cond = torch.randn(3 * n, 4), torch.eye(2)[torch.randint(2, (3 * n,))]
    out = generator(z, cond)  # (3n, D)
    scores = critic(out, cond)  # (3n / pac,)
    for i, m in enumerate(models):
        rows = slice(i * n, (i + 1) * n)
        own = m.generator(z[rows], cond[rows])
        torch.testing.assert_close(out[rows][:, padding.columns[i]], own)
        assert (out[rows][:, ~padding.keep()[i]] == 0).all()
        torch.testing.assert_close(scores[i * n // pac : (i + 1) * n // pac], m.critic(own, cond[rows]))


def test_padded_inputs_get_no_gradient_and_weights_slice_back_into_each_model():
    layouts = [WIDE, NARROW]
    models = [model(layout, seed) for seed, layout in enumerate(layouts)]
    padding = Padding.plan(layouts)
    padded = [padding.pad_nets(i, m) for i, m in enumerate(models)]
    critic = stack_modules([c for _, c in padded])
    real = torch.zeros(10, padding.width)  # each model's rows, 0 in its padded columns
    real[:5, padding.columns[0]] = torch.rand(5, 5)
    real[5:, padding.columns[1]] = torch.rand(5, 3)
    real.requires_grad_(True)
    cond = torch.eye(2)[torch.randint(2, (10,))]
    (grad,) = torch.autograd.grad(critic(real, cond).sum(), real, create_graph=True)
    ((grad.norm(dim=1) - 1) ** 2).mean().backward()  # the gradient penalty's shape of loss
    first = critic.body[0].weight  # (K, D + c, hidden)
    padded_inputs = torch.nonzero(~padding.keep()[1]).squeeze(1)  # the narrow model's padded columns
    assert (first.grad[1][padded_inputs] == 0).all() and (first[1][padded_inputs] == 0).all()
    unstack_modules(critic, [c for _, c in padded])
    for i, m in enumerate(models):
        before = m.critic.body[0].weight.detach().clone()
        padding.unpad(i, m, *padded[i])
        torch.testing.assert_close(m.critic.body[0].weight, before)


def test_folds_with_a_constant_column_train_as_one_padded_stack(stack_sizes):
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(40, int), np.ones(10, int)]

    def table(flag):
        return pd.DataFrame({"x": rng.normal(size=50), "flag": flag,
                             "kind": rng.choice(["a", "b", "c"], 50)}), y

    varying = np.where(rng.random(50) < 0.3, 1.0, 0.0)
    datasets = [table(varying), table(np.zeros(50)), table(varying)]  # the second: flag constant
    fitted = fit_many([GANOverSampler(random_state=0, steps=5) for _ in datasets], datasets)
    assert stack_sizes == [3]
    assert fitted[1].codec_.n_features_ < fitted[0].codec_.n_features_
    for sampler, (X, labels) in zip(fitted, datasets):
        X_res, y_res = resample_fitted(sampler, X, labels)
        assert np.bincount(y_res).tolist() == [40, 40] and np.isfinite(X_res["x"]).all()
    assert (resample_fitted(fitted[1], *datasets[1])[0]["flag"] == 0).all()
    # the same fit alone gives a model of the same shape: padding changed nothing it keeps
    alone = GANOverSampler(random_state=0, steps=5).fit(*datasets[1])
    assert [p.shape for p in alone.backends_[1].generator.parameters()] == \
        [p.shape for p in fitted[1].backends_[1].generator.parameters()]


def test_a_backend_that_reads_columns_by_position_is_not_padded():
    from ganaug.registry import get_backend

    base = get_backend("wgan-gp")

    def condition(self, rows, classes):  # a condition of its own, which may read columns
        return base.condition(self, rows, classes)

    reads = type("Reads", (base,), {"name": "reads", "condition": condition})
    assert "by position" in why_not_padded([reads(reads.Options(), torch.device("cpu"))], [WIDE])
    assert "by position" in why_not_padded([get_backend("ctgan")(get_backend("ctgan").Options(),
                                                                 torch.device("cpu"))], [WIDE])


def test_ctgan_folds_whose_categories_differ_still_train_alone(stack_sizes):
    rng = np.random.default_rng(1)
    y = np.r_[np.zeros(32, int), np.ones(8, int)]
    datasets = [(pd.DataFrame({"x": rng.normal(size=40), "kind": rng.choice(levels, 40)}), y)
                for levels in (["a", "b"], ["a", "b", "c"], ["a", "b"])]
    fit_many([GANOverSampler(backend="ctgan", random_state=0, epochs=1, max_modes=1) for _ in datasets],
             datasets)
    assert stack_sizes == [2]  # its conditions read the categories: the third-category fold trains alone
