"""The model file's one owner: a fitted sampler as configuration + tensors, and back.

:mod:`ganaug.modelfile` checks the schema; this module writes and reads it.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import torch

from ganaug._version import __version__
from ganaug.backend import Backend
from ganaug.data import TabularCodec, codec_from_state
from ganaug.devices import resolve_device
from ganaug.errors import (
    InputError,
    ModelFileError,
    NotFittedError,
    OptionsError,
)
from ganaug.fileformat import json_scalar, jsonable
from ganaug.modelfile import (
    FORMAT,
    FORMAT_VERSION,
    check_config,
    check_tensors,
    read_reference,
    reference_tensors,
)
from ganaug.options import build_options
from ganaug.refinements import get_refinement
from ganaug.sampler.params import backend_name, check_parameters, registered_backend, sampler_params


def sampler_state(sampler: Any) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The fitted sampler as ``(JSON-able configuration, tensors)``; :meth:`from_state` inverts it."""
    if not hasattr(sampler, "backends_"):
        raise NotFittedError("this GANOverSampler is not fitted yet: call fit_resample before save.")
    models = list({id(m): m for m in sampler.backends_.values()}.values())
    tensors: dict[str, torch.Tensor] = {}
    for index, model in enumerate(models):
        tensors.update({f"backend{index}.{key}": value for key, value in model.state_dict().items()})
    if sampler._reference_ is not None:
        tensors.update(reference_tensors(sampler._reference_, sampler.classes_, sampler.codec_.columns_))
    config = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "ganaug_version": __version__,
        "backend": models[0].name if models else backend_name(sampler),
        "params": saved_params(sampler),
        "classes": [json_scalar(c) for c in sampler.classes_],
        "classes_dtype": sampler.classes_.dtype.str,
        "sampling_strategy": [[json_scalar(k), int(v)] for k, v in sampler.sampling_strategy_.items()],
        "conditional": bool(sampler._conditional_), "seed": int(sampler._seed_),
        "codec": sampler.codec_.get_state(),
        # each model as it describes itself (Backend.describe), less the layout, which the codec holds
        "models": [{k: v for k, v in m.describe().items() if k != "layout"} for m in models],
        "model_of_class": [[json_scalar(label), models.index(m)] for label, m in sampler.backends_.items()],
        "target_name": json_scalar(getattr(sampler, "target_name_", None)),
        "feature_names_in": None if not hasattr(sampler, "feature_names_in_")
        else [json_scalar(c) for c in sampler.feature_names_in_],
    }
    return config, tensors


def saved_params(sampler: Any) -> dict[str, Any]:
    """The parameters to save: JSON-able, machine-specific ones reset, fitted counts kept elsewhere."""
    params = sampler.get_params()
    params["backend"] = backend_name(sampler)
    params["device"] = "auto"  # where it was trained says nothing about where it will be used
    params["checkpoint"] = None  # a path on the training machine
    if not isinstance(params["random_state"], int | type(None)):
        params["random_state"] = int(sampler._seed_)
    strategy = params["sampling_strategy"]
    if callable(strategy) or isinstance(strategy, dict):  # the fitted counts are saved instead
        params["sampling_strategy"] = "auto"
    return jsonable(params)


def label_of(sampler: Any, value: Any) -> Any:
    return np.asarray([value], dtype=sampler.classes_.dtype)[0]


def from_state(cls: type, config: dict[str, Any], tensors: dict[str, torch.Tensor],
               device: str | torch.device, backend: type[Backend] | None) -> Any:
    """``cls.from_state``: the configuration and tensors checked, then a sampler built from them."""
    config = check_config(config)
    check_tensors(tensors)
    resolve_device(device)  # a device this machine lacks is the caller's error, not a damaged file
    try:
        return from_checked_state(cls, config, tensors, device, backend)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError, OverflowError,
            RuntimeError, NotImplementedError) as err:  # what the schema let through but does not fit
        raise ModelFileError(f"the model file is damaged or was changed by hand: {type(err).__name__}: "
                             f"{err}") from None


