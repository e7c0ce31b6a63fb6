"""Peer oversamplers for the benchmarks, from packages that are never ganaug dependencies.

- ``ctgan-package``: the ``ctgan`` package (its own environment: it needs pandas < 3).
- ``prowsyn``, ``polyfit``: ProWSyn and polynom-fit-SMOTE (star topology) from
  ``smote-variants``, the two best of its 85 SMOTE variants in Kovács (2019).
  They interpolate in feature space, so ``ganaug.evaluate`` gives them the same
  standardised, one-hot view as SMOTE (``interpolates_features``). Several
  classes: smote-variants' one-vs-rest ``MulticlassOversampling``.

Install into the benchmark environment only: ``make bench-deps``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

SMOTE_VARIANTS = {"prowsyn": "ProWSyn", "polyfit": "polynom_fit_SMOTE_star"}


class SmoteVariant(BaseEstimator):
    """A smote-variants oversampler with imbalanced-learn's ``fit_resample`` (classes balanced fully)."""

    interpolates_features = True

    def __init__(self, name: str = "prowsyn", random_state: int = 0) -> None:
        self.name = name
        self.random_state = random_state

    def fit_resample(self, X, y):
        import smote_variants as sv

        logging.getLogger("smote_variants").setLevel(logging.WARNING)
        X = np.asarray(X, dtype=float)
        labels, codes = np.unique(np.asarray(y), return_inverse=True)
        cls = getattr(sv, SMOTE_VARIANTS[self.name])
        if len(labels) == 2:
            X_res, codes_res = cls(random_state=self.random_state).sample(X, codes)
        else:
            multi = sv.MulticlassOversampling(oversampler=SMOTE_VARIANTS[self.name],
                                              oversampler_params={"random_state": self.random_state})
            X_res, codes_res = multi.sample(X, codes)
        return X_res, labels[np.asarray(codes_res, dtype=int)]


def make_peer(name: str, random_state: int = 0):
    """A peer sampler by name, or None when ``name`` is not one."""
    return SmoteVariant(name, random_state) if name in SMOTE_VARIANTS else None


class CTGANPackageSampler(BaseEstimator):
    """The `ctgan` package as an oversampler (benchmark peer only, never a dependency).

    Fitted on the training fold with the label as a discrete column, then
    sampled conditioned on each class to grow.
    """

    def __init__(self, epochs: int = 300, random_state: int = 0) -> None:
        self.epochs = epochs
        self.random_state = random_state

    def fit_resample(self, X: pd.DataFrame, y):
        import torch
        from ctgan import CTGAN

        torch.manual_seed(self.random_state)
        y = pd.Series(np.asarray(y), name="__label__")
        table = X.reset_index(drop=True).assign(__label__=y.astype(str))
        discrete = [c for c in X.columns if X[c].dtype == object] + ["__label__"]
        model = CTGAN(epochs=self.epochs)
        model.fit(table, discrete_columns=discrete)
        counts = y.value_counts()
        parts = [X.reset_index(drop=True)]
        labels = [y.to_numpy()]
        for label, n in counts.items():
            grow = counts.max() - n
            if grow:
                new = model.sample(grow, condition_column="__label__", condition_value=str(label))
                parts.append(new[X.columns].astype(X.dtypes.to_dict()))
                labels.append(np.full(grow, label))
        return pd.concat(parts, ignore_index=True), np.concatenate(labels)
