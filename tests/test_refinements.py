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


def test_refine_interpolate_never_averages_categories_or_missing_values():
    from ganaug.testing import messy_table

    X, y = messy_table(n_major=40, n_minor=16)
    sampler = GANOverSampler(backend="cgan", epochs=2, batch_size=16, random_state=0,
                             categorical_features=["zip"], refine="interpolate")
    X_res, _ = sampler.fit_resample(X, y)
    new = X_res[sampler.sample_is_synthetic_]
    assert set(new["zip"]) <= set(X["zip"])  # a zip code is a level, not a number to average
    assert set(new["colour"].dropna()) <= set(X["colour"].dropna())
    assert set(new["member"].dropna()) <= {True, False} and new["member"].dtype == X["member"].dtype
    assert new["count"].dropna().between(X["count"].min(), X["count"].max()).all()
    local = new["opened"].dropna().dt.tz_localize(None)
    assert (local == local.dt.normalize()).all()  # dates, not fractions of days
    assert new["wait"].dt.total_seconds().mod(1).eq(0).all()  # whole seconds, as the real waits


def test_interpolation_takes_a_side_where_either_is_missing():
    import numpy as np
    import pandas as pd

    from ganaug.refinements import interpolate_towards_real

    real = pd.DataFrame({"v": [np.nan, np.nan, np.nan], "w": [0.0, 0.0, 0.0]})
    synthetic = pd.DataFrame({"v": [5.0, 5.0, 5.0], "w": [1.0, 1.0, 1.0]})
    out = interpolate_towards_real(synthetic, real, np.random.default_rng(0))
    # v is the real neighbour's (missing) or the synthetic value, never a mix
    assert set(out["v"].fillna(-1)) <= {-1.0, 5.0}
    assert out["w"].between(0, 1).all()
