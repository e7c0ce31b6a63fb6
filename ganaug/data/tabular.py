"""The tabular codec: tables to the float matrices GANs train on, and back.

Numeric columns become bounded scalars (plus a mode one-hot for mode-specific
normalisation); categorical columns become one-hot groups. Dates and
durations are numbers of nanoseconds, and integers beyond float64's exact
range (2**53) and dates are encoded as their exact distance to the column's
minimum. A column with missing values gets a two-slot ``missing`` one-hot
(numeric) or an extra level (categorical), so the generator learns where
values are missing, as CTGAN and RDT do. ``inverse_transform`` restores the
original dtypes: integers are rounded and clipped to the seen range,
categories stay within their levels, dates keep their time zone, and missing
values come back as the column had them (NaN, None, ``pd.NA`` or ``NaT``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer

from ganaug.data.mixture import fit_mixtures
from ganaug.errors import InputError, OptionsError
from ganaug.fileformat import json_scalar

NumericEncoding = Literal["mode", "quantile", "standard"]


@dataclass(frozen=True)
class Span:
    """A run of encoded columns produced by one original column.

    ``kind`` is ``"numeric"`` (scalar), ``"mode"`` (mode one-hot of a numeric
    column), ``"categorical"`` (category one-hot) or ``"missing"`` (a numeric
    column's [present, missing] one-hot); ``activation`` is what a
    generator's output head applies: ``"tanh"``, ``"linear"`` or ``"softmax"``.
    """

    column: Any
    kind: str
    start: int
    width: int
    activation: str


@dataclass
class _Column:
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


EXACT_FLOAT_INTEGERS = 2**53  # float64 holds every integer up to this; beyond it, neighbours merge
HUGE = 1e100  # numeric columns beyond this magnitude are scaled down for the mixtures (squares overflow)


def is_categorical(series: pd.Series) -> bool:
    """Object, string, category and bool columns are categorical (the ``"auto"`` rule)."""
    dtype = series.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def numeric_view(series: pd.Series, offset: int | None = None) -> np.ndarray:
    """A numeric, date or duration column as float64, NaN where missing; relative to ``offset`` exactly."""
    present = series.notna().to_numpy()
    values = np.full(len(series), np.nan)
    if offset is None and not is_temporal(series.dtype):
        values[present] = series[present].to_numpy(dtype=np.float64)
        return values
    # uint64 arithmetic is exact modulo 2**64, and every distance to the minimum fits
    distance = _exact_integers(series[present]).astype(np.uint64) - np.uint64((offset or 0) % 2**64)
    values[present] = distance.astype(np.float64)
    return values


def from_numeric_view(values: np.ndarray, dtype: Any) -> pd.Series:
    """Float values (:func:`numeric_view` without an offset) back in ``dtype``; NaN stays missing."""
    if pd.api.types.is_datetime64_any_dtype(dtype):
        dates = pd.Series(pd.to_datetime(np.round(values), unit="ns"))
        tz = getattr(dtype, "tz", None)
        return (dates.dt.tz_localize("UTC").dt.tz_convert(tz) if tz is not None else dates).astype(dtype)
    if pd.api.types.is_timedelta64_dtype(dtype):
        return pd.Series(pd.to_timedelta(np.round(values), unit="ns")).astype(dtype)
    if pd.api.types.is_integer_dtype(dtype):
        values = np.round(values)
    return pd.Series(values).astype(dtype)


# day, hour, minute, second, millisecond, microsecond, nanosecond
TEMPORAL_STEPS = (86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9, 10**6, 10**3, 1)


def temporal_step(series: pd.Series) -> int:
    """The coarsest of :data:`TEMPORAL_STEPS` (ns) that divides every date's wall-clock time or duration.

    A column of plain dates gives a day, so synthetic dates come back as dates
    rather than at fractional times. Timezone-aware dates are measured on the
    local clock (local midnight is a whole day).
    """
    wall = _wall_clock(series.dropna())
    if not len(wall):
        return 1
    return next(step for step in TEMPORAL_STEPS if not np.any(wall % step))


def round_to_step(series: pd.Series, step: int) -> pd.Series:
    """Dates or durations rounded to ``step`` ns on their wall clock (see :func:`temporal_step`)."""
    if step <= 1 or not is_temporal(series.dtype):
        return series
    present = series.notna().to_numpy()
    wall = _wall_clock(series[present])
    rounded = (np.floor_divide(wall + step // 2, step) * step)
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        values = pd.to_timedelta(rounded, unit="ns")
    else:
        values = pd.Series(pd.to_datetime(rounded, unit="ns"))
        tz = getattr(series.dtype, "tz", None)
        if tz is not None:  # a local time that a clock change skips moves forward; one it repeats: standard
            values = values.dt.tz_localize(tz, nonexistent="shift_forward",
                                           ambiguous=np.zeros(len(values), dtype=bool))
    out = series.copy()
    out[present] = pd.Series(values).astype(series.dtype).to_numpy()
    return out


def _wall_clock(present: pd.Series) -> np.ndarray:
    """Non-missing dates as int64 ns of their local clock; durations as int64 ns."""
    if pd.api.types.is_datetime64_any_dtype(present.dtype) and getattr(present.dtype, "tz", None) is not None:
        present = present.dt.tz_localize(None)
    return _exact_integers(present).astype(np.int64)


def is_temporal(dtype: Any) -> bool:
    """Whether ``dtype`` holds dates (timezone-aware or not) or durations."""
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def _exact_integers(present: pd.Series) -> np.ndarray:
    """Integers, dates (UTC ns) and durations (ns) of non-missing values, as int64 or uint64."""
    if pd.api.types.is_datetime64_any_dtype(present.dtype):
        if getattr(present.dtype, "tz", None) is not None:
            present = present.dt.tz_convert("UTC").dt.tz_localize(None)
        return present.to_numpy(dtype="datetime64[ns]").view(np.int64)
    if pd.api.types.is_timedelta64_dtype(present.dtype):
        return present.to_numpy(dtype="timedelta64[ns]").view(np.int64)
    unsigned = pd.api.types.is_unsigned_integer_dtype(present.dtype)
    return present.to_numpy(dtype=np.uint64 if unsigned else np.int64)


def _from_offset(values: np.ndarray, col: _Column) -> pd.Series:
    """Decoded distances back to the column's integers, dates or durations (see :func:`numeric_view`)."""
    exact = (np.round(values).astype(np.uint64) + np.uint64(col.offset % 2**64)).view(np.int64)
    if col.temporal == "datetime":
        dates = pd.Series(pd.to_datetime(exact, unit="ns"))
        tz = getattr(col.dtype, "tz", None)
        return (dates.dt.tz_localize("UTC").dt.tz_convert(tz) if tz is not None else dates).astype(col.dtype)
    if col.temporal == "timedelta":
        return pd.Series(pd.to_timedelta(exact, unit="ns")).astype(col.dtype)
    if pd.api.types.is_unsigned_integer_dtype(col.dtype):
        return pd.Series(exact.view(np.uint64)).astype(col.dtype)
    return pd.Series(exact).astype(col.dtype)


class TabularCodec:
    """Encode a DataFrame into a float32 matrix for GANs, and back (the codec of ``"tabular"`` data).

    Parameters
    ----------
    numeric : {"mode", "quantile", "standard"}
        ``"mode"``: mode-specific normalisation (CTGAN) with a sparse Gaussian
        mixture per column, giving a scalar in (-1, 1) plus a mode one-hot.
        ``"quantile"``: empirical quantiles mapped to (-1, 1).
        ``"standard"``: z-scores, unbounded.
    max_modes : int
        Upper bound on mixture components per column (``"mode"`` only).
    mixture_subsample : int
        The mixtures are fitted on at most this many rows per column; mixture
        fits dominate preprocessing time and a few hundred rows pin the modes.
    random_state : int, optional
        Seed for subsampling, mixtures and mode assignment.
    """

    kind = "tabular"

    def __init__(self, numeric: NumericEncoding = "quantile", max_modes: int = 10,
                 mixture_subsample: int = 1000, random_state: int | None = None) -> None:
        if numeric not in ("mode", "quantile", "standard"):
            raise OptionsError(f"numeric={numeric!r}: use 'mode', 'quantile' or 'standard'.")
        self.numeric = numeric
        self.max_modes = max_modes
        self.mixture_subsample = mixture_subsample
        self.random_state = random_state

    # ---- fitting ---------------------------------------------------------
    def fit(self, frame: pd.DataFrame, categorical: Collection[Any] | None = None) -> TabularCodec:
        """Learn each column's encoding; sets ``layout_`` and ``n_features_``.

        ``categorical`` names numeric columns to treat as categories too (an
        integer-coded ``zip``, say); text, category and bool columns always
        are (:func:`is_categorical`), as they cannot be numbers.
        """
        self._rng = np.random.default_rng(self.random_state)
        declared = set(categorical or ())
        self.columns_ = [self._fit_column(frame[name], is_categorical(frame[name]) or name in declared)
                         for name in frame.columns]
        if self.numeric == "mode":
            self._fit_modes(frame)
        self.layout_ = tuple(self._layout())
        self.n_features_ = sum(span.width for span in self.layout_)
        return self

    @property
    def categorical_(self) -> tuple[Any, ...]:
        """The names of the columns encoded as categories."""
        return tuple(col.name for col in self.columns_ if col.categorical)

    def _fit_column(self, series: pd.Series, categorical: bool) -> _Column:
        col = _Column(series.name, series.dtype, categorical)
        missing = series.isna().to_numpy()
        col.missing = bool(missing.any())
        if col.missing:
            col.na = _na_kind(series)
        present = series[~missing]
        if col.categorical:
            col.levels = np.asarray(sorted(present.unique(), key=_sort_key), dtype=object)
            return col
        if len(present) and (col.temporal or pd.api.types.is_integer_dtype(series.dtype) and
                             max(abs(int(present.min())), abs(int(present.max()))) > EXACT_FLOAT_INTEGERS):
            col.offset = int(_exact_integers(present).min())
        if col.temporal:
            col.step = temporal_step(present)
        values = numeric_view(series, col.offset)[~missing]
        if not len(values):  # every value missing
            return col
        col.low, col.high = float(values.min()), float(values.max())
        col.fill = float(np.median(values))
        if col.high > col.low and self.numeric != "mode":  # modes: fitted together below
            col.model = getattr(self, f"_fit_{self.numeric}")(values)
        return col

    def _fit_modes(self, frame: pd.DataFrame) -> None:
        """Fit every varying numeric column's mixture at once, on a row subsample."""
        varying = [c for c in self.columns_ if not c.categorical and c.high > c.low]
        if not varying:
            return
        rows = np.arange(len(frame))
        if len(rows) > self.mixture_subsample:
            rows = np.sort(self._rng.choice(rows, self.mixture_subsample, replace=False))
        complete = [c for c in varying if not c.missing]  # one batched fit; columns with gaps alone
        groups = ([complete] if complete else []) + [[c] for c in varying if c.missing]
        for group in groups:
            values = np.column_stack([numeric_view(frame[c.name], c.offset)[rows] for c in group])
            if group[0].missing:
                values = values[~np.isnan(values[:, 0])]
            magnitude = np.abs(values).max(axis=0)
            scales = np.where(magnitude > HUGE, magnitude, 1.0)  # squares of values near 1e308 overflow
            for col, model, scale in zip(group, fit_mixtures(values / scales, self.max_modes), scales):
                col.model = model if scale == 1.0 else {**model, "scale": scale}

    def _fit_quantile(self, values: np.ndarray) -> dict:
        quantiles = QuantileTransformer(n_quantiles=min(1000, len(values)), subsample=10**9)
        return {"quantiles": quantiles.fit(values.reshape(-1, 1))}

    def _fit_standard(self, values: np.ndarray) -> dict:
        return {"mean": values.mean(), "std": values.std()}

    def _layout(self):
        start = 0
        for col in self.columns_:
            for kind, width, activation in _spans_of(col, self.numeric):
                yield Span(col.name, kind, start, width, activation)
                start += width

    # ---- state (for save/load: JSON only, no pickling) -----------------
    def get_state(self) -> dict[str, Any]:
        """The fitted encoder as plain JSON-able data (see :meth:`from_state`)."""
        return {
            "kind": self.kind, "numeric": self.numeric, "max_modes": self.max_modes,
            "mixture_subsample": self.mixture_subsample, "random_state": self.random_state,
            "columns": [_column_state(col, self.numeric) for col in self.columns_],
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TabularCodec:
        """Rebuild a fitted encoder from :meth:`get_state`'s output."""
        encoder = cls(state["numeric"], state["max_modes"], state["mixture_subsample"],
                      state["random_state"])
        encoder._rng = np.random.default_rng(encoder.random_state)
        encoder.columns_ = [_column_from_state(c, encoder.numeric) for c in state["columns"]]
        encoder.layout_ = tuple(encoder._layout())
        encoder.n_features_ = sum(span.width for span in encoder.layout_)
        return encoder

    # ---- transform -------------------------------------------------------
    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode ``frame`` into an ``(n, n_features_)`` float32 matrix."""
        parts = [self._encode(col, frame[col.name]) for col in self.columns_]
        return np.concatenate([np.zeros((len(frame), 0)), *parts], axis=1).astype(np.float32)

    def _encode(self, col: _Column, series: pd.Series) -> np.ndarray:
        if col.categorical:
            width = len(col.levels) + col.missing
            if width < 2:
                return np.zeros((len(series), 0))
            return np.eye(width)[_codes(series, col)]
        missing = series.isna().to_numpy()
        if missing.any() and not col.missing:
            raise InputError(f"column {series.name!r} has missing values, but had none when the encoder was "
                             "fitted; refit on data that has them, or fill them first.")
        parts = []
        if col.model:
            values = numeric_view(series, col.offset)
            values[missing] = col.fill
            parts.append(getattr(self, f"_encode_{self.numeric}")(col.model, values))
        if col.missing:
            parts.append(np.eye(2)[missing.astype(int)])  # [present, missing]
        return np.concatenate([np.zeros((len(series), 0)), *parts], axis=1)

    def _encode_mode(self, model: dict, values: np.ndarray) -> np.ndarray:
        means, stds = model["means"], model["stds"]
        values = values / model.get("scale", 1.0)
        z = (values[:, None] - means) / stds  # (n, k)
        log_p = np.log(model["weights"]) - np.log(stds) - 0.5 * z**2
        probs = np.exp(log_p - log_p.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        # sample each row's mode from its posterior, as CTGAN does, for smoother modes
        modes = (probs.cumsum(axis=1) < self._rng.random((len(values), 1))).sum(axis=1)
        modes = np.minimum(modes, len(means) - 1)
        alpha = np.clip((values - means[modes]) / (4 * stds[modes]), -0.99, 0.99)
        return np.column_stack([alpha, np.eye(len(means))[modes]])

    def _encode_quantile(self, model: dict, values: np.ndarray) -> np.ndarray:
        return model["quantiles"].transform(values.reshape(-1, 1)) * 2 - 1

    def _encode_standard(self, model: dict, values: np.ndarray) -> np.ndarray:
        return ((values - model["mean"]) / model["std"]).reshape(-1, 1)

    # ---- inverse ---------------------------------------------------------
    def inverse_transform(self, Z: np.ndarray, random_state: np.random.Generator | None = None
                          ) -> pd.DataFrame:
        """Decode an encoded matrix into a DataFrame with the original dtypes.

        Parameters
        ----------
        Z : ndarray of shape (n, n_features_)
        random_state : numpy Generator, optional
            Given, each one-hot group (categories, missing flags, mixture
            modes) is read as probabilities and one slot is drawn from them;
            else the largest slot is taken. Generators output probabilities,
            and taking the largest would turn a 20 % chance of "missing" (or
            of a rare level) into never; an exact one-hot row decodes the
            same either way.
        """
        Z = np.asarray(Z, dtype=np.float64)
        data, start = {}, 0
        for col in self.columns_:
            width = sum(w for _, w, _ in _spans_of(col, self.numeric))
            data[col.name] = self._decode(col, Z[:, start : start + width], len(Z), random_state)
            start += width
        return pd.DataFrame(data, columns=[c.name for c in self.columns_])

    def _decode(self, col: _Column, block: np.ndarray, n: int,
                rng: np.random.Generator | None = None) -> pd.Series:
        if n == 0:
            return pd.Series([], dtype=col.dtype)
        if col.categorical:
            codes = pick_slots(block, rng) if block.shape[1] else np.zeros(n, dtype=int)
            if not len(col.levels):  # every value missing
                return _restore_categorical(col, np.full(n, None, dtype=object), np.ones(n, bool))
            return _restore_categorical(col, col.levels[np.minimum(codes, len(col.levels) - 1)],
                                        codes == len(col.levels))
        missing = pick_slots(block[:, -2:], rng) == 1 if col.missing else np.zeros(n, bool)
        numeric = block[:, :-2] if col.missing else block
        if not col.model:
            values = np.full(n, col.low)
        elif self.numeric == "mode":
            values = self._decode_mode(col.model, numeric, rng)
        else:
            values = getattr(self, f"_decode_{self.numeric}")(col.model, numeric)
        values = np.clip(values, col.low, col.high)
        if col.offset is not None:
            restored = round_to_step(_from_offset(values, col), col.step)
        else:
            if pd.api.types.is_integer_dtype(col.dtype):
                values = np.round(values)
            restored = pd.Series(values).astype(col.dtype) if not col.missing else pd.Series(values)
        if not col.missing:
            return restored
        return _with_missing(restored, missing, col)

    def _decode_mode(self, model: dict, block: np.ndarray, rng: np.random.Generator | None = None
                     ) -> np.ndarray:
        modes = pick_slots(block[:, 1:], rng)
        alpha = np.clip(block[:, 0], -1, 1)
        return (alpha * 4 * model["stds"][modes] + model["means"][modes]) * model.get("scale", 1.0)

    def _decode_quantile(self, model: dict, block: np.ndarray) -> np.ndarray:
        # QuantileTransformer.inverse_transform is np.interp over evenly spaced references, so the
        # bracketing quantiles are found by arithmetic instead of a binary search (5x faster)
        uniform = np.clip((block[:, 0].astype(np.float64) + 1) / 2, 0, 1)
        quantiles = model["quantiles"].quantiles_[:, 0]  # (q,) values at references linspace(0, 1, q)
        position = uniform * (len(quantiles) - 1)
        low = np.minimum(position.astype(np.intp), len(quantiles) - 2)
        return quantiles[low] + (position - low) * (quantiles[low + 1] - quantiles[low])

    def _decode_standard(self, model: dict, block: np.ndarray) -> np.ndarray:
        return block[:, 0] * model["std"] + model["mean"]


def pick_slots(block: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """The slot of each row of a one-hot group: the largest, or with ``rng`` one drawn from the row's
    weights (negative ones count as 0; a row of zeros gives its largest)."""
    if rng is None or block.shape[1] < 2:
        return block.argmax(axis=1)
    weights = np.clip(block, 0, None)  # (n, k)
    with np.errstate(divide="ignore"):
        keys = np.log(weights) - np.log(-np.log(rng.random(block.shape)))  # Gumbel-max: a draw per row
    drawn = keys.argmax(axis=1)
    return np.where(weights.sum(axis=1) > 0, drawn, block.argmax(axis=1))


def _spans_of(col: _Column, numeric: str) -> list[tuple[str, int, str]]:
    """``(kind, width, activation)`` of the spans a column encodes to."""
    if col.categorical:
        width = len(col.levels) + col.missing
        return [("categorical", width, "softmax")] if width > 1 else []
    spans = []
    if col.model and numeric == "mode":
        spans = [("numeric", 1, "tanh"), ("mode", len(col.model["means"]), "softmax")]
    elif col.model:
        spans = [("numeric", 1, "tanh" if numeric == "quantile" else "linear")]
    # a constant column takes no width (it is restored from its single value), missing values two
    return spans + [("missing", 2, "softmax")] if col.missing else spans


def _na_kind(series: pd.Series) -> str:
    """How a column's missing values look, so they come back the same: NaN, None, pd.NA or NaT."""
    if is_temporal(series.dtype):
        return "nat"
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype) and \
            not isinstance(series.dtype, pd.CategoricalDtype) and series.dtype.na_value is pd.NA:
        return "na"
    first = series[series.isna()].iloc[0]
    return "none" if first is None else "nan"


def _with_missing(values: pd.Series, missing: np.ndarray, col: _Column) -> pd.Series:
    """``values`` with ``missing`` rows set to the column's kind of missing value, in its dtype."""
    if col.na == "none":
        out = values.astype(object)
        out[missing] = None
        return out
    out = values.astype(col.dtype if col.na in ("na", "nat") or not pd.api.types.is_integer_dtype(col.dtype)
                        else np.float64)
    out[missing] = pd.NaT if col.na == "nat" else pd.NA if col.na == "na" else np.nan
    return out.astype(col.dtype) if col.na in ("na", "nat") or pd.api.types.is_float_dtype(col.dtype) else out


def _column_state(col: _Column, numeric: str) -> dict[str, Any]:
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


def _column_from_state(state: dict[str, Any], numeric: str) -> _Column:
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
    return _Column(state["name"], dtype_from_state(state["dtype"]), state["categorical"], levels,
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


def _sort_key(value: Any) -> tuple[str, Any]:
    # levels of mixed types (e.g. 1 and "1") still sort deterministically
    return (type(value).__name__, value)


def _codes(series: pd.Series, col: _Column) -> np.ndarray:
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


def exact_values(col: _Column, series: pd.Series) -> tuple[np.ndarray, np.ndarray | None]:
    """A column's values as one exact array, and where they are missing (None when the column has no gaps).

    Categories become level codes (int64), integers int64 (uint64 wraps, see
    :func:`from_exact_values`), dates UTC nanoseconds, durations nanoseconds,
    other numbers float64. Model files store real rows this way.
    """
    missing = series.isna().to_numpy()
    if col.categorical:
        values = _codes(series, col)
        values[missing] = -1
    elif col.temporal or pd.api.types.is_integer_dtype(col.dtype):
        values = np.zeros(len(series), dtype=np.int64)
        values[~missing] = _exact_integers(series[~missing]).astype(np.int64)  # uint64 wraps
    else:
        values = numeric_view(series)
    return values, (missing if col.missing else None)


def from_exact_values(col: _Column, values: np.ndarray, missing: np.ndarray | None) -> pd.Series:
    """The inverse of :func:`exact_values`: the column in its own dtype, missing values of its own kind."""
    values = np.asarray(values)
    missing = np.zeros(len(values), bool) if missing is None else np.asarray(missing, dtype=bool)
    if col.categorical:
        outside = len(values) and (values.min() < -1 or values.max() >= len(col.levels))
        if values.dtype.kind not in "iu" or outside:
            raise ValueError(f"column {col.name!r}: saved level codes outside its {len(col.levels)} levels")
        codes = np.where(missing, 0, values).astype(np.int64)
        picked = col.levels[codes] if len(col.levels) else np.full(len(values), None, dtype=object)
        return _restore_categorical(col, picked, missing | (values < 0))
    if col.temporal or pd.api.types.is_integer_dtype(col.dtype):
        exact = values.astype(np.int64)
        if col.temporal == "datetime":
            restored = pd.Series(pd.to_datetime(exact, unit="ns"))
            tz = getattr(col.dtype, "tz", None)
            restored = (restored.dt.tz_localize("UTC").dt.tz_convert(tz) if tz is not None else restored)
        elif col.temporal == "timedelta":
            restored = pd.Series(pd.to_timedelta(exact, unit="ns"))
        elif pd.api.types.is_unsigned_integer_dtype(col.dtype):
            restored = pd.Series(exact.view(np.uint64))
        else:
            restored = pd.Series(exact)
        restored = restored.astype(col.dtype) if not col.missing else restored
    else:
        restored = pd.Series(values.astype(np.float64))
        if not col.missing:
            restored = restored.astype(col.dtype)
    return _with_missing(restored, missing, col) if col.missing else restored


def _restore_categorical(col: _Column, values: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
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
