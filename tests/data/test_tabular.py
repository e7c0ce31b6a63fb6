"""The tabular codec (ganaug.data.tabular) and its mixtures (ganaug.data.mixture)."""

import numpy as np
import pandas as pd
import pytest

from ganaug.data.mixture import fit_mixtures
from ganaug.data.tabular import TabularCodec as TabularEncoder


@pytest.mark.parametrize("numeric", ["mode", "quantile", "standard"])
def test_round_trip_keeps_values_and_dtypes(table, numeric):
    X, _ = table
    encoder = TabularEncoder(numeric=numeric, random_state=0).fit(X)
    Z = encoder.transform(X)
    assert Z.dtype == np.float32 and Z.shape == (len(X), encoder.n_features_)
    back = encoder.inverse_transform(Z)
    assert (back.dtypes == X.dtypes).all()
    assert back["count"].tolist() == X["count"].tolist()
    assert back["colour"].tolist() == X["colour"].tolist()
    assert back["grade"].cat.categories.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(back["height"], X["height"], rtol=1e-4)


def test_layout_covers_columns_in_order(table):
    X, _ = table
    encoder = TabularEncoder(numeric="mode", random_state=0).fit(X)
    starts = [span.start for span in encoder.layout_]
    assert starts == sorted(starts) and starts[0] == 0
    assert sum(span.width for span in encoder.layout_) == encoder.n_features_
    kinds = {span.column: span.kind for span in encoder.layout_ if span.kind != "mode"}
    assert kinds == {"height": "numeric", "count": "numeric", "colour": "categorical",
                     "grade": "categorical", "flag": "categorical"}


def test_decoding_rounds_and_clips_integers_and_picks_levels(table):
    X, _ = table
    encoder = TabularEncoder(numeric="standard").fit(X)
    Z = np.full((3, encoder.n_features_), 50.0)  # far outside the seen range
    back = encoder.inverse_transform(Z)
    assert (back["count"] == X["count"].max()).all()
    assert (back["height"] == X["height"].max()).all()
    assert set(back["colour"]) <= set(X["colour"])


def test_constant_columns_take_no_width_and_come_back():
    frame = pd.DataFrame({"k": [3.0] * 5, "s": ["x"] * 5, "v": [1.0, 2, 3, 4, 5]})
    encoder = TabularEncoder(numeric="quantile").fit(frame)
    assert encoder.n_features_ == 1
    back = encoder.inverse_transform(encoder.transform(frame))
    assert back["k"].tolist() == [3.0] * 5 and back["s"].tolist() == ["x"] * 5


def test_unseen_category_is_a_clear_error(table):
    X, _ = table
    encoder = TabularEncoder().fit(X)
    with pytest.raises(ValueError, match="not seen"):
        encoder.transform(X.assign(colour="purple"))


def test_mixture_finds_separated_modes():
    rng = np.random.default_rng(0)
    bimodal = np.r_[rng.normal(0, 1, 400), rng.normal(20, 2, 400)]
    integers = rng.integers(0, 3, 800).astype(float)
    fits = fit_mixtures(np.column_stack([bimodal, integers]))
    assert np.allclose(sorted(fits[0]["means"]), [0, 20], atol=0.5)
    assert np.allclose(fits[0]["weights"].sum(), 1.0)
    assert np.allclose(sorted(fits[1]["means"]), [0, 1, 2], atol=1e-6)


def test_quantile_decoding_equals_the_transformers_inverse():
    from sklearn.preprocessing import QuantileTransformer

    rng = np.random.default_rng(0)
    values = np.r_[rng.exponential(size=500), np.zeros(100)]  # skewed, with repeated quantiles
    fitted = QuantileTransformer(n_quantiles=200).fit(values[:, None])
    block = rng.uniform(-1.05, 1.05, (1000, 1)).astype(np.float32)
    expected = fitted.inverse_transform(np.clip((block.astype(np.float64) + 1) / 2, 0, 1)).ravel()
    decoded = TabularEncoder(numeric="quantile")._decode_quantile({"quantiles": fitted}, block)
    np.testing.assert_allclose(decoded, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("dtype, start", [(np.uint64, 2**63), (np.int64, -(2**62))])
def test_integers_beyond_float_precision_keep_every_value(dtype, start):
    column = pd.Series(np.arange(40, dtype=dtype) * dtype(3) + dtype(start), name="big")
    codec = TabularEncoder(random_state=0).fit(column.to_frame())
    decoded = codec.inverse_transform(codec.transform(column.to_frame()))["big"]
    assert decoded.dtype == dtype and decoded.equals(column)  # float64 alone merged them into a few values
    assert TabularEncoder.from_state(codec.get_state()).inverse_transform(codec.transform(column.to_frame()))[
        "big"].equals(column)


def test_mixtures_of_values_near_the_float_limit_stay_finite():
    values = np.linspace(-1.0, 1.0, 60) * 1e308
    codec = TabularEncoder("mode", random_state=0).fit(pd.DataFrame({"a": values}))
    decoded = codec.inverse_transform(codec.transform(pd.DataFrame({"a": values})))["a"]
    assert np.isfinite(decoded).all() and decoded.min() >= -1e308 and decoded.max() <= 1e308
