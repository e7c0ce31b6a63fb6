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


# ---- real-world column kinds: declared categoricals, missing values, dates ---------------------
def test_a_declared_integer_column_keeps_its_dtype_and_only_seen_levels():
    zips = np.array([10164, 10175, 10280, 11201] * 10)
    frame = pd.DataFrame({"zip": zips, "v": np.arange(40.0)})
    encoder = TabularEncoder(numeric="quantile").fit(frame, categorical=["zip"])
    assert encoder.categorical_ == ("zip",)
    spans = {span.column: span for span in encoder.layout_}
    assert spans["zip"].kind == "categorical" and spans["zip"].width == 4
    noise = np.random.default_rng(0).random((500, encoder.n_features_))
    back = encoder.inverse_transform(noise, random_state=np.random.default_rng(0))
    assert back["zip"].dtype == np.int64 and set(back["zip"]) == set(zips)


def test_text_columns_are_categorical_whatever_the_declaration():
    frame = pd.DataFrame({"s": ["a", "b"] * 5, "n": np.arange(10)})
    assert TabularEncoder().fit(frame, categorical=["n"]).categorical_ == ("s", "n")
    assert TabularEncoder().fit(frame, categorical=[]).categorical_ == ("s",)


NULLABLE = {
    "float NaN": (pd.Series([1.5, np.nan, 2.5, 4.0] * 5), "nan"),
    "Float64 NA": (pd.Series(pd.array([1.5, None, 2.5, 4.0] * 5, dtype="Float64")), "na"),
    "Int64 NA": (pd.Series(pd.array([1, None, 3, 7] * 5, dtype="Int64")), "na"),
    "boolean NA": (pd.Series(pd.array([True, None, False, True] * 5, dtype="boolean")), "na"),
    "string NA": (pd.Series(pd.array(["x", None, "y", "x"] * 5, dtype="string")), "na"),
    "object None": (pd.Series(["x", None, "y", "x"] * 5, dtype=object), "none"),
    "category NaN": (pd.Series(pd.Categorical(["x", None, "y", "x"] * 5)), "nan"),
    "dates NaT": (pd.Series(pd.to_datetime(["2024-01-01", None, "2024-03-05", "2024-02-01"] * 5)), "nat"),
    "durations NaT": (pd.Series(pd.to_timedelta(["1h", None, "2h", "3h"] * 5)), "nat"),
}


@pytest.mark.parametrize("name", sorted(NULLABLE))
def test_missing_values_round_trip_in_the_columns_own_kind(name):
    column, kind = NULLABLE[name]
    frame = pd.DataFrame({"c": column, "v": np.arange(20.0)})
    encoder = TabularEncoder(numeric="quantile").fit(frame)
    spans = [span for span in encoder.layout_ if span.column == "c"]
    assert any(span.kind in ("missing", "categorical") for span in spans)
    back = encoder.inverse_transform(encoder.transform(frame))
    assert back["c"].dtype == column.dtype, name
    assert back["c"].isna().tolist() == column.isna().tolist()
    missing = back["c"][back["c"].isna()]
    if kind == "none":
        assert all(value is None for value in missing)
    elif kind == "na":
        assert all(value is pd.NA for value in missing)
    elif kind == "nat":
        assert all(value is pd.NaT for value in missing)
    present = column.notna()
    if column.dtype.kind == "f" or str(column.dtype) == "Float64":
        np.testing.assert_allclose(back["c"][present].astype(float), column[present].astype(float), rtol=1e-4)
    elif kind == "nat":
        assert (back["c"][present] - column[present]).abs().max() <= pd.Timedelta("1s")
    else:
        assert back["c"][present].tolist() == column[present].tolist()


