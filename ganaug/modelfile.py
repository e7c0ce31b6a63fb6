"""The sampler's model file: the schema its JSON must follow, migrations from older formats, its real rows.

A model file is one safetensors file (:mod:`ganaug.fileformat`): the weights
of each trained backend as ``backend<i>.<param>`` tensors, the real rows
that table refinements anchor to as ``reference.*`` tensors, and a
JSON configuration. :func:`check_config` validates that configuration before
anything is built from it, so a damaged or tampered file is refused with a
:class:`~ganaug.errors.ModelFileError` naming the field.

Format history: 1 (ganaug 0.1); 2 drops the Options fields a backend
ignored (the MLP widths of convolutional backends), which format 1 saved;
3 names the codec's state ``codec`` (``encoder`` before) and describes each
model as :meth:`ganaug.backend.Backend.describe` does (a per-class model of a
backend that pairs with a source class has 2 classes; formats 1 and 2 wrote 1,
which no such model could be loaded from). :func:`migrate` reads the older
formats.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from ganaug.data.columns import exact_values, from_exact_values
from ganaug.errors import ModelFileError
from ganaug.refinements import Reference

FORMAT = "ganaug.sampler"
FORMAT_VERSION = 3

# the configuration's keys and the JSON types each must have
_SCHEMA: dict[str, tuple[type, ...]] = {
    "backend": (str,), "params": (dict,), "classes": (list,), "classes_dtype": (str,),
    "sampling_strategy": (list,), "conditional": (bool,), "seed": (int,), "codec": (dict,),
    "models": (list,), "model_of_class": (list,),
}
_MODEL_SCHEMA: dict[str, tuple[type, ...]] = {
    "options": (dict,), "n_classes": (int,), "sample_shape": (list,),
}


MAX_COUNT = 2**31  # more synthetic rows than this in a saved default draw: a damaged or tampered file
LABEL_DTYPE_KINDS = "biufUO"  # booleans, integers, floats, strings and objects (mixed labels)


def migrate(config: dict[str, Any]) -> dict[str, Any]:
    """A configuration of an older format in the newest one's names (the file itself is not changed)."""
    if config.get("format_version", 1) < 3 and "encoder" in config and "codec" not in config:
        config = {k: v for k, v in config.items() if k != "encoder"} | {"codec": config["encoder"]}
    return config


