"""Input checks, and the one reader of ``X`` that decides its data kind: clear errors that name the fix.

Missing values, dates and durations are accepted (the tabular codec models
them); what no codec can learn from is refused with the reason.

:func:`read_input` looks at ``X`` once and returns an :class:`InputData`:
its kind (``"tabular"`` or ``"image"``), the checked data, the codec of that
kind, and how to give results back in the caller's type. Nothing downstream
tests the kind again.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse

from ganaug.data.image import ImageCodec
from ganaug.data.tabular import TabularCodec
from ganaug.data.target import is_number
from ganaug.errors import InputError, shown
from ganaug.limits import check_memory, get_limits


def as_table(X: Any) -> tuple[pd.DataFrame, Callable[[pd.DataFrame], Any]]:
    """Return ``X`` as a DataFrame and a function that turns a frame back into X's type."""
    if isinstance(X, pd.DataFrame):
        _check_shape_and_names(X)
        frame = _numbers_as_numeric(X)
        _check_frame(frame)
        return frame, _restore_frame(X)
    if scipy.sparse.issparse(X):
        return _sparse_as_table(X)
    if isinstance(X, pd.Series):
        raise InputError("X is a pandas Series (one column); give a DataFrame, e.g. X.to_frame().")
    array = np.asarray(X, dtype=object) if isinstance(X, list | tuple) and _ragged(X) else np.asarray(X)
    if array.dtype == object and array.ndim == 1 and len(array) and isinstance(array[0], list | tuple):
        raise InputError("X has rows of different lengths; every row needs the same columns.")
    if array.ndim == 4 and array.shape[-1] not in (1, 3, 4):
        raise InputError(f"X of shape {array.shape} looks like images with {array.shape[-1]} channels; "
                         "images need 1 (grey), 3 (RGB) or 4 (RGBA) channels, as (n, H, W[, C]).")
    if array.ndim != 2:
        raise InputError(
            f"tabular X must be 2-D (rows x columns); got shape {array.shape}. "
            "Images are (n, H, W) or (n, H, W, C) arrays, for a backend whose data kinds include 'image'."
        )
    if np.issubdtype(array.dtype, np.complexfloating):
        raise InputError("Complex data not supported: X is complex-valued; split it into real and imaginary "
                         "columns.")
    frame = _numbers_as_numeric(pd.DataFrame(array))
    _check_frame(frame)
    if isinstance(X, list | tuple):
        return frame, lambda out: out.to_numpy(dtype=array.dtype).tolist()
    return frame, lambda out: out.to_numpy(dtype=array.dtype)


SPARSE_DENSE_LIMIT = 2**29  # bytes of the dense float64 copy a sparse X may take (512 MiB)


def _sparse_as_table(X: Any) -> tuple[pd.DataFrame, Callable[[pd.DataFrame], Any]]:
    """A small sparse matrix or array densified; its result comes back in X's sparse format."""
    n_rows, n_columns = X.shape
    if n_rows * n_columns * 8 > SPARSE_DENSE_LIMIT:
        gib = n_rows * n_columns * 8 / 2**30
        raise InputError(f"sparse X of shape {X.shape} would take {gib:.1f} GiB as the dense table a GAN "
                         "trains on; sparse input is not supported at that size. Reduce the columns first "
                         "(e.g. sklearn.decomposition.TruncatedSVD).")
    frame = pd.DataFrame(X.toarray())
    _check_frame(frame)
    return frame, lambda out: type(X)(out.to_numpy(dtype=X.dtype)).asformat(X.format)


def _ragged(rows: list | tuple) -> bool:
    return len({len(r) if isinstance(r, list | tuple | np.ndarray) else -1 for r in rows}) > 1


