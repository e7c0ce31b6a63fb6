"""The target ``y``: checked into an array of class labels, counted into rows to grow, and given back.

Labels may be numbers, strings or a one-hot matrix (imbalanced-learn's
one-vs-all form); what is no classification target is refused with the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from imblearn.utils import check_sampling_strategy
from sklearn.utils.multiclass import type_of_target

from ganaug.errors import InputError, shown


def check_target(y: Any, n_rows: int) -> np.ndarray:
    """``y`` as a 1-D array of class labels, after checking its shape, length, type and classes.

    A one-hot ``(n, k)`` target (imbalanced-learn's one-vs-all form) becomes
    the column index of each row; :func:`restore_target` gives it back one-hot.
    """
    if y is None:
        raise InputError("GANOverSampler requires y to be passed, but the target y is None; give the class "
                         "label of every row of X.")
    if isinstance(y, str) or np.ndim(y) == 0:
        raise InputError(f"y must be one class label per row of X, not one {type(y).__name__} value.")
    y_arr = np.asarray(y.to_numpy() if isinstance(y, pd.DataFrame | pd.Series) else y)
    if y_arr.ndim == 2 and y_arr.shape[1] == 1:
        y_arr = y_arr.ravel()
    if y_arr.ndim == 2:
        y_arr = _one_hot_labels(y_arr)
    if y_arr.ndim != 1:
        raise InputError(f"y must be 1-D (one label per row); got shape {y_arr.shape}.")
    if len(y_arr) != n_rows:
        raise InputError(
            f"X has {n_rows} rows but y has {len(y_arr)} labels; they must match row for row."
        )
    if pd.isna(y_arr).any():
        raise InputError("y contains missing labels (NaN/None): drop or label those rows first.")
    _check_label_types(y_arr)
    if np.iscomplexobj(y_arr):
        raise InputError("Complex data not supported: y holds complex numbers; class labels are numbers, "
                         "strings or booleans.")
    if type_of_target(y_arr) in ("continuous", "continuous-multioutput"):
        raise InputError("Unknown label type: y looks continuous (float values such as "
                         f"{shown(y_arr[0])}), but oversampling needs class labels. Bin it into classes "
                         "first (e.g. pandas.cut), or use a regression method instead.")
    classes = np.unique(y_arr)
    if len(classes) < 2:
        raise InputError(f"y has one class ({shown(classes[0])}); oversampling needs at least 2 classes.")
    return y_arr


def _one_hot_labels(y: np.ndarray) -> np.ndarray:
    """The class index of each row of a one-hot ``(n, k)`` target, or an InputError for anything else."""
    values = np.asarray(y, dtype=object)
    binary = np.isin(values, [0, 1, True, False]).all() and not pd.isna(values).any()
    if not binary or not (values.astype(int).sum(axis=1) == 1).all():
        raise InputError(f"y of shape {y.shape}: multilabel and multioutput targets are not supported. Give "
                         "one label per row, or a one-hot array with exactly one 1 per row.")
    return values.astype(int).argmax(axis=1)


def _check_label_types(y: np.ndarray) -> None:
    if y.dtype.kind in "SVMm" or (y.dtype == object and any(isinstance(v, bytes) for v in y)):
        what = "bytes" if y.dtype.kind in "SV" or y.dtype == object else "dates or durations"
        raise InputError(f"y holds {what}; class labels must be numbers, strings or booleans. Convert them "
                         "first, e.g. y.str.decode('utf-8') for bytes or y.astype(str).")
    if y.dtype != object:
        return
    kinds = {"number" if is_number(v) else type(v).__name__ for v in y}
    if len(kinds) > 1:
        raise InputError(f"y mixes label types ({', '.join(sorted(kinds))}), e.g. 1 and '1' would be two "
                         "classes; make every label one type first, e.g. y.astype(str).")
    if kinds - {"number", "str", "bool"}:
        raise InputError(f"y holds {kinds.pop()} values; class labels must be numbers, strings or booleans.")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)


def restore_target(y: Any, y_arr: np.ndarray, y_new: np.ndarray) -> Any:
    """Append synthetic labels to ``y`` in the caller's container type (one-hot stays one-hot)."""
    values = np.concatenate([y_arr, y_new.astype(y_arr.dtype)])
    if np.ndim(y) == 2 and np.shape(y)[1] > 1:  # one-hot in, one-hot out
        one_hot = np.eye(np.shape(y)[1], dtype=np.asarray(y).dtype)[values]
        return pd.DataFrame(one_hot, columns=y.columns) if isinstance(y, pd.DataFrame) else one_hot
    if isinstance(y, pd.Series):
        return pd.Series(values, name=y.name).astype(y.dtype)
    if isinstance(y, pd.DataFrame):
        return pd.DataFrame({y.columns[0]: values}).astype(y.dtypes.to_dict())
    if isinstance(y, list | tuple):
        return values.tolist()
    return values


def target_counts(sampling_strategy: Any, y: np.ndarray) -> dict[Any, int]:
    """``{class: rows to add}`` from any of imbalanced-learn's ``sampling_strategy`` forms (or InputError)."""
    if sampling_strategy is None:
        raise InputError("sampling_strategy=None: use 'auto' (grow every class to the largest), a float, "
                         "a {class: rows after resampling} dict or a callable y -> dict.")
    try:
        strategy = check_sampling_strategy(sampling_strategy, y, "over-sampling")
    except (ValueError, TypeError, AttributeError, KeyError, OverflowError) as err:
        shown = getattr(sampling_strategy, "__name__", None) or repr(sampling_strategy)
        reason = str(err).rstrip(". ")  # imbalanced-learn's own sentence, without its full stop
        raise InputError(f"sampling_strategy={shown}: {reason}. Use 'auto', 'minority', 'not majority', a "
                         "float (binary), a {class: rows after resampling} dict, or a callable y -> such a "
                         "dict.") from None
    return {label: int(n) for label, n in strategy.items()}


def check_classes_to_grow(y: np.ndarray, grow: list[Any]) -> None:
    """A class that must be grown needs at least 2 rows to learn from."""
    labels, counts = np.unique(y, return_counts=True)
    single = [label for label, n in zip(labels, counts) if n < 2 and label in grow]
    if single:
        raise InputError(
            f"class(es) {', '.join(map(shown, single))} have a single row: no generator can learn a "
            "distribution from one example (it would only copy it). Collect more rows, drop the class, or "
            "leave it out of sampling_strategy (e.g. a dict without it)."
        )