def from_checked_state(cls: type, config: dict[str, Any], tensors: dict[str, torch.Tensor],
                       device: str | torch.device, backend: type[Backend] | None) -> Any:
    backend_cls = backend or registered_backend(config["backend"])
    params = config["params"]
    if backend is None and params.get("backend", config["backend"]) not in (config["backend"], "auto"):
        raise ModelFileError(f"the model names backend {config['backend']!r} but its parameters "
                             f"{params.get('backend')!r}.")
    options = {f.name for f in dataclasses.fields(backend_cls.Options)}
    own = sampler_params(cls)
    unknown = sorted(k for k in params if k not in own and k not in options)
    if unknown:  # setting them would shadow the sampler's methods or attributes (`generate`, `fit`)
        raise ModelFileError(f"the model's parameters name {unknown[:5]}, which are neither "
                             f"GANOverSampler parameters nor options of backend {backend_cls.name!r}.")
    # a path or a device from the file says nothing about this machine: a loaded sampler writes no
    # checkpoint until its user asks for one (clone(loaded).fit() must not write where the file chose)
    params = {**params, "checkpoint": None, "device": "auto"}
    known = {k: v for k, v in params.items() if k in own}
    sampler = cls(**known, **{k: v for k, v in params.items() if k not in own})
    try:
        check_parameters(sampler)
        build_options(backend_cls.Options, {k: params[k] for k in sampler._backend_option_names},
                      backend_cls.name)
    except OptionsError as err:
        raise ModelFileError(f"the model's parameters are invalid: {err}") from None
    sampler.device = device
    sampler.classes_ = np.asarray(config["classes"], dtype=np.dtype(config["classes_dtype"]))
    sampler.sampling_strategy_ = {label_of(sampler, k): v for k, v in config["sampling_strategy"]}
    sampler._conditional_, sampler._seed_ = config["conditional"], config["seed"]
    sampler.codec_ = codec_from_state(config["codec"])
    sampler.data_kind_ = sampler.codec_.kind
    if isinstance(sampler.codec_, TabularCodec):
        sampler.n_features_in_ = len(sampler.codec_.columns_)
    try:
        sampler.refinement_ = get_refinement(sampler.refine, sampler.data_kind_)
    except (InputError, OptionsError) as err:
        raise ModelFileError(f"the model's refine parameter does not fit its data: {err}") from None
    sampler.target_name_ = config.get("target_name")
    if config.get("feature_names_in") is not None:
        sampler.feature_names_in_ = np.asarray(config["feature_names_in"], dtype=object)
    if backend is not None:
        sampler.backend = backend
    layout = [dataclasses.asdict(span) for span in sampler.codec_.layout_]
    version = config.get("format_version", 1)
    models = []
    for index, spec in enumerate(config["models"]):
        if spec["sample_shape"] and math.prod(spec["sample_shape"]) != sampler.codec_.n_features_:
            raise ModelFileError(f"models[{index}] draws samples of shape {spec['sample_shape']}, but "
                                 f"its codec decodes {sampler.codec_.n_features_} values a sample.")
        prefix = f"backend{index}."
        state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        description = {**spec, "layout": layout,
                       "sample_shape": spec["sample_shape"] or [sampler.codec_.n_features_]}
        models.append(backend_cls.from_state(description, state, resolve_device(device), version))
    sampler.backends_ = {label_of(sampler, label): models[i] for label, i in config["model_of_class"]}
    if sampler._conditional_ and len(models) == 1:  # files before 0.2 listed the grown classes only
        sampler.backends_ = dict.fromkeys(sampler.classes_, models[0])
    columns = getattr(sampler.codec_, "columns_", [])
    sampler._reference_ = read_reference(tensors, sampler.classes_, columns)
    if sampler._reference_ is not None:  # the codec knows which columns are categorical
        sampler._reference_.categorical = tuple(getattr(sampler.codec_, "categorical_", ()))
    return sampler
