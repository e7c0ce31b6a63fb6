"""The cyclegan backend: translation from a source class, its translator network."""


import numpy as np
import pandas as pd
import pytest
import torch

from ganaug import GANOverSampler
from ganaug.errors import InputError, OptionsError
from ganaug.testing import tiny_images, tiny_table
from ganaug_plugins.cyclegan import ImageTranslator


def shifted_table(n_major: int = 300, n_minor: int = 30, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Two numeric columns; the minority is the majority moved by +6 in ``a``."""
    rng = np.random.default_rng(seed)
    major = rng.normal(0, 1, (n_major, 2))
    minor = rng.normal(0, 1, (n_minor, 2)) + [6.0, 0.0]
    X = pd.DataFrame(np.vstack([major, minor]), columns=["a", "b"])
    return X, pd.Series(["major"] * n_major + ["minor"] * n_minor)


def test_cyclegan_translates_samples_of_the_source_class():
    X, y = tiny_table()
    sampler = GANOverSampler(backend="cyclegan", source_class="major", epochs=2, batch_size=20,
                             random_state=0, device="cpu", max_source_rows=25)
    sampler.fit_resample(X, y)
    model = sampler.backends_["minor"]
    assert model.source_pool.shape[0] == 25  # capped at max_source_rows, drawn from the 40 'major' rows
    encoded = torch.from_numpy(sampler.codec_.transform(X[y == "major"]))
    gaps = (model.source_pool.cpu()[:, None] - encoded[None]).abs().amax(dim=2)  # (25, 40)
    assert float(gaps.min(dim=1).values.max()) < 1e-6, "the pool holds rows that are not source rows"


def test_source_class_errors_name_the_classes():
    X, y = tiny_table()
    with pytest.raises(InputError, match="not a class of y.*major"):
        GANOverSampler(backend="cyclegan", source_class="nope", epochs=1).fit_resample(X, y)
    with pytest.raises(InputError, match="source class 'minor'.*also asks to grow"):
        GANOverSampler(backend="cogan", source_class="minor", epochs=1,
                       conditioning="per-class").fit_resample(X, y)


@pytest.mark.parametrize("backend", ["cyclegan", "cogan"])
def test_per_class_models_pair_each_class_with_the_source(backend):
    images, y = tiny_images()
    sampler = GANOverSampler(backend=backend, conditioning="per-class", epochs=1, batch_size=16,
                             random_state=0, device="cpu")
    X_res, y_res = sampler.fit_resample(images, y)
    models = list(sampler.backends_.values())
    assert len(models) == 2 and all(m.n_classes_ == 2 for m in models)  # the class and 'major'
    assert (y_res.value_counts() == 40).all()


def test_cyclegan_refuses_distributed_training_with_a_message(monkeypatch):
    import ganaug.training.engine

    monkeypatch.setattr(ganaug.training.engine, "is_distributed", lambda: True)
    X, y = tiny_table()
    with pytest.raises(OptionsError, match="does not support distributed"):
        GANOverSampler(backend="cyclegan", epochs=1, device="cpu").fit(X, y)


@pytest.mark.parametrize("backend", ["cyclegan", "cogan"])
def test_minority_samples_land_on_the_minority(backend):
    X, y = shifted_table()
    sampler = GANOverSampler(backend=backend, steps=400, batch_size=64, refine=None, random_state=0,
                             device="cpu")
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[sampler.sample_is_synthetic_]
    # the minority sits at a = 6, the majority at a = 0: samples must be far nearer the minority
    assert abs(new["a"].mean() - 6.0) < 1.5, new["a"].describe()


def test_cyclegan_refuses_compile():
    X, y = tiny_table()
    with pytest.raises(ValueError, match="compile=True"):
        GANOverSampler(backend="cyclegan", compile=True, epochs=1, device="cpu").fit(X, y)


def test_translator_keeps_the_image_shape_and_reads_the_condition():
    torch.manual_seed(0)
    for side, channels in ((8, 1), (32, 3)):
        net = ImageTranslator(channels, 4, side, width=8).eval()
        x = torch.randn(2, channels, side, side)
        first, second = torch.eye(4)[[0, 0]], torch.eye(4)[[2, 2]]
        out = net(x, first)
        assert out.shape == x.shape and out.abs().max() <= 1
        assert not torch.allclose(out, net(x, second)), "the target class has no effect"
