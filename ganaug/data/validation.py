"""Input checks, and the one reader of ``X`` that decides its data kind: clear errors that name the fix.

:func:`read_input` looks at ``X`` once and returns an :class:`InputData`:
its kind (``"tabular"`` or ``"image"``), the checked data, the codec of that
kind, and how to give results back in the caller's type. Nothing downstream
tests the kind again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from imblearn.utils import check_sampling_strategy

from ganaug.data.image import ImageCodec
from ganaug.data.tabular import TabularCodec
from ganaug.errors import InputError


def check_target(y: Any, n_rows: int) -> np.ndarray:
    """Return ``y`` as a 1-D array after checking length, NaNs and class count."""
    y_arr = np.asarray(y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr.ravel()
    if y_arr.ndim != 1:
        raise InputError(f"y must be 1-D (one label per row); got shape {y_arr.shape}.")
    if len(y_arr) != n_rows:
        raise InputError(
            f"X has {n_rows} rows but y has {len(y_arr)} labels; they must match row for row."
        )
    if pd.isna(y_arr).any():
        raise InputError("y contains missing labels (NaN/None): drop or label those rows first.")
    if len(np.unique(y_arr)) < 2:
        raise InputError(
            f"y has a single class ({y_arr[0]!r}); oversampling needs at least 2 classes."
        )
    return y_arr


def as_table(X: Any) -> tuple[pd.DataFrame, Callable[[pd.DataFrame], Any]]:
    """Return ``X`` as a DataFrame and a function that turns a frame back into X's type."""
    if isinstance(X, pd.DataFrame):
        _check_frame(X)
        return X, _restore_frame(X)
    array = np.asarray(X)
    if array.ndim != 2:
        raise InputError(
            f"tabular X must be 2-D (rows x columns); got shape {array.shape}. "
            "Image arrays (n, H, W[, C]) need a backend whose data kinds include 'image'."
        )
    frame = pd.DataFrame(array)
    _check_frame(frame)
    return frame, lambda out: out.to_numpy(dtype=array.dtype)


def _restore_frame(X: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def restore(out: pd.DataFrame) -> pd.DataFrame:
        out = out.reset_index(drop=True)
        out.columns = X.columns
        return out.astype(X.dtypes.to_dict())

    return restore


def _check_frame(frame: pd.DataFrame) -> None:
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise InputError(f"X is empty (shape {frame.shape}); give at least one row and column.")
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise InputError(f"X has duplicate column names {duplicated}; rename them to be unique.")
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
            raise InputError(
                f"column {name!r} has dtype {dtype}; ganaug cannot generate dates or durations. "
                "Convert it to numbers (e.g. df[col].astype('int64') or date parts) or drop it."
            )
        if pd.api.types.is_complex_dtype(dtype):
            raise InputError(f"column {name!r} is complex-valued; split it into real columns.")
    missing = frame.columns[frame.isna().any()].tolist()
    if missing:
        raise InputError(
            f"X has missing values (NaN/None) in columns {missing[:10]}; impute them first "
            "(e.g. sklearn.impute.SimpleImputer) or drop those rows."
        )
    for name in frame.columns:
        _check_not_free_text(frame[name])
    numeric = frame.select_dtypes(include=[np.number])
    infinite = numeric.columns[~np.isfinite(numeric.to_numpy(dtype=float)).all(axis=0)].tolist()
    if infinite:
        raise InputError(f"X has infinite values in columns {infinite[:10]}; replace or drop them.")


def restore_target(y: Any, y_arr: np.ndarray, y_new: np.ndarray) -> Any:
    """Append synthetic labels to ``y`` in the caller's container type."""
    values = np.concatenate([y_arr, y_new.astype(y_arr.dtype)])
    if isinstance(y, pd.Series):
        return pd.Series(values, name=y.name).astype(y.dtype)
    if isinstance(y, pd.DataFrame):
        return pd.DataFrame({y.columns[0]: values}).astype(y.dtypes.to_dict())
    return values


FREE_TEXT_LEVELS = 50  # more distinct strings than this, and than half the rows: free text or IDs


def _check_not_free_text(column: pd.Series) -> None:
    if not (pd.api.types.is_object_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype)):
        return
    levels = column.nunique()
    if levels > FREE_TEXT_LEVELS and levels > len(column) / 2:
        raise InputError(
            f"column {column.name!r} looks like free text or an ID ({levels} distinct strings in "
            f"{len(column)} rows); a GAN cannot learn it as a category. Drop it, or encode it as "
            "numbers first (e.g. text length, TF-IDF components), or make it a pandas category "
            "if it really is one."
        )


def target_counts(sampling_strategy: Any, y: np.ndarray) -> dict[Any, int]:
    """``{class: rows to add}`` from any of imbalanced-learn's ``sampling_strategy`` forms (or InputError)."""
    try:
        strategy = check_sampling_strategy(sampling_strategy, y, "over-sampling")
    except ValueError as err:
        raise InputError(f"sampling_strategy={sampling_strategy!r}: {err}") from None
    return {label: int(n) for label, n in strategy.items()}


def check_classes_to_grow(y: np.ndarray, grow: list[Any]) -> None:
    """A class that must be grown needs at least 2 rows to learn from."""
    labels, counts = np.unique(y, return_counts=True)
    single = [label for label, n in zip(labels, counts) if n < 2 and label in grow]
    if single:
        raise InputError(
            f"class(es) {single} have a single row: no generator can learn a distribution from one "
            "example (it would only copy it). Collect more rows, drop the class, or leave it out "
            "of sampling_strategy (e.g. a dict without it)."
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

    def make_codec(self, tabular: Callable[[], TabularCodec] = TabularCodec) -> TabularCodec | ImageCodec:
        """An unfitted codec of this kind; ``tabular()`` makes the one for tables (a backend's choice)."""
        return tabular() if self.kind == "tabular" else ImageCodec()


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


MIN_SIDE, MAX_SIDE = 8, 512


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
        raise InputError("no images given.")
    if images.ndim not in (3, 4):
        raise InputError(f"images must be an (n, H, W) or (n, H, W, C) array, got shape {images.shape}; "
                         "for a table use GANOverSampler, which takes tables too.")
    height, width = images.shape[1:3]
    if min(height, width) < MIN_SIDE or max(height, width) > MAX_SIDE:
        raise InputError(f"images are {height}x{width}; ganaug's image backends take sides from "
                         f"{MIN_SIDE} to {MAX_SIDE} pixels. Resize them into that range.")
    if not np.isfinite(images).all():
        raise InputError("images contain NaN or infinite pixels; replace them first.")
    return images
