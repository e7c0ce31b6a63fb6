"""One table column as the codec models it: its dtype, levels or range, missing values, and its saved state.

Also the exact, lossless form of a column's values that model files store
real rows in (:func:`exact_values`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer

from ganaug.data.numbers import TEMPORAL_STEPS, exact_integers, from_nanoseconds, is_temporal, numeric_view
from ganaug.errors import InputError
from ganaug.fileformat import json_scalar


@dataclass
class Column:
    """What the codec learned of one original column, and how it is restored."""

    name: Any
    dtype: Any
    categorical: bool
    levels: np.ndarray | None = None  # categorical: levels in one-hot order (missing: an extra last slot)
    low: float = 0.0  # numeric: seen range
    high: float = 0.0
    model: dict = field(default_factory=dict)  # numeric transform state
    # integers beyond float64's exact range, and dates: values are encoded as their exact distance to this
    offset: int | None = None
    missing: bool = False  # the column had missing values: they are modelled and restored
    na: str = "nan"  # what a missing value is restored as: "nan", "none", "na" (pd.NA) or "nat"
    fill: float = 0.0  # numeric: the value missing rows get in the numeric encoding (the median)
    step: int = 1  # dates and durations: the coarsest unit (ns) every value is a whole number of

    @property
    def temporal(self) -> str | None:
        """``"datetime"`` or ``"timedelta"`` for date and duration columns, else None."""
        if pd.api.types.is_datetime64_any_dtype(self.dtype):
            return "datetime"
        return "timedelta" if pd.api.types.is_timedelta64_dtype(self.dtype) else None


def is_categorical(series: pd.Series) -> bool:
    """Object, string, category and bool columns are categorical (the ``"auto"`` rule)."""
    dtype = series.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def from_offset(values: np.ndarray, col: Column) -> pd.Series:
    """Decoded distances back to the column's integers, dates or durations (see :func:`numeric_view`)."""
    exact = (np.round(values).astype(np.uint64) + np.uint64(col.offset % 2**64)).view(np.int64)
    if col.temporal:
        return from_nanoseconds(exact, col.dtype)
    if pd.api.types.is_unsigned_integer_dtype(col.dtype):
        return pd.Series(exact.view(np.uint64)).astype(col.dtype)
    return pd.Series(exact).astype(col.dtype)


def na_kind(series: pd.Series) -> str:
    """How a column's missing values look, so they come back the same: NaN, None, pd.NA or NaT."""
    if is_temporal(series.dtype):
        return "nat"
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) and \
            not isinstance(series.dtype, pd.CategoricalDtype) and series.dtype.na_value is pd.NA:
        return "na"
    first = series[series.isna()].iloc[0]
    return "none" if first is None else "nan"


def with_missing(values: pd.Series, missing: np.ndarray, col: Column) -> pd.Series:
    """``values`` with ``missing`` rows set to the column's kind of missing value, in its dtype."""
    if col.na == "none":
        out = values.astype(object)
        out[missing] = None
        return out
    out = values.astype(col.dtype if col.na in ("na", "nat") or not pd.api.types.is_integer_dtype(col.dtype)
                        else np.float64)
    out[missing] = pd.NaT if col.na == "nat" else pd.NA if col.na == "na" else np.nan
    return out.astype(col.dtype) if col.na in ("na", "nat") or pd.api.types.is_float_dtype(col.dtype) else out


def column_state(col: Column, numeric: str) -> dict[str, Any]:
    model = col.model
    if numeric == "quantile" and model:
        fitted = model["quantiles"]
        model = {"quantiles": fitted.quantiles_.ravel(), "references": fitted.references_}
    state = {
        "name": json_scalar(col.name), "dtype": dtype_state(col.dtype), "categorical": col.categorical,
        "levels": None if col.levels is None else [json_scalar(v) for v in col.levels],
        "low": col.low, "high": col.high,
        "model": {k: np.asarray(v, dtype=np.float64).tolist() for k, v in model.items()},
    }
    if col.offset is not None:
        state["offset"] = col.offset
    if col.missing:  # only where there is something to say, so older states read the same
        state.update(missing=True, na=col.na, fill=col.fill)
    if col.step != 1:
        state["step"] = col.step
    return state


MAX_SAVED_QUANTILES = 1000  # what fit saves at most: QuantileTransformer(n_quantiles=min(1000, rows))


def column_from_state(state: dict[str, Any], numeric: str) -> Column:
    # a file can hold longer lists, but no file ganaug wrote does: refused before they are copied
    longest = max((len(v) for v in state["model"].values() if isinstance(v, list)), default=0)
    if longest > MAX_SAVED_QUANTILES:
        raise ValueError(f"a column's numeric model holds {longest} values; ganaug saves at most "
                         f"{MAX_SAVED_QUANTILES}")
    model = {k: np.asarray(v, dtype=np.float64) for k, v in state["model"].items()}
    if numeric == "quantile" and model:
        quantiles = QuantileTransformer(n_quantiles=len(model["references"]))
        quantiles.quantiles_ = model["quantiles"].reshape(-1, 1)
        quantiles.references_ = model["references"]
        quantiles.n_quantiles_ = len(model["references"])
        quantiles.n_features_in_ = 1
        model = {"quantiles": quantiles}
    levels = None if state["levels"] is None else np.asarray(state["levels"], dtype=object)
    if state.get("na", "nan") not in ("nan", "none", "na", "nat"):
        raise ValueError(f"a column's missing-value kind {state['na']!r} is none of nan, none, na, nat")
    return Column(state["name"], dtype_from_state(state["dtype"]), state["categorical"], levels,
                   state["low"], state["high"], model, state.get("offset"), bool(state.get("missing", False)),
                   state.get("na", "nan"), float(state.get("fill", 0.0)), _step(state.get("step", 1)))