def _numbers_as_numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in plain types: numbers (Decimal too) held as objects become numeric, as scikit-learn
    treats them; Arrow dictionary columns become categories; date-times of mixed time zones become UTC."""
    changed = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.ArrowDtype) and "dictionary" in str(column.dtype.pyarrow_dtype):
            changed[name] = column.astype(object).astype("category")
        elif column.dtype == object and len(frame):
            present = column.dropna()
            if len(present) == len(column) and all(is_number(v) for v in present):
                changed[name] = pd.to_numeric(column)
            elif len(present) and all(isinstance(v, decimal.Decimal) for v in present):
                changed[name] = column.astype(float)
            elif len(present) and all(isinstance(v, bytes) for v in present):
                # categories as text; latin-1 maps every byte to one character, so no value is lost
                changed[name] = column.map(lambda v: v.decode("latin-1") if isinstance(v, bytes) else v)
            elif len(present) and all(isinstance(v, datetime.datetime) for v in present):
                changed[name] = _utc_if_aware(column)
    if not changed:
        return frame
    frame = frame.copy()
    for name, column in changed.items():  # not assign(**changed): column names need not be strings
        frame[name] = column
    return frame


def _utc_if_aware(column: pd.Series) -> pd.Series:
    aware = {v.tzinfo is not None and v.utcoffset() is not None for v in column.dropna()}
    if aware == {True, False}:
        raise InputError(f"column {column.name!r} mixes date-times with and without a time zone; give all of "
                         "them one, e.g. pd.to_datetime(column, utc=True).")
    return pd.to_datetime(column, utc=aware == {True})


def _restore_frame(X: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def holding(kind: type) -> list[Any]:
        return [name for name in X.columns if X[name].dtype == object and len(X[name].dropna())
                and all(isinstance(v, kind) for v in X[name].dropna())]

    decimals, raw = holding(decimal.Decimal), holding(bytes)

    def restore(out: pd.DataFrame) -> pd.DataFrame:
        out = out.reset_index(drop=True)
        out.columns = X.columns
        for name in decimals:  # numbers that came as Decimal go back as Decimal
            out[name] = [None if pd.isna(v) else decimal.Decimal(repr(float(v))) for v in out[name]]
        for name in raw:  # and bytes as bytes
            out[name] = [v.encode("latin-1") if isinstance(v, str) else v for v in out[name]]
        return out.astype(X.dtypes.to_dict())

    return restore


def _check_shape_and_names(frame: pd.DataFrame) -> None:
    if frame.shape[1] == 0:
        raise InputError(f"X is empty: 0 feature(s) (shape={frame.shape}) while a minimum of 1 is required; "
                         "give at least one column.")
    if frame.shape[0] == 0:
        raise InputError(f"X is empty: 0 sample(s) (shape={frame.shape}) while a minimum of 1 is required; "
                         "give at least one row.")
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise InputError(f"X has duplicate column names {duplicated}; rename them to be unique.")


def _check_frame(frame: pd.DataFrame) -> None:
    _check_shape_and_names(frame)
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype):
            kind = "periods" if isinstance(dtype, pd.PeriodDtype) else "intervals"
            fix = ".dt.to_timestamp()" if kind == "periods" else ".astype(str), or its .left and .right"
            raise InputError(f"column {name!r} holds {kind} ({dtype}), which ganaug does not model; convert "
                             f"it first: X[{name!r}]{fix}.")
        if pd.api.types.is_datetime64_any_dtype(dtype):
            _check_nanosecond_range(frame[name])
        if pd.api.types.is_complex_dtype(dtype):
            raise InputError(f"Complex data not supported: column {name!r} is complex-valued; split it into "
                             "real and imaginary columns.")
        if pd.api.types.is_object_dtype(dtype):
            _check_object_values(frame[name])
    for name in frame.columns:
        _check_not_free_text(frame[name])
    numeric = frame.select_dtypes(include=[np.number])
    infinite = numeric.columns[np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan)).any(axis=0)].tolist()
    if infinite:
        raise InputError(f"X has infinite values in columns {infinite[:10]}; replace or drop them.")


def _check_nanosecond_range(column: pd.Series) -> None:
    """Dates are modelled in nanoseconds, which reach from 1677-09-22 to 2262-04-11."""
    present = column.dropna()
    if present.empty:
        return
    naive = present.dt.tz_convert(None) if present.dt.tz is not None else present
    low, high = naive.min(), naive.max()
    if low < pd.Timestamp.min or high > pd.Timestamp.max:
        raise InputError(f"column {column.name!r} has dates from {low} to {high}; ganaug models dates in "
                         f"nanoseconds, from {pd.Timestamp.min.date()} to {pd.Timestamp.max.date()}. Shift "
                         "them into that range, or give the year as a number column.")


def _check_object_values(column: pd.Series) -> None:
    """Object columns hold categories: strings, booleans or numbers, nothing unhashable or nested."""
    allowed = str | bool | int | float | np.generic
    odd = next((v for v in column if not (v is None or isinstance(v, allowed))), None)
    if odd is not None:
        raise InputError(f"column {column.name!r} holds {type(odd).__name__} values such as {odd!r}; a "
                         "column holds numbers, strings, booleans or categories. Flatten or encode it first.")


FREE_TEXT_LEVELS = 50  # more distinct strings than this, and than half the rows: free text or IDs


def _check_not_free_text(column: pd.Series) -> None:
    if not (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)):
        return
    levels = column.nunique()
    if levels > FREE_TEXT_LEVELS and levels > column.notna().sum() / 2:
        raise InputError(
            f"column {column.name!r} looks like free text or an ID ({levels} distinct strings in "
            f"{len(column)} rows); a GAN cannot learn it as a category. Drop it, or encode it as "
            "numbers first (e.g. text length, TF-IDF components), or make it a pandas category "
            "if it really is one."
        )


@dataclass(frozen=True)
class InputData:
    """``X`` read once by :func:`read_input`.

    Attributes
    ----------
    kind : {"tabular", "image"}
    data : DataFrame or ndarray
        The checked table, or the images as one ``(n, H, W[, C])`` array.
    restore : callable
        Turns a DataFrame (tables) or an image array of this kind back into ``X``'s type.
    feature_names : ndarray or None
        The column names when ``X`` is a DataFrame.
    """

    kind: str
    data: Any
    restore: Callable[[Any], Any]
    feature_names: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.data)

    def append(self, synthetic: Any) -> Any:
        """The data with ``synthetic`` (decoded samples of the same kind) after it, in ``X``'s type."""
        if self.kind == "image":
            return self.restore(np.concatenate([self.data, synthetic]))
        return self.restore(pd.concat([self.data.reset_index(drop=True), synthetic], ignore_index=True))

    def fit_codec(self, tabular: Callable[[], TabularCodec] = TabularCodec,
                  categorical: Collection[Any] | None = None) -> TabularCodec | ImageCodec:
        """The codec of this kind, fitted on the data; ``tabular()`` makes the one for tables (a backend's
        choice), which treats the columns ``categorical`` names as categories (None: by dtype)."""
        if self.kind == "image":
            return ImageCodec().fit(self.data)
        return tabular().fit(self.data, categorical)


