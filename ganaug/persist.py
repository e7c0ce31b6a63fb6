"""Saving and loading fitted samplers: safetensors for tensors, JSON for everything else.

One ``.safetensors`` file holds the generator weights (and the real rows that
``refine="interpolate"`` anchors to); its metadata holds the configuration,
the encoder and the labels as JSON. Loading parses only tensors and JSON, so
a file from someone else can never run code (no pickle anywhere).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from ganaug._version import __version__
from ganaug.backend import Backend, TrainingData
from ganaug.encoders import TabularEncoder, json_scalar
from ganaug.images import ImageEncoder
from ganaug.options import build_options, unused_options
from ganaug.plugins import get_backend
from ganaug.training import resolve_device

if TYPE_CHECKING:
    from ganaug.sampler import GANOverSampler

FORMAT = "ganaug.sampler"
FORMAT_VERSION = 1  # bump when a saved file's layout changes; older readers then refuse it


class ModelFileError(ValueError):
    """A model file that is missing, foreign, damaged or from an incompatible version."""


# ---- writing -------------------------------------------------------------------
def save_sampler(sampler: GANOverSampler, path: str | Path) -> Path:
    """Write a fitted sampler to ``path`` atomically (temp file, then rename)."""
    if not hasattr(sampler, "backends_"):
        raise RuntimeError("this GANOverSampler is not fitted yet: call fit_resample before save.")
    tensors: dict[str, torch.Tensor] = {}
    models = _unique_models(sampler.backends_)
    for index, model in enumerate(models):
        tensors.update({f"backend{index}.{key}": value for key, value in _cpu_state(model).items()})
    tensors.update(_reference_tensors(sampler))
    config = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "ganaug_version": __version__,
        "backend": models[0].name if models else _backend_name(sampler),
        "params": _params(sampler),
        "classes": [json_scalar(c) for c in sampler.classes_],
        "classes_dtype": sampler.classes_.dtype.str,
        "sampling_strategy": [[json_scalar(k), int(v)] for k, v in sampler.sampling_strategy_.items()],
        "conditional": bool(sampler._conditional_), "seed": int(sampler._seed_),
        "encoder": sampler.encoder_.get_state(),
        "models": [{"options": _jsonable(asdict(m.options)), "n_classes": _n_classes(sampler),
                    "sample_shape": list(getattr(m, "sample_shape_", (sampler.encoder_.n_features_,)))}
                   for m in models],
        "model_of_class": [[json_scalar(label), models.index(m)] for label, m in sampler.backends_.items()],
        "target_name": json_scalar(getattr(sampler, "target_name_", None)),
        "feature_names_in": None if not hasattr(sampler, "feature_names_in_")
        else [json_scalar(c) for c in sampler.feature_names_in_],
    }
    return write_atomic(Path(path), tensors, {"ganaug": json.dumps(config)})


def write_atomic(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> Path:
    """Write a safetensors file through a temp file and a rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        save_file(tensors, temp, metadata=metadata)
        os.replace(temp, path)  # atomic: readers see the old file or the new one, never half
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return path


def _unique_models(backends: dict[Any, Backend]) -> list[Backend]:
    return list({id(m): m for m in backends.values()}.values())


def _cpu_state(backend: Backend) -> dict[str, torch.Tensor]:
    """The backend's tensors as contiguous CPU copies, as safetensors wants them."""
    return {k: v.detach().to("cpu", copy=True).contiguous() for k, v in backend.state_dict().items()}


def _n_classes(sampler: GANOverSampler) -> int:
    return len(sampler.classes_) if sampler._conditional_ else 1


def _backend_name(sampler: GANOverSampler) -> str:
    return sampler.backend if isinstance(sampler.backend, str) else sampler.backend.name


def _params(sampler: GANOverSampler) -> dict[str, Any]:
    params = sampler.get_params()
    params["backend"] = _backend_name(sampler)
    params["device"] = "auto"  # where it was trained says nothing about where it will be used
    params["checkpoint"] = None  # a path on the training machine
    if not isinstance(params["random_state"], int | type(None)):
        params["random_state"] = int(sampler._seed_)
    strategy = params["sampling_strategy"]
    if callable(strategy) or isinstance(strategy, dict):  # the fitted counts are saved instead
        params["sampling_strategy"] = "auto"
    return _jsonable(params)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return json_scalar(value)