def _step(step: Any) -> int:
    if step not in TEMPORAL_STEPS:
        raise ValueError(f"a date column's step {step!r} is none of {TEMPORAL_STEPS} ns")
    return int(step)


def dtype_state(dtype: Any) -> Any:
    """A pandas/numpy dtype as JSON: its name, or the categories of a category dtype."""
    if isinstance(dtype, pd.CategoricalDtype):
        return {"categories": [json_scalar(v) for v in dtype.categories], "ordered": bool(dtype.ordered)}
    return str(dtype)


def dtype_from_state(state: Any) -> Any:
    """The dtype :func:`dtype_state` saved; fixed-width text, bytes, void and complex ones are refused."""
    if isinstance(state, dict):
        return pd.CategoricalDtype(state["categories"], ordered=state["ordered"])
    dtype = pd.api.types.pandas_dtype(state)
    if isinstance(dtype, np.dtype) and dtype.kind in "USVc":  # '<U1' would cut every value to one letter
        raise ValueError(f"a column dtype {state!r} is none a table column is restored to")
    return dtype


def sort_key(value: Any) -> tuple[str, Any]:
    # levels of mixed types (e.g. 1 and "1") still sort deterministically
    return (type(value).__name__, value)


def category_codes(series: pd.Series, col: Column) -> np.ndarray:
    """One-hot positions of ``series``' values; a missing value takes the extra last slot."""
    lookup = {level: i for i, level in enumerate(col.levels)}
    missing = series.isna().to_numpy()
    present = series[~missing]
    unseen = set(present.unique()) - set(lookup)
    if unseen:
        raise InputError(
            f"column {series.name!r} has categories not seen when the encoder was fitted: "
            f"{sorted(map(str, unseen))[:5]}. Refit on data that includes them."
        )
    if missing.any() and not col.missing:
        raise InputError(f"column {series.name!r} has missing values, but had none when the encoder was "
                         "fitted; refit on data that has them, or fill them first.")
    codes = np.full(len(series), len(col.levels), dtype=np.int64)
    codes[~missing] = present.map(lookup).to_numpy(dtype=np.int64)
    return codes


def exact_values(col: Column, series: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """A column's values as one exact array, and where they are missing (None when the column has no gaps).

    Categories become level codes (int64), integers int64 (uint64 wraps, see
    :func:`from_exact_values`), dates UTC nanoseconds, durations nanoseconds,
    other numbers float64. Model files store real rows this way.
    """
    missing = series.isna().to_numpy()
    if col.categorical:
        values = category_codes(series, col)
        values[missing] = -1
    elif col.temporal or pd.api.types.is_integer_dtype(col.dtype):
        values = np.zeros(len(series), dtype=np.int64)
        values[~missing] = exact_integers(series[~missing]).astype(np.int64)  # uint64 wraps
    else:
        values = numeric_view(series)
    return values, (missing if col.missing else None)


def from_exact_values(col: Column, values: np.ndarray, missing: np.ndarray | None) -> pd.Series:
    """The inverse of :func:`exact_values`: the column in its own dtype, missing values of its own kind."""
    values = np.asarray(values)
    missing = np.zeros(len(values), bool) if missing is None else np.asarray(missing, dtype=bool)
    if col.categorical:
        outside = len(values) and (values.min() < -1 or values.max() >= len(col.levels))
        if values.dtype.kind not in "iu" or outside:
            raise ValueError(f"column {col.name!r}: saved level codes outside its {len(col.levels)} levels")
        codes = np.where(missing, 0, values).astype(np.int64)
        picked = col.levels[codes] if len(col.levels) else np.full(len(values), None, dtype=object)
        return restore_categorical(col, picked, missing | (values < 0))
    if col.temporal or pd.api.types.is_integer_dtype(col.dtype):
        exact = values.astype(np.int64)
        if col.temporal:
            restored = from_nanoseconds(exact, col.dtype)
        elif pd.api.types.is_unsigned_integer_dtype(col.dtype):
            restored = pd.Series(exact.view(np.uint64))
        else:
            restored = pd.Series(exact)
        restored = restored.astype(col.dtype) if not col.missing else restored
    else:
        restored = pd.Series(values.astype(np.float64))
        if not col.missing:
            restored = restored.astype(col.dtype)
    return with_missing(restored, missing, col) if col.missing else restored


def restore_categorical(col: Column, values: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    if missing is not None and missing.any():
        values = values.astype(object)
        values[missing] = None
        if col.na == "nan" and not isinstance(col.dtype, pd.CategoricalDtype):
            values[missing] = np.nan
    if isinstance(col.dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(values, dtype=col.dtype))
    if pd.api.types.is_bool_dtype(col.dtype) and not (missing is not None and missing.any()):
        return pd.Series(values.astype(bool)).astype(col.dtype)
    return pd.Series(values, dtype=object).astype(col.dtype)