def resolve_categorical(data: InputData, spec: Any) -> list[Any] | None:
    """The names of the columns ``categorical_features`` declares (SMOTE-NC's forms); None for ``"auto"``.

    ``spec`` is ``"auto"`` (by dtype), a list of column names or of
    positions, or a boolean mask with one entry per column.
    """
    if isinstance(spec, str) and spec == "auto":
        return None
    if data.kind != "tabular":
        raise InputError(f"categorical_features={spec!r} is for tables; leave it 'auto' for images.")
    columns = list(data.data.columns)
    items = list(spec) if isinstance(spec, list | tuple | np.ndarray | pd.Index) else None
    if items is None:
        raise InputError(f"categorical_features={spec!r}: give 'auto', a list of column names or positions, "
                         "or a boolean mask with one entry per column.")
    if items and all(isinstance(v, bool | np.bool_) for v in items):
        if len(items) != len(columns):
            raise InputError(f"categorical_features is a mask of {len(items)} entries, but X has "
                             f"{len(columns)} columns.")
        return [c for c, chosen in zip(columns, items) if chosen]
    names = [shown_name for shown_name in items if shown_name in columns]
    if len(names) == len(items):  # names (for an array, names and positions are the same)
        return names
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in items):
        outside = [v for v in items if not -len(columns) <= v < len(columns)]
        if outside:
            raise InputError(f"categorical_features positions {outside} are outside X's {len(columns)} "
                             "columns.")
        return [columns[int(v)] for v in items]
    unknown = [v for v in items if v not in columns]
    raise InputError(f"categorical_features names columns that X does not have: "
                     f"{', '.join(map(shown, unknown[:5]))}; its columns are "
                     f"{', '.join(map(shown, columns[:10]))}{', ...' if len(columns) > 10 else ''}.")


