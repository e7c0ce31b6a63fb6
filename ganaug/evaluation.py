"""Downstream evaluation: does resampling help a classifier? Measured leak-free by CV."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from imblearn.metrics import geometric_mean_score
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE, RandomOverSampler
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from ganaug.encoders import is_categorical
from ganaug.plugins import list_backends
from ganaug.sampler import GANOverSampler
from ganaug.validation import as_table, check_target

BASELINES = ("none", "ros", "smote", "borderline", "adasyn")
# these interpolate in feature space, so they see scaled, one-hot data (BENCHMARKS.md)
_FEATURE_SPACE = (SMOTE, BorderlineSMOTE, ADASYN)
# computed from predicted labels, so every classifier has them; roc_auc needs scores
LABEL_METRICS = ("balanced_accuracy", "g_mean", "f1_macro", "minority_f1", "minority_recall")
METRICS = (*LABEL_METRICS, "roc_auc")


def default_classifiers(random_state: int = 0) -> dict[str, Any]:
    """kNN(5), decision tree, RBF SVC and logistic regression."""
    return {
        "knn": KNeighborsClassifier(5),
        "tree": DecisionTreeClassifier(random_state=random_state),
        "svc": SVC(random_state=random_state),  # AUC from its decision function
        "logreg": LogisticRegression(max_iter=2000),
    }


def make_sampler(name: str, random_state: int = 0, **options: Any) -> Any:
    """A sampler by name: a baseline (``none``, ``ros``, ``smote``, ``borderline``,
    ``adasyn``) or any registered ganaug backend."""
    baselines = {
        "none": lambda: None,
        "ros": lambda: RandomOverSampler(random_state=random_state),
        "smote": lambda: SMOTE(random_state=random_state),
        "borderline": lambda: BorderlineSMOTE(random_state=random_state),
        "adasyn": lambda: ADASYN(random_state=random_state),
    }
    if name in baselines:
        return baselines[name]()
    if name in list_backends():
        return GANOverSampler(backend=name, random_state=random_state, **options)
    raise ValueError(
        f"unknown sampler {name!r}: use a baseline ({', '.join(BASELINES)}) "
        f"or a backend ({', '.join(list_backends())})."
    )


def evaluate(
    X: Any,
    y: Any,
    samplers: Iterable[str] | Mapping[str, Any] = ("none", "smote", "wgan-gp"),
    classifiers: Mapping[str, Any] | None = None,
    cv: Any = None,
    n_jobs: int | None = None,
    random_state: int = 0,
    error_score: float | str = np.nan,
) -> pd.DataFrame:
    """Cross-validate classifiers trained on real vs resampled training folds.

    Each sampler resamples the training fold only; the test fold is never
    resampled. Numeric columns are standardised and categorical ones one-hot
    encoded, fitted on the training fold: before feature-space samplers
    (SMOTE family), after the others (GANs see the raw table).

    Parameters
    ----------
    X, y : table and labels, as for ``GANOverSampler.fit_resample``.
    samplers : list of names, or ``{name: sampler}``
        Names of baselines or backends, or objects with ``fit_resample`` (None = no resampling).
    classifiers : ``{name: estimator}``, optional
        Defaults to :func:`default_classifiers`.
    cv : splitter, optional
        Defaults to stratified 5-fold, seeded by ``random_state``.
    n_jobs : int, optional
        Parallel (fold, sampler) tasks with joblib.
    error_score : float or "raise", default=nan
        Score recorded when a sampler fails on a fold (ADASYN, for one, refuses
        some datasets), with a warning naming it; ``"raise"`` re-raises.

    Returns
    -------
    DataFrame
        Tidy rows ``fold, sampler, classifier, metric, value``; sampler fit
        time is reported as metric ``fit_seconds`` with classifier ``-``.
    """
    frame, _ = as_table(X)
    y_arr = check_target(y, len(frame))
    if not isinstance(samplers, Mapping):
        samplers = {name: make_sampler(name, random_state) for name in samplers}
    classifiers = dict(classifiers or default_classifiers(random_state))
    cv = cv or RepeatedStratifiedKFold(n_splits=5, n_repeats=1, random_state=random_state)
    minority = _minority(y_arr)
    tasks = [
        (fold, name, sampler, train, test)
        for fold, (train, test) in enumerate(cv.split(frame, y_arr))
        for name, sampler in samplers.items()
    ]
    rows = Parallel(n_jobs=n_jobs)(
        delayed(_run_fold)(frame, y_arr, fold, name, sampler, train, test, classifiers, minority,
                           error_score)
        for fold, name, sampler, train, test in tasks
    )
    return pd.DataFrame([r for chunk in rows for r in chunk],
                        columns=["fold", "sampler", "classifier", "metric", "value"])


def summarize(results: pd.DataFrame, metrics: Iterable[str] = METRICS) -> pd.DataFrame:
    """Mean over folds and classifiers: one row per sampler, one column per metric."""
    kept = results[results["metric"].isin(list(metrics))]
    table = kept.groupby(["sampler", "metric"])["value"].mean().unstack("metric")
    order = list(dict.fromkeys(results["sampler"]))
    return table.reindex(order)[[m for m in metrics if m in table.columns]]


def _run_fold(frame, y, fold, name, sampler, train, test, classifiers, minority,
              error_score=np.nan) -> list[tuple]:
    try:
        return _score_fold(frame, y, fold, name, sampler, train, test, classifiers, minority)
    except Exception as err:
        if isinstance(error_score, str) and error_score == "raise":
            raise
        warnings.warn(f"sampler {name!r} failed on fold {fold} and is scored {error_score}: "
                      f"{type(err).__name__}: {err}", RuntimeWarning, stacklevel=2)
        return [(fold, name, clf, metric, error_score)
                for clf in classifiers for metric in LABEL_METRICS]


def _score_fold(frame, y, fold, name, sampler, train, test, classifiers, minority) -> list[tuple]:
    X_tr, y_tr, X_te, y_te = frame.iloc[train], y[train], frame.iloc[test], y[test]
    start = time.perf_counter()
    sampler = None if sampler is None else clone(sampler)
    if isinstance(sampler, _FEATURE_SPACE):
        prep = _preprocessor(frame).fit(X_tr)
        X_fit, y_fit = sampler.fit_resample(prep.transform(X_tr), y_tr)
    else:
        X_fit, y_fit = (X_tr, y_tr) if sampler is None else sampler.fit_resample(X_tr, y_tr)
        prep = _preprocessor(frame).fit(X_fit)
        X_fit = prep.transform(X_fit)
    rows = [(fold, name, "-", "fit_seconds", time.perf_counter() - start)]
    X_test = prep.transform(X_te)
    for clf_name, clf in classifiers.items():
        model = clone(clf).fit(X_fit, np.asarray(y_fit))
        scores = _scores(model, X_test, y_te, minority)
        rows += [(fold, name, clf_name, metric, value) for metric, value in scores.items()]
    return rows


def _preprocessor(frame: pd.DataFrame) -> ColumnTransformer:
    categorical = [c for c in frame.columns if is_categorical(frame[c])]
    numeric = [c for c in frame.columns if c not in categorical]
    return ColumnTransformer(
        [("num", StandardScaler(), numeric),
         ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)]
    )


def _minority(y: np.ndarray) -> Any:
    labels, counts = np.unique(y, return_counts=True)
    return labels[np.argmin(counts)]


def _scores(model: Any, X: np.ndarray, y: np.ndarray, minority: Any) -> dict[str, float]:
    pred = model.predict(X)
    labels = np.unique(y)
    scores = {
        "balanced_accuracy": balanced_accuracy_score(y, pred),
        "g_mean": geometric_mean_score(y, pred, average="multiclass", correction=0.0),
        "f1_macro": f1_score(y, pred, average="macro", zero_division=0),
        "minority_f1": f1_score(y, pred, labels=[minority], average="macro", zero_division=0),
        "minority_recall": recall_score(y, pred, labels=[minority], average="macro", zero_division=0),
    }
    ranking = _ranking_scores(model, X)
    if ranking is not None and len(model.classes_) == 2:
        scores["roc_auc"] = roc_auc_score(y, ranking if ranking.ndim == 1 else ranking[:, 1])
    elif ranking is not None and set(labels) == set(model.classes_):
        scores["roc_auc"] = roc_auc_score(y, ranking, multi_class="ovr", labels=model.classes_)
    return scores


def _ranking_scores(model: Any, X: np.ndarray) -> np.ndarray | None:
    """Class probabilities, or decision values (softmaxed when multiclass), for AUC."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    if not hasattr(model, "decision_function"):
        return None
    values = model.decision_function(X)
    if values.ndim == 1:
        return values
    values = np.exp(values - values.max(axis=1, keepdims=True))
    return values / values.sum(axis=1, keepdims=True)
