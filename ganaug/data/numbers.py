"""Exact numbers: integers, dates and durations as floats for the codec, and back without drift.

Dates are UTC nanoseconds (timezone-aware ones keep their zone on the way
back), durations nanoseconds; integers beyond float64's exact range are
measured from an offset so that no two neighbours merge.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

EXACT_FLOAT_INTEGERS = 2**53  # float64 holds every integer up to this; beyond it, neighbours merge


def numeric_view(series: pd.Series, offset: int | None = None) -> np.ndarray:
    """A numeric, date or duration column as float64, NaN where missing; relative to ``offset`` exactly."""
    present = series.notna().to_numpy()
    values = np.full(len(series), np.nan)
    if offset is None and not is_temporal(series.dtype):
        values[present] = series[present].to_numpy(dtype=np.float64)
        return values
    # uint64 arithmetic is exact modulo 2**64, and every distance to the minimum fits
    distance = exact_integers(series[present]).astype(np.uint64) - np.uint64((offset or 0) % 2**64)
    values[present] = distance.astype(np.float64)
    return values


def from_numeric_view(values: np.ndarray, dtype: Any) -> pd.Series:
    """Float values (:func:`numeric_view` without an offset) back in ``dtype``; NaN stays missing."""
    if is_temporal(dtype):
        return from_nanoseconds(np.round(values), dtype)
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
    out = series.copy()
    out[present] = from_nanoseconds(rounded, series.dtype, wall_clock=True).to_numpy()
    return out


def from_nanoseconds(ns: np.ndarray, dtype: Any, wall_clock: bool = False) -> pd.Series:
    """Nanoseconds back to ``dtype``'s dates or durations (NaN: missing).

    Dates are UTC nanoseconds, or with ``wall_clock`` nanoseconds of the local
    clock of ``dtype``'s timezone (:func:`round_to_step`).
    """
    if pd.api.types.is_timedelta64_dtype(dtype):
        return pd.Series(pd.to_timedelta(ns, unit="ns")).astype(dtype)
    dates = pd.Series(pd.to_datetime(ns, unit="ns"))
    tz = getattr(dtype, "tz", None)
    if tz is not None and wall_clock:  # a skipped local time moves forward; a repeated one is standard time
        dates = dates.dt.tz_localize(tz, nonexistent="shift_forward",
                                     ambiguous=np.zeros(len(dates), dtype=bool))
    elif tz is not None:
        dates = dates.dt.tz_localize("UTC").dt.tz_convert(tz)
    return dates.astype(dtype)


def _wall_clock(present: pd.Series) -> np.ndarray:
    """Non-missing dates as int64 ns of their local clock; durations as int64 ns."""
    if pd.api.types.is_datetime64_any_dtype(present.dtype) and getattr(present.dtype, "tz", None) is not None:
        present = present.dt.tz_localize(None)
    return exact_integers(present).astype(np.int64)


def is_temporal(dtype: Any) -> bool:
    """Whether ``dtype`` holds dates (timezone-aware or not) or durations."""
    return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)


def exact_integers(present: pd.Series) -> np.ndarray:
    """Integers, dates (UTC ns) and durations (ns) of non-missing values, as int64 or uint64."""
    if pd.api.types.is_datetime64_any_dtype(present.dtype):
        if getattr(present.dtype, "tz", None) is not None:
            present = present.dt.tz_convert("UTC").dt.tz_localize(None)
        return present.to_numpy(dtype="datetime64[ns]").view(np.int64)
    if pd.api.types.is_timedelta64_dtype(present.dtype):
        return present.to_numpy(dtype="timedelta64[ns]").view(np.int64)
    unsigned = pd.api.types.is_unsigned_integer_dtype(present.dtype)
    return present.to_numpy(dtype=np.uint64 if unsigned else np.int64)
