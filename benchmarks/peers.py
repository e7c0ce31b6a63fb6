"""Peer oversamplers for the benchmarks, from packages that are never ganaug dependencies.

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

SMOTE_VARIANTS = {"prowsyn": "ProWSyn", "polyfit": "polynom_fit_SMOTE_star"}


class SmoteVariant:
    """A smote-variants oversampler with imbalanced-learn's ``fit_resample`` (classes balanced fully)."""

    interpolates_features = True

    def __init__(self, name: str = "prowsyn", random_state: int = 0) -> None:
        self.name, self.random_state = name, random_state

    def get_params(self, deep: bool = True) -> dict:
        return {"name": self.name, "random_state": self.random_state}

    def set_params(self, **params) -> SmoteVariant:
        vars(self).update(params)
        return self

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
