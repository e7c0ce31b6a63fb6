"""Refinements of synthetic samples (ganaug.refinements): interpolate and augment."""

import numpy as np
import pandas as pd
import pytest

from ganaug import GANOverSampler
from ganaug.errors import InputError
from ganaug.testing import tiny_images


def test_refine_augment_transforms_the_synthetic_images_only(tmp_path):
    from ganaug import GANOverSampler

    images, y = tiny_images()
    options = dict(backend="wgan-gp", epochs=1, batch_size=16, random_state=0)
    raw = GANOverSampler(**options, refine=None).fit(images, y)
    augmented = GANOverSampler(**options, refine="augment").fit(images, y)
    drawn_raw, _ = raw.generate({"rare": 8}, random_state=3)
    drawn, labels = augmented.generate({"rare": 8}, random_state=3)
    assert drawn.shape == drawn_raw.shape and drawn.dtype == np.uint8 and set(labels) == {"rare"}
    # same generator, same noise: the refined images are transforms of the raw ones
    assert not np.array_equal(drawn, drawn_raw)
    np.testing.assert_array_equal(drawn, augmented.generate({"rare": 8}, random_state=3)[0])
    X_res, _ = augmented.fit_resample(images, y)
    np.testing.assert_array_equal(X_res[: len(images)], images)  # the real images are kept as they are
    loaded = GANOverSampler.load(augmented.save(tmp_path / "m.safetensors"))
    np.testing.assert_array_equal(loaded.generate({"rare": 4}, random_state=1)[0],
                                  augmented.generate({"rare": 4}, random_state=1)[0])


def test_refine_augment_on_a_table_is_a_clear_error():

    from ganaug import GANOverSampler

    X = pd.DataFrame({"a": np.arange(20.0)})
    y = np.r_[np.zeros(16, int), np.ones(4, int)]
    with pytest.raises(InputError, match="refine='augment' transforms synthetic images"):
        GANOverSampler(refine="augment", epochs=1).fit_resample(X, y)


def test_refine_interpolate_keeps_rows_between_real_and_generated(table, fast):
    X, y = table
    sampler = GANOverSampler(**fast, refine="interpolate")
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[sampler.sample_is_synthetic_]
    assert (X_res.dtypes == X.dtypes).all() and len(new) == 32 + 36
    minor_heights = X.loc[y == "minor", "height"]
    made_minor = new.loc[(y_res[sampler.sample_is_synthetic_] == "minor").to_numpy(), "height"]
    # every minor sample lies within the span of real minor rows and raw GAN draws
    raw, labels = sampler.generate({"minor": 32})
    low = min(minor_heights.min(), raw["height"].min())
    high = max(minor_heights.max(), raw["height"].max())
    assert made_minor.between(low - 1e-9, high + 1e-9).all()


def test_refine_rejects_unknown(table, fast):
    with pytest.raises(ValueError, match="refine="):
        GANOverSampler(**fast, refine="magic").fit_resample(*table)
