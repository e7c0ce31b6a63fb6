"""Property-based tests: random small tables, class counts and sampling strategies."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganaug import GANOverSampler


@st.composite
def tables(draw):
    """A mixed-type table with 2-3 classes of 2-25 rows each, and a sampling strategy for it."""
    counts = draw(st.lists(st.integers(2, 25), min_size=2, max_size=3))
    labels = [f"c{i}" for i, n in enumerate(counts) for _ in range(n)]
    n = len(labels)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    columns = {}
    for i, kind in enumerate(draw(st.lists(st.sampled_from(["float", "int", "str", "bool", "category"]),
                                           min_size=1, max_size=4))):
        if kind == "float":
            columns[f"f{i}"] = rng.normal(draw(st.floats(-1e3, 1e3)), draw(st.floats(0.0, 50.0)), n)
        elif kind == "int":
            columns[f"i{i}"] = rng.integers(-5, draw(st.integers(-4, 1000)), n)
        elif kind == "str":
            columns[f"s{i}"] = rng.choice(["a", "b", "c"][: draw(st.integers(1, 3))], n).astype(object)
        elif kind == "bool":
            columns[f"b{i}"] = rng.random(n) > 0.5
        else:
            columns[f"k{i}"] = pd.Categorical(rng.choice(["x", "y"], n), categories=["x", "y", "z"])
    X = pd.DataFrame(columns)
    y = pd.Series(labels, name="target")
    largest = max(counts)
    strategy = draw(st.one_of(
        st.just("auto"), st.just("not majority"), st.just("all"),
        st.fixed_dictionaries({f"c{i}": st.integers(c, largest + 30) for i, c in enumerate(counts)}),
    ))
    return X, y, strategy


def expected_counts(y, strategy):
    counts = y.value_counts().to_dict()
    largest = max(counts.values())
    if isinstance(strategy, dict):
        return strategy
    if strategy in ("auto", "not majority"):
        majority = max(counts, key=counts.get)
        return {k: (v if k == majority else largest) for k, v in counts.items()}
    return dict.fromkeys(counts, largest)  # "all"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from(["cgan", "gan"]), st.sampled_from(["interpolate", None]))
def test_output_is_valid_originals_kept_counts_exact(case, backend, refine):
    X, y, strategy = case
    before = X.copy()
    sampler = GANOverSampler(backend=backend, sampling_strategy=strategy, epochs=1, batch_size=16,
                             random_state=0, refine=refine)
    X_res, y_res = sampler.fit_resample(X, y)
    pd.testing.assert_frame_equal(X, before)  # the input is not modified
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)  # originals first, unchanged
    assert list(X_res.dtypes) == list(X.dtypes)
    assert y_res.value_counts().to_dict() == expected_counts(y, strategy)
    new = X_res.iloc[len(X):]
    assert not new.isna().any().any()
    for column in X.columns:
        if X[column].dtype.kind in "fi":
            assert new[column].between(X[column].min(), X[column].max()).all(), column
        else:
            assert set(new[column]) <= set(X[column]), column
