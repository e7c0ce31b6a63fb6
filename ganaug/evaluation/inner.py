"""A training fold's inner folds: its decision threshold and its amount of synthetic rows, tuned on real rows.

Each inner fold resamples its training part once (the sampler is fitted once
per inner fold and shared by the classifiers and the amounts); its
validation rows stay real, so what is tuned here is tuned on real rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from ganaug.evaluation.folds import averaged, fit_members, resample_members, with_share
from ganaug.evaluation.remedies import Remedy, best_cut, inner_splits, minority_score
from ganaug.metrics import ranking_scores


@dataclass(frozen=True)
class InnerChoice:
    """What a classifier's inner folds chose.

    ``cut``: the threshold on the minority score (None: the classifier's own
    decision); ``share``: the share of the synthetic rows kept (None: all).
    """

    cut: float | None = None
    share: float | None = None


def tune_inner(frame: Any, X_tr: Any, y_tr: np.ndarray, remedy: Remedy, classifiers: dict[str, Any],
               minority: Any, categorical: Any, seed: int) -> dict[str, InnerChoice]:
    """Per classifier, the threshold and share with the best balanced accuracy out of fold.

    Without ``remedy.threshold`` the share is chosen by the balanced accuracy
    of the classifier's own predictions; ties go to the smaller share. A
    classifier that cannot be fitted as asked (kNN with class weights) gets
    no choice; its error is reported when the fold's own model is fitted.
    """
    shares = tuple(sorted(remedy.amounts)) or (None,)
    oof = {(name, share): np.full(len(y_tr), None, dtype=object) for name in classifiers for share in shares}
    for inner, (inner_train, inner_val) in enumerate(inner_splits(y_tr, seed)):
        X_in, y_in = _rows(X_tr, inner_train), y_tr[inner_train]
        resampled = resample_members(frame, X_in, y_in, remedy, categorical, inner)
        for share in shares:
            members = resampled if share is None else \
                with_share(frame, X_in, y_in, resampled, share, categorical)
            X_vals = [prep.transform(_rows(X_tr, inner_val)) for _, _, prep in members]
            for name, clf in classifiers.items():
                try:
                    models = fit_members(clf, members, remedy.class_weight)
                except TypeError:
                    continue
                if remedy.threshold:  # (n_val,) minority scores, averaged over the members
                    values = minority_score(averaged(ranking_scores, models, X_vals), models[0].classes_,
                                            minority)
                else:
                    values = models[0].predict(X_vals[0])
                oof[(name, share)][inner_val] = list(values)
    choices = {}
    for name in classifiers:
        best: tuple[float, InnerChoice] | None = None
        for share in shares:
            values = oof[(name, share)]
            if any(v is None for v in values):
                continue
            if remedy.threshold:
                cut, quality = best_cut(values.astype(float), y_tr == minority)
            else:
                cut, quality = None, balanced_accuracy_score(y_tr, values.astype(y_tr.dtype))
            if best is None or quality > best[0]:
                best = (quality, InnerChoice(cut, share))
        if best is not None:
            choices[name] = best[1]
    return choices


def _rows(data: Any, index: np.ndarray) -> Any:
    return data.iloc[index] if hasattr(data, "iloc") else data[index]