def _reference_tensors(sampler: GANOverSampler) -> dict[str, torch.Tensor]:
    """The real rows of the grown classes, which ``refine="interpolate"`` needs (exact values)."""
    if sampler.refine != "interpolate" or getattr(sampler, "_reference_", None) is None:
        return {}
    frame, labels = sampler._reference_
    tensors = {"reference.labels": torch.from_numpy(np.searchsorted(sampler.classes_, labels))}
    for i, col in enumerate(sampler.encoder_.columns_):
        values = frame[col.name]
        if col.categorical:
            values = values.map({level: code for code, level in enumerate(col.levels)})
        dtype = np.int64 if col.categorical else np.float64
        tensors[f"reference.{i}"] = torch.from_numpy(np.array(values, dtype=dtype, copy=True))
    return tensors


# ---- reading -------------------------------------------------------------------
def load_sampler(path: str | Path, device: str | torch.device = "auto",
                 backend: type[Backend] | None = None) -> GANOverSampler:
    """Read a file written by :func:`save_sampler`; weights go to ``device``.

    ``backend`` is the class to rebuild the model with when it is not registered
    (a class passed directly to GANOverSampler); by default the saved name is looked up.
    """
    from ganaug.sampler import _PARAMS as SAMPLER_PARAMS
    from ganaug.sampler import GANOverSampler

    config, tensors = _read(Path(path))
    params = config["params"]
    options = {k: v for k, v in params.items() if k not in SAMPLER_PARAMS}
    sampler = GANOverSampler(**{k: v for k, v in params.items() if k in SAMPLER_PARAMS}, **options)
    sampler.device = device
    sampler.classes_ = np.asarray(config["classes"], dtype=np.dtype(config["classes_dtype"]))
    sampler.sampling_strategy_ = {_label(sampler, k): v for k, v in config["sampling_strategy"]}
    sampler._conditional_, sampler._seed_ = config["conditional"], config["seed"]
    sampler.data_kind_ = config["encoder"].get("kind", "tabular")
    if sampler.data_kind_ == "image":
        sampler.encoder_ = ImageEncoder.from_state(config["encoder"])
    else:
        sampler.encoder_ = TabularEncoder.from_state(config["encoder"])
        sampler.n_features_in_ = len(sampler.encoder_.columns_)
    sampler.target_name_ = config.get("target_name")
    if config["feature_names_in"] is not None:
        sampler.feature_names_in_ = np.asarray(config["feature_names_in"], dtype=object)
    cls = backend or _registered(config["backend"])
    if backend is not None:
        sampler.backend = backend
    models = [_restore_model(cls, spec, index, tensors, sampler.encoder_, resolve_device(device))
              for index, spec in enumerate(config["models"])]
    sampler.backends_ = {_label(sampler, label): models[index] for label, index in config["model_of_class"]}
    sampler._reference_ = _read_reference(sampler, tensors)
    return sampler



def _read(path: Path, kind: str = FORMAT) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    if not path.is_file():
        raise ModelFileError(f"model file {str(path)!r} does not exist.")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as handle:
            metadata = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    except (SafetensorError, OSError, ValueError) as err:
        raise ModelFileError(f"{str(path)!r} is not a ganaug model file, or it is damaged: {err}") from None
    try:
        config = json.loads(metadata["ganaug"])
    except (KeyError, json.JSONDecodeError):
        raise ModelFileError(f"{str(path)!r} is a safetensors file but not a ganaug model "
                             "(no ganaug configuration in its metadata).") from None
    if config.get("format") != kind:
        raise ModelFileError(f"{str(path)!r} holds {config.get('format')!r}, not {kind!r}.")
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise ModelFileError(
            f"{str(path)!r} was saved by ganaug {config.get('ganaug_version')} in model format "
            f"{config['format_version']}; this ganaug {__version__} reads format {FORMAT_VERSION} and "
            "older. Upgrade ganaug to load it.")
    return config, tensors


