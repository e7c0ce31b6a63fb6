"""``evaluate``'s GAN fits of every fold at once: one stack per sampler (:func:`ganaug.fit_many`).

Each fold's training rows (and, for ``NAME+threshold`` and ``NAME+amount``, each inner fold's)
get their own GAN, as before; the models of all folds train as one stacked
network instead of one after another. The folds' scores then use the
models fitted here, and each fold's ``fit_seconds`` is its share of the
stacked fit plus its own drawing.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import clone

from ganaug.evaluation.remedies import Remedy, inner_splits
from ganaug.sampler import GANOverSampler, fit_many, resample_fitted
from ganaug.sampler.params import backend_class, backend_options

OUTER = -1  # key of a fold's own sampler; inner folds are 0, 1, ...


@dataclasses.dataclass
class FoldSamplers:
    """The samplers fitted for one outer fold: ``fitted[OUTER]`` and ``fitted[i]`` for inner fold ``i``."""

    fitted: dict[int, Any]
    fit_seconds: float

    def fitted_for(self, key: int) -> FittedFold:
        """The sampler fitted for ``key``, as evaluate calls a sampler (``fit_resample``)."""
        return FittedFold(self.fitted[key])


@dataclasses.dataclass
class FittedFold:
    """A sampler fitted in advance: ``fit_resample(X, y)``, given the rows it was fitted on, only draws."""

    sampler: Any
    random_state: int | None = None  # None: the draw fit_resample would have made

    def fit_resample(self, X: Any, y: np.ndarray) -> tuple[Any, Any]:
        return resample_fitted(self.sampler, X, y, self.random_state)


def stacks(sampler: Any, kind: str) -> bool:
    """Whether ``sampler`` is a GAN sampler whose fold models can train as one stack."""
    if not isinstance(sampler, GANOverSampler) or sampler.checkpoint is not None:
        return False
    if type(sampler).fit_resample is not GANOverSampler.fit_resample:  # a subclass's own fit runs as written
        return False
    try:
        cls = backend_class(sampler, kind)
        options = backend_options(sampler, cls)
    except Exception:  # a bad option is reported by the fold that fits it, as without stacking
        return False
    return bool(getattr(cls, "batchable", False) and getattr(options, "stack_models", False))


def prefit_folds(frame: Any, y: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]],
                 samplers: Mapping[str, Any], kind: str, rows: Any, progress: bool = False) -> dict[str, Any]:
    """``samplers`` with each stackable GAN replaced by a :class:`Remedy` of per-fold fitted samplers.

    ``rows(data, index)`` selects rows. A sampler whose stacked fit fails
    is left as it was, so that each fold reports its own error.
    """
    from tqdm.auto import tqdm

    out = dict(samplers)
    stacked = [name for name, entry in samplers.items()
               if stacks(entry.sampler if isinstance(entry, Remedy) else entry, kind)]
    for name in tqdm(stacked, desc="stacked GAN fits", unit="sampler", disable=not progress or not stacked):
        entry = samplers[name]
        remedy = entry if isinstance(entry, Remedy) else Remedy(entry)
        keys, datasets = [], []
        for fold, (train, _) in enumerate(splits):
            X_tr, y_tr = rows(frame, train), y[train]
            keys.append((fold, OUTER))
            datasets.append((X_tr, y_tr))
            if remedy.tunes_inner:
                for inner, (inner_train, _) in enumerate(inner_splits(y_tr, fold)):
                    keys.append((fold, inner))
                    datasets.append((rows(X_tr, inner_train), y_tr[inner_train]))
        start = time.perf_counter()
        try:
            fitted = fit_many([clone(remedy.sampler) for _ in keys], datasets)
        except Exception:
            continue
        share = (time.perf_counter() - start) / len(splits)
        per_fold = [FoldSamplers({}, share) for _ in splits]
        for (fold, key), sampler in zip(keys, fitted):
            per_fold[fold].fitted[key] = sampler
        out[name] = [dataclasses.replace(remedy, sampler=fold_samplers) for fold_samplers in per_fold]
    return out
