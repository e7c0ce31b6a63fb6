"""Downstream metrics: what ``evaluate`` scores on each test fold, as definitions.

A metric is a function of one :class:`Predictions` returning a float, a
``{key: float}`` dict (reported as rows ``name[key]``, e.g. per-class
recall), or None when it does not apply (ROC AUC of a model without scores).
Plugins add metrics with the ``register_metrics`` hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from imblearn.metrics import geometric_mean_score
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    f1_score,
    log_loss,
    recall_score,
    roc_auc_score,
)
from sklearn.preprocessing import label_binarize

from ganaug._deprecated import moved


@dataclass(frozen=True)
class Predictions:
    """One fitted classifier's output on one test fold.

    Attributes
    ----------
    y_true, y_pred : ndarray of shape (n,)
        True and predicted labels.
    scores : ndarray of shape (n, n_classes), or None
        Class probabilities (or softmaxed decision values), columns in the order
        of ``classes``; None when the model gives neither.
    classes : ndarray of shape (n_classes,)
        The classifier's ``classes_``.
    minority : label
        The least frequent class of the whole dataset.
    probabilities : bool
        Whether ``scores`` are the model's probabilities (``predict_proba``), which
        calibration metrics need; softmaxed decision values are scores only.
    """

    y_true: np.ndarray
    y_pred: np.ndarray
    scores: np.ndarray | None
    classes: np.ndarray
    minority: Any
    probabilities: bool = False


MetricFunction = Callable[[Predictions], "float | dict[Any, float] | None"]


def balanced_accuracy(p: Predictions) -> float:
    return balanced_accuracy_score(p.y_true, p.y_pred)


def g_mean(p: Predictions) -> float:
    """Geometric mean of per-class recall (sensitivity x specificity when binary)."""
    return geometric_mean_score(p.y_true, p.y_pred, average="multiclass", correction=0.0)


def f1_macro(p: Predictions) -> float:
    return f1_score(p.y_true, p.y_pred, average="macro", zero_division=0)


def minority_f1(p: Predictions) -> float:
    return f1_score(p.y_true, p.y_pred, labels=[p.minority], average="macro", zero_division=0)


def minority_recall(p: Predictions) -> float:
    return recall_score(p.y_true, p.y_pred, labels=[p.minority], average="macro", zero_division=0)


def class_recall(p: Predictions) -> dict[Any, float]:
    """Recall of every class present in the test fold."""
    labels = np.unique(p.y_true)
    values = recall_score(p.y_true, p.y_pred, labels=labels, average=None, zero_division=0)
    return dict(zip(labels.tolist(), values.tolist()))


def roc_auc(p: Predictions) -> float | None:
    """Binary ROC AUC, or the one-vs-rest macro average for several classes."""
    scores = _scores_for_present_classes(p)
    if scores is None:
        return None
    if len(p.classes) == 2:
        return roc_auc_score(p.y_true == p.classes[1], scores[:, 1])
    return roc_auc_score(p.y_true, scores, multi_class="ovr", labels=p.classes)


def pr_auc(p: Predictions) -> float | None:
    """Average precision of the minority class (binary) or one-vs-rest macro average."""
    scores = _scores_for_present_classes(p)
    if scores is None:
        return None
    if len(p.classes) == 2:
        column = list(p.classes).index(p.minority)
        return average_precision_score(p.y_true == p.minority, scores[:, column])
    present = np.isin(p.classes, p.y_true)  # a class absent from the fold has no precision
    truth = label_binarize(p.y_true, classes=p.classes)[:, present]
    return average_precision_score(truth, scores[:, present], average="macro")


def brier(p: Predictions) -> float | None:
    """Brier score of the minority class' probability (binary), or the multi-class Brier score.

    Lower is better. Resampling shifts a classifier's prior towards the grown
    classes, which this shows and the ranking metrics do not.
    """
    scores = _scores_for_present_classes(p)
    if scores is None or not p.probabilities:
        return None
    if len(p.classes) == 2:
        column = list(p.classes).index(p.minority)
        return brier_score_loss(p.y_true == p.minority, scores[:, column])
    return brier_score_loss(p.y_true, scores, labels=p.classes)


def log_loss_(p: Predictions) -> float | None:
    """Log-loss of the predicted probabilities (lower is better), clipped as scikit-learn does."""
    scores = _scores_for_present_classes(p)
    if scores is None or not p.probabilities:
        return None
    return log_loss(p.y_true, scores, labels=p.classes)


def _scores_for_present_classes(p: Predictions) -> np.ndarray | None:
    # AUCs need scores, and every test class among the classes the model knows
    if p.scores is None or not set(np.unique(p.y_true)) <= set(p.classes.tolist()):
        return None
    return p.scores


BUILTIN_METRICS: dict[str, MetricFunction] = {
    "balanced_accuracy": balanced_accuracy,
    "g_mean": g_mean,
    "f1_macro": f1_macro,
    "minority_f1": minority_f1,
    "minority_recall": minority_recall,
    "roc_auc": roc_auc,
    "pr_auc": pr_auc,
    "brier": brier,
    "log_loss": log_loss_,
    "class_recall": class_recall,
}
# lower is better (a verdict turns their sign)
LOWER_IS_BETTER = ("brier", "log_loss")
# computed from predicted labels, so every classifier has them (used to fill failed folds)
LABEL_METRICS = ("balanced_accuracy", "g_mean", "f1_macro", "minority_f1", "minority_recall")
DEFAULT_METRICS = tuple(BUILTIN_METRICS)


def score(predictions: Predictions, metrics: dict[str, MetricFunction]) -> dict[str, float]:
    """Flat ``{row name: value}``; dict-valued metrics become ``name[key]`` rows."""
    values: dict[str, float] = {}
    for name, metric in metrics.items():
        value = metric(predictions)
        if isinstance(value, dict):
            values.update({f"{name}[{key}]": float(v) for key, v in value.items()})
        elif value is not None:
            values[name] = float(value)
    return values


def ranking_scores(model: Any, X: Any) -> np.ndarray | None:
    """``(n, n_classes)`` probabilities, or softmaxed decision values, for AUCs."""
    probabilities = class_probabilities(model, X)
    if probabilities is not None:
        return probabilities
    if not hasattr(model, "decision_function"):
        return None
    values = model.decision_function(X)
    if values.ndim == 1:  # binary: the score of classes_[1]
        values = np.stack([-values, values], axis=1) / 2
    values = np.exp(values - values.max(axis=1, keepdims=True))
    return values / values.sum(axis=1, keepdims=True)


def class_probabilities(model: Any, X: Any) -> np.ndarray | None:
    """``(n, n_classes)`` probabilities of ``model.predict_proba``, or None when it has none."""
    if hasattr(model, "predict_proba"):
        try:
            return model.predict_proba(X)
        except AttributeError:  # e.g. SVC(probability=False) exposes the name but refuses
            pass
    return None


__getattr__ = moved(__name__, {"available_metrics": "ganaug.registry", "get_metrics": "ganaug.registry"})