def _label(sampler: GANOverSampler, value: Any) -> Any:
    return np.asarray([value], dtype=sampler.classes_.dtype)[0]


def _registered(name: str) -> type[Backend]:
    try:
        return get_backend(name)
    except ValueError as err:
        raise ModelFileError(f"the model needs backend {name!r}, not installed here: {err}") from None


def _restore_model(cls: type[Backend], spec: dict[str, Any], index: int | str,
                   tensors: dict[str, torch.Tensor], encoder: Any, device: torch.device) -> Backend:
    name = cls.name
    unused = unused_options(cls.Options)  # files hold every field, the ignored ones too
    saved = {k: _tuple_lists(v) for k, v in spec["options"].items() if k not in unused}
    options = build_options(cls.Options, saved, name)
    shape = spec.get("sample_shape") or [encoder.n_features_]
    kind = "image" if len(shape) == 3 else "tabular"  # (C, S, S) images, (d,) rows
    no_labels = torch.zeros(0, dtype=torch.long, device=device)
    no_rows = torch.zeros(0, *shape, device=device)
    data = TrainingData(no_rows, no_labels, spec["n_classes"], encoder.layout_, kind)
    prefix = f"backend{index}." if index != "" else ""
    state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    model = cls(options, device)
    try:
        return model.restore(data, state)
    except (RuntimeError, KeyError) as err:  # shapes or names that do not fit the backend
        raise ModelFileError(f"the saved weights do not fit backend {name!r}: {err}") from None


def _tuple_lists(value: Any) -> Any:
    # JSON has no tuples; Options fields such as generator_dims are tuples
    return tuple(value) if isinstance(value, list) else value


def _read_reference(sampler: GANOverSampler, tensors: dict[str, torch.Tensor]) -> tuple | None:
    if "reference.labels" not in tensors:
        return None
    data = {}
    for i, col in enumerate(sampler.encoder_.columns_):
        values = tensors[f"reference.{i}"].numpy()
        if col.categorical:
            values = col.levels[values]
        data[col.name] = pd.Series(values).astype(col.dtype)
    frame = pd.DataFrame(data, columns=[c.name for c in sampler.encoder_.columns_])
    return frame, sampler.classes_[tensors["reference.labels"].numpy()]


# ---- one backend ------------------------------------------------------------------
BACKEND_FORMAT = "ganaug.backend"


def save_backend(backend: Backend, path: str | Path) -> Path:
    """Write one fitted backend (weights + options + data shape) to a safetensors file."""
    if not hasattr(backend, "layout_"):
        raise RuntimeError(f"backend {backend.name!r} is not fitted (or records no layout_): "
                           "fit it before saving.")
    config = {"format": BACKEND_FORMAT, "format_version": FORMAT_VERSION, "ganaug_version": __version__,
              "backend": backend.name, "options": _jsonable(asdict(backend.options)),
              "n_classes": backend.n_classes_, "layout": [_jsonable(asdict(s)) for s in backend.layout_],
              "sample_shape": list(getattr(backend, "sample_shape_", ()))}
    tensors = _cpu_state(backend)
    return write_atomic(Path(path), tensors, {"ganaug": json.dumps(config)})


def load_backend(path: str | Path, device: str | torch.device = "auto",
                 backend: type[Backend] | None = None) -> Backend:
    """Read a backend written by :func:`save_backend`, ready to ``sample`` on ``device``."""
    from ganaug.encoders import Span

    config, tensors = _read(Path(path), BACKEND_FORMAT)
    layout = tuple(Span(**span) for span in config["layout"])
    width = sum(span.width for span in layout)
    encoder = SimpleNamespace(n_features_=width, layout_=layout)
    spec = {"options": config["options"], "n_classes": config["n_classes"],
            "sample_shape": config.get("sample_shape") or [width]}
    return _restore_model(backend or _registered(config["backend"]), spec, "", tensors, encoder,
                          resolve_device(device))


__all__ = ["FORMAT_VERSION", "ModelFileError", "load_backend", "load_sampler", "save_backend",
           "save_sampler"]
