"""Property-based tests: random small tables, class counts and sampling strategies."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganaug import GANOverSampler


@st.composite
def tables(draw):
    """A mixed-type table with 2-3 classes of 2-25 rows each, its declared categorical columns, and a
    sampling strategy for it. Columns may have missing values, dates, or be integer-coded categories."""
    counts = draw(st.lists(st.integers(2, 25), min_size=2, max_size=3))
    labels = [f"c{i}" for i, n in enumerate(counts) for _ in range(n)]
    n = len(labels)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    columns = {}
    declared = []
    kinds = ["float", "int", "str", "bool", "category", "float-nan", "Int64-na", "str-none", "date",
             "tz-date", "coded"]
    for i, kind in enumerate(draw(st.lists(st.sampled_from(kinds), min_size=1, max_size=4))):
        gaps = rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.5]))
        if kind == "float":
            columns[f"f{i}"] = rng.normal(draw(st.floats(-1e3, 1e3)), draw(st.floats(0.0, 50.0)), n)
        elif kind == "int":
            columns[f"i{i}"] = rng.integers(-5, draw(st.integers(-4, 1000)), n)
        elif kind == "str":
            columns[f"s{i}"] = rng.choice(["a", "b", "c"][: draw(st.integers(1, 3))], n).astype(object)
        elif kind == "bool":
            columns[f"b{i}"] = rng.random(n) > 0.5
        elif kind == "category":
            columns[f"k{i}"] = pd.Categorical(rng.choice(["x", "y"], n), categories=["x", "y", "z"])
        elif kind == "float-nan":
            columns[f"fn{i}"] = np.where(gaps, np.nan, rng.normal(0, 3, n))
        elif kind == "Int64-na":
            columns[f"in{i}"] = pd.array(np.where(gaps, None, rng.integers(0, 9, n)), dtype="Int64")
        elif kind == "str-none":
            columns[f"sn{i}"] = np.where(gaps, None, rng.choice(["p", "q"], n)).astype(object)
        elif kind in ("date", "tz-date"):
            days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
            dates = pd.Series(days).where(~gaps)
            columns[f"d{i}"] = dates.dt.tz_localize("Europe/Paris") if kind == "tz-date" else dates
        else:  # an integer-coded category, declared
            columns[f"z{i}"] = rng.choice([10164, 10175, 10280], n)
            declared.append(f"z{i}")
    X = pd.DataFrame(columns)
    y = pd.Series(labels, name="target")
    largest = max(counts)
    strategy = draw(st.one_of(
        st.just("auto"), st.just("not majority"), st.just("all"),
        st.fixed_dictionaries({f"c{i}": st.integers(c, largest + 30) for i, c in enumerate(counts)}),
    ))
    return X, y, declared, strategy


def expected_counts(y, strategy):
    counts = y.value_counts().to_dict()
    largest = max(counts.values())
    if isinstance(strategy, dict):
        return strategy
    if strategy in ("auto", "not majority"):
        majority = max(counts, key=counts.get)
        return {k: (v if k == majority else largest) for k, v in counts.items()}
    return dict.fromkeys(counts, largest)  # "all"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from(["cgan", "gan"]), st.sampled_from(["interpolate", None]))
def test_output_is_valid_originals_kept_counts_exact(case, backend, refine):
    X, y, declared, strategy = case
    before = X.copy()
    sampler = GANOverSampler(backend=backend, sampling_strategy=strategy, epochs=1, batch_size=16,
                             random_state=0, refine=refine, categorical_features=declared)
    X_res, y_res = sampler.fit_resample(X, y)
    pd.testing.assert_frame_equal(X, before)  # the input is not modified
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)  # originals first, unchanged
    assert list(X_res.dtypes) == list(X.dtypes)
    assert y_res.value_counts().to_dict() == expected_counts(y, strategy)
    new = X_res.iloc[len(X):]
    for column in [c for c in X.columns if X[c].dtype.kind == "M"]:  # whole days stay whole days
        local = new[column].dropna()
        local = local.dt.tz_localize(None) if local.dt.tz is not None else local
        assert (local == local.dt.normalize()).all(), column
    for column in X.columns:
        real, drawn = X[column], new[column]
        if not real.isna().any():  # missing values only where the column has them
            assert not drawn.isna().any(), column
        elif real.isna().all():
            assert drawn.isna().all(), column
        drawn = drawn.dropna()
        if column in declared or not (real.dtype.kind in "fiM" or str(real.dtype) == "Int64"):
            assert set(drawn) <= set(real.dropna()), column  # seen levels only
        else:
            assert drawn.between(real.min(), real.max()).all(), column