def check_config(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration, migrated and checked against the schema.

    Raises :class:`ModelFileError` naming what is wrong. Only the structure
    and the plain values are checked here; the backend's options, the codec's
    state and the tensors are checked where they are used.
    """
    config = migrate(config)
    _check_fields(config, _SCHEMA, "the model configuration")
    _check_finite(config, "the model configuration")
    try:
        dtype = np.dtype(config["classes_dtype"])
    except (TypeError, ValueError):
        raise ModelFileError(f"classes_dtype {config['classes_dtype']!r} is not a dtype.") from None
    if dtype.kind not in LABEL_DTYPE_KINDS:
        raise ModelFileError(f"classes_dtype {config['classes_dtype']!r} is not a label dtype.")
    classes = config["classes"]
    if not classes or not all(v is None or isinstance(v, str | int | float | bool) for v in classes) or \
            len(set(map(repr, classes))) != len(classes):
        raise ModelFileError("classes must be a list of distinct labels (strings, numbers or booleans).")
    _check_labels_keep(classes, dtype)
    known = set(map(repr, classes))
    n_models = len(config["models"])
    for index, model in enumerate(config["models"]):
        if not isinstance(model, dict):
            raise ModelFileError(f"models[{index}] of the model configuration is not a mapping.")
        _check_fields(model, _MODEL_SCHEMA, f"models[{index}]")
        if not 1 <= model["n_classes"] <= len(classes) + 1:
            raise ModelFileError(f"models[{index}] has n_classes={model['n_classes']} for {len(classes)} "
                                 "classes.")
        if not all(isinstance(side, int) and not isinstance(side, bool) and side > 0
                   for side in model["sample_shape"]) or len(model["sample_shape"]) not in (0, 1, 3):
            raise ModelFileError(f"models[{index}] has an invalid sample_shape {model['sample_shape']!r}.")
    for entry in config["model_of_class"]:
        if not (isinstance(entry, list) and len(entry) == 2 and _whole(entry[1]) and 0 <= entry[1] < n_models
                and repr(entry[0]) in known):
            raise ModelFileError(f"model_of_class entry {entry!r} names no class, or none of the {n_models} "
                                 "models.")
    for entry in config["sampling_strategy"]:
        if not (isinstance(entry, list) and len(entry) == 2 and _whole(entry[1])
                and 0 <= entry[1] <= MAX_COUNT and repr(entry[0]) in known):
            raise ModelFileError(f"sampling_strategy entry {entry!r} is not a [class, count] pair with a "
                                 f"count from 0 to {MAX_COUNT}.")
    if not 0 <= config["seed"] < 2**32:
        raise ModelFileError(f"seed {config['seed']} is not in [0, 2**32 - 1].")
    return config


def _check_finite(value: Any, where: str) -> None:
    """Refuse NaN and infinities anywhere in the configuration (JSON lets them in; no valid file has one)."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, float) and not np.isfinite(item):
            raise ModelFileError(f"{path} holds {item}: a model file has finite numbers only; it was damaged "
                                 "or changed by hand.")
        if isinstance(item, dict):
            stack.extend((v, f"{path}[{k!r}]") for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(item))


def _check_labels_keep(classes: list[Any], dtype: np.dtype) -> None:
    """The labels stored in ``dtype`` come back unchanged (``<U1`` cuts them, ``|b1`` makes them True)."""
    try:
        stored = np.asarray(classes, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise ModelFileError(f"classes_dtype {dtype.str!r} cannot hold the labels {classes[:5]}.") from None
    back = [v.item() if isinstance(v, np.generic) else v for v in stored]
    if len(set(map(repr, back))) != len(back) or any(
            type(a) is not type(b) and not (isinstance(a, int | float) and isinstance(b, int | float))
            or a != b for a, b in zip(classes, back)):
        raise ModelFileError(f"classes_dtype {dtype.str!r} changes the labels {classes[:5]} into {back[:5]}; "
                             "the file was damaged or changed by hand.")


def check_tensors(tensors: dict[str, torch.Tensor]) -> None:
    """Refuse a file whose floating-point tensors (weights, real rows) hold NaN or infinities."""
    for key, value in tensors.items():
        if not value.is_floating_point():
            continue
        finite = torch.isfinite(value)
        missing = tensors.get(f"{key}.missing")  # a real row's missing value is NaN, where its mask says so
        if missing is not None and missing.shape == finite.shape:
            finite = finite | missing.bool()
        if not bool(finite.all()):
            raise ModelFileError(f"tensor {key!r} of the model file holds NaN or infinite values; it was "
                                 "damaged or changed by hand (a model that trained without diverging has "
                                 "finite weights).")


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_fields(mapping: dict[str, Any], schema: dict[str, tuple[type, ...]], where: str) -> None:
    for key, types in schema.items():
        if key not in mapping:
            raise ModelFileError(f"{where} has no {key!r}; the file is damaged or not a ganaug model.")
        value = mapping[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise ModelFileError(f"{where}: {key!r} must be {' or '.join(t.__name__ for t in types)}, "
                                 f"got {type(value).__name__}.")


def reference_tensors(reference: Reference, classes: np.ndarray,
                      columns: list[Any]) -> dict[str, torch.Tensor]:
    """A refinement's real rows as tensors: ``reference.*`` (and ``others.*``), exact values.

    ``columns`` are the tabular codec's fitted columns: each is saved exactly
    (:func:`ganaug.data.columns.exact_values`: level codes, int64 integers,
    dates and durations in nanoseconds, float64), with a ``.missing`` mask
    for a column that has missing values.
    """
    tensors = _frame_tensors("reference", reference.rows, reference.labels, classes, columns)
    if reference.levels is not None:
        tensors["reference.levels"] = torch.from_numpy(np.asarray(reference.levels, dtype=np.int64))
    if reference.others is not None:
        tensors.update(_frame_tensors("others", reference.others, reference.other_labels, classes, columns))
    return tensors


def _frame_tensors(prefix: str, frame: pd.DataFrame, labels: np.ndarray, classes: np.ndarray,
                   columns: list[Any]) -> dict[str, torch.Tensor]:
    tensors = {f"{prefix}.labels": torch.from_numpy(np.searchsorted(classes, labels))}
    for i, col in enumerate(columns):
        values, missing = exact_values(col, frame[col.name])
        tensors[f"{prefix}.{i}"] = torch.from_numpy(np.array(values, copy=True))
        if missing is not None:
            tensors[f"{prefix}.{i}.missing"] = torch.from_numpy(missing.astype(np.uint8))
    return tensors


def read_reference(tensors: dict[str, torch.Tensor], classes: np.ndarray,
                   columns: list[Any]) -> Reference | None:
    """The :class:`Reference` that :func:`reference_tensors` saved, or None when the file has none."""
    if "reference.labels" not in tensors:
        return None
    rows, labels = _read_frame(tensors, "reference", classes, columns)
    reference = Reference(rows, labels)
    if "reference.levels" in tensors:
        reference.levels = tensors["reference.levels"].numpy()
        if reference.levels.shape != (len(rows),):
            raise ModelFileError(f"the saved proximity levels have shape {reference.levels.shape}, the rows "
                                 f"{len(rows)}.")
    if "others.labels" in tensors:
        reference.others, reference.other_labels = _read_frame(tensors, "others", classes, columns)
    return reference


def _read_frame(tensors: dict[str, torch.Tensor], prefix: str, classes: np.ndarray,
                columns: list[Any]) -> tuple[pd.DataFrame, np.ndarray]:
    rows = len(tensors[f"{prefix}.labels"])
    data = {}
    for i, col in enumerate(columns):
        values = tensors[f"{prefix}.{i}"].numpy()
        missing = tensors.get(f"{prefix}.{i}.missing")
        missing = None if missing is None else missing.numpy()
        for array in (values, missing):
            if array is not None and array.shape != (rows,):
                raise ModelFileError(f"the saved real rows disagree: {prefix} column {i} has shape "
                                     f"{array.shape}, the labels {rows} rows.")
        try:
            data[col.name] = from_exact_values(col, values, missing)
        except (ValueError, IndexError, TypeError) as err:
            raise ModelFileError(f"the saved real rows of column {col.name!r} do not fit its encoding: "
                                 f"{err}") from None
    frame = pd.DataFrame(data, columns=[c.name for c in columns])
    return frame, classes[tensors[f"{prefix}.labels"].numpy()]