def read_input(X: Any) -> InputData:
    """Check ``X`` and decide its kind: image arrays ``(n, H, W[, C])``, else a table."""
    if is_image_array(X):
        return InputData("image", check_images(X), lambda images: images)
    frame, restore = as_table(X)
    names = np.asarray(X.columns, dtype=object) if isinstance(X, pd.DataFrame) else None
    return InputData("tabular", frame, restore, names)


def codec_from_state(state: dict[str, Any]) -> TabularCodec | ImageCodec:
    """A fitted codec from its saved state (states without a kind are tables: model format 1)."""
    return ImageCodec.from_state(state) if state.get("kind") == "image" else TabularCodec.from_state(state)


MIN_SIDE, MAX_SIDE = 8, 512  # MAX_SIDE: the default of the limit max_image_side


def is_image_array(X: Any) -> bool:
    """True for ``(n, H, W)`` or ``(n, H, W, C)`` numeric arrays (C in 1, 3, 4)."""
    if not isinstance(X, np.ndarray | list | tuple):
        return False
    shape = np.shape(X) if not isinstance(X, list | tuple) or _same_shapes(X) else None
    if shape is None:  # a list of images of different shapes: let check_images explain
        return True
    return len(shape) == 3 or (len(shape) == 4 and shape[-1] in (1, 3, 4))


def _same_shapes(images: list | tuple) -> bool:
    return len({np.shape(image) for image in images}) <= 1


def check_images(X: Any) -> np.ndarray:
    """Return the images as one array, or raise an error naming the problem and the fix."""
    if isinstance(X, list | tuple) and not _same_shapes(X):
        shapes = sorted({np.shape(image) for image in X})
        raise InputError(f"images have different shapes {shapes[:4]}; resize them to one size first "
                         "(e.g. PIL.Image.resize) or crop them.")
    images = np.asarray(X)
    if images.dtype == bool or not np.issubdtype(images.dtype, np.number) or \
            np.issubdtype(images.dtype, np.complexfloating):
        raise InputError(f"images must be uint8 or float arrays, not {images.dtype}.")
    if len(images) == 0:
        raise InputError("no images given (an array of 0 images); give at least one image per class.")
    if images.ndim not in (3, 4):
        raise InputError(f"images must be an (n, H, W) or (n, H, W, C) array, got shape {images.shape}; "
                         "for a table use GANOverSampler, which takes tables too.")
    height, width = images.shape[1:3]
    limits = get_limits()
    if min(height, width) < MIN_SIDE or max(height, width) > limits.max_image_side:
        raise InputError(f"images are {height}x{width}; ganaug's image backends take sides from "
                         f"{MIN_SIDE} to {limits.max_image_side} pixels (limit max_image_side). Resize them "
                         "into that range.")
    if max(height, width) / min(height, width) > limits.max_aspect_ratio:
        raise InputError(f"images are {height}x{width}: image backends train on squares, so these would be "
                         f"stretched {max(height, width) / min(height, width):.0f}-fold (limit "
                         f"max_aspect_ratio={limits.max_aspect_ratio:g}). Crop or pad them closer to square.")
    side = 4
    while side < max(height, width):  # the square the codec trains on (ganaug.data.image)
        side *= 2
    channels = images.shape[3] if images.ndim == 4 else 1
    check_memory(len(images) * channels * side * side * 4 * 3, f"{len(images):,} images of {height}x{width} "
                 f"trained as {side}x{side} float32")
    if not np.isfinite(images).all():
        raise InputError("images contain NaN or infinite pixels; replace them first.")
    if images.dtype.kind == "f" and np.abs(images).max() > MAX_PIXEL:
        raise InputError(f"image pixels reach {np.abs(images).max():.3g}; pixels are uint8 (0-255) or floats "
                         "in a range such as [0, 1] or [0, 255]. Rescale them first.")
    return images


MAX_PIXEL = 1e6  # larger float pixels are no brightness scale, and scaling them overflows float32