def test_drawn_missing_flags_follow_the_generators_probabilities():
    frame = pd.DataFrame({"v": [1.0, np.nan, 3.0, 4.0] * 10})
    encoder = TabularEncoder(numeric="quantile").fit(frame)
    flag = next(span for span in encoder.layout_ if span.kind == "missing")
    Z = np.zeros((4000, encoder.n_features_))
    Z[:, flag.start], Z[:, flag.start + 1] = 0.7, 0.3  # a generator saying "missing 30 % of the time"
    assert encoder.inverse_transform(Z)["v"].isna().sum() == 0  # the largest slot: never missing
    drawn = encoder.inverse_transform(Z, random_state=np.random.default_rng(0))["v"].isna().mean()
    assert 0.27 < drawn < 0.33
    again = encoder.inverse_transform(Z, random_state=np.random.default_rng(0))["v"]
    assert again.isna().mean() == drawn  # seeded: the same draw


def test_a_column_with_every_value_missing_comes_back_missing():
    frame = pd.DataFrame({"gone": [np.nan] * 6, "v": np.arange(6.0)})
    back = TabularEncoder().fit(frame).inverse_transform(TabularEncoder().fit(frame).transform(frame))
    assert back["gone"].isna().all()


def test_missing_values_the_fit_did_not_see_are_a_clear_error():
    frame = pd.DataFrame({"v": np.arange(6.0)})
    encoder = TabularEncoder().fit(frame)
    with pytest.raises(ValueError, match="had none when the encoder was fitted"):
        encoder.transform(frame.assign(v=[np.nan] + [1.0] * 5))


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Paris", "America/New_York"])
def test_dates_keep_dtype_timezone_and_resolution(tz):
    days = pd.Series(pd.date_range("2024-03-01", periods=60, freq="D", tz=tz))  # crosses a clock change
    stamps = pd.Series(pd.date_range("2024-03-01 08:00", periods=60, freq="37min", tz=tz))
    frame = pd.DataFrame({"day": days, "stamp": stamps})
    encoder = TabularEncoder(numeric="quantile").fit(frame)
    noise = np.random.default_rng(0).uniform(-1, 1, (300, encoder.n_features_))
    back = encoder.inverse_transform(noise)
    assert back["day"].dtype == days.dtype and back["stamp"].dtype == stamps.dtype
    assert back["day"].between(days.min(), days.max()).all()
    local = back["day"].dt.tz_localize(None) if tz else back["day"]
    assert (local == local.dt.normalize()).all()  # plain dates stay dates, at local midnight
    assert (back["stamp"].dt.second == 0).all() and (back["stamp"].dt.microsecond == 0).all()
    restored = encoder.inverse_transform(encoder.transform(frame))
    assert restored["day"].tolist() == days.tolist()


def test_durations_round_to_their_unit():
    frame = pd.DataFrame({"wait": pd.to_timedelta(np.arange(0, 50) * 60, unit="s")})
    encoder = TabularEncoder(numeric="quantile").fit(frame)
    back = encoder.inverse_transform(np.random.default_rng(1).uniform(-1, 1, (100, encoder.n_features_)))
    assert back["wait"].dtype == frame["wait"].dtype
    assert (back["wait"].dt.total_seconds() % 60 == 0).all()


def test_codec_state_keeps_missing_kinds_steps_and_declarations():
    frame = pd.DataFrame({
        "zip": [10164, 10175] * 10, "n": pd.array([1, None] * 10, dtype="Int64"),
        "day": pd.date_range("2024-01-01", periods=20, tz="Europe/Paris"),
    })
    encoder = TabularEncoder(numeric="mode", random_state=0).fit(frame, categorical=["zip"])
    again = TabularEncoder.from_state(encoder.get_state())
    assert again.categorical_ == ("zip",) and again.layout_ == encoder.layout_
    Z = np.random.default_rng(0).uniform(0, 1, (50, encoder.n_features_))
    pd.testing.assert_frame_equal(again.inverse_transform(Z, random_state=np.random.default_rng(3)),
                                  encoder.inverse_transform(Z, random_state=np.random.default_rng(3)))
