"""The adversarial training loop and its hooks (ganaug.training.loop)."""

import numpy as np
import pandas as pd
import pytest
import torch

from ganaug import GANOverSampler
from ganaug.testing import tiny_table
from ganaug.training import AdversarialBackend


def test_compile_trains_through_compiled_nets_with_an_eager_gradient_penalty(monkeypatch):
    compiled = []
    real_compile = torch.compile

    def spy(module, *args, **kwargs):
        compiled.append(type(module).__name__)
        return real_compile(module, *args, **kwargs)

    monkeypatch.setattr(torch, "compile", spy)
    X, y = tiny_table()
    sampler = GANOverSampler(backend="wgan-gp", compile=True, epochs=2, batch_size=20, random_state=0,
                             device="cpu")
    X_res, _ = sampler.fit_resample(X, y)
    assert compiled == ["WithLogits", "ConditionalCritic"]
    model = next(iter(sampler.backends_.values()))
    assert all(np.isfinite(v) for epoch in model.history_ for v in epoch.values())
    assert np.isfinite(X_res["height"]).all()


def test_cyclegan_refuses_compile():
    X, y = tiny_table()
    with pytest.raises(ValueError, match="compile=True"):
        GANOverSampler(backend="cyclegan", compile=True, epochs=1, device="cpu").fit(X, y)


@pytest.mark.parametrize("backend", ["wgan-gp", "ctgan"])
def test_optimisers_use_the_fused_adam_kernel_on_the_cpu(backend, monkeypatch):
    X, y = tiny_table()
    fused = []
    monkeypatch.setattr(AdversarialBackend, "on_fit_end", lambda self: fused.append(
        (self.fit_state.opt_g.defaults["fused"], self.fit_state.opt_d.defaults["fused"])))
    GANOverSampler(backend=backend, epochs=1, random_state=0).fit(X, y)
    assert fused == [(True, True)]


def test_steps_are_generator_steps_however_many_rows(monkeypatch):
    rows = 5000  # 157 steps of 32 rows make one epoch; steps=5 used to run that whole epoch
    X = pd.DataFrame({"a": np.random.default_rng(0).normal(size=rows)})
    y = np.r_[np.zeros(rows - 100, int), np.ones(100, int)]
    steps = []
    monkeypatch.setattr(AdversarialBackend, "on_fit_end", lambda self: steps.append(
        (self.generator_steps_done(), self.fit_state.total_steps)))
    model = GANOverSampler(steps=5, random_state=0, device="cpu").fit(X, y).backends_[1]
    assert steps == [(5, 5)]
    assert model.epoch_lengths(rows, 32) == [5]
    model.options.steps = 400
    assert model.epoch_lengths(rows, 32) == [157, 157, 86]  # a shorter last epoch, exactly 400 steps
