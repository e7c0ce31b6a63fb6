"""What experts do about imbalance besides resampling: class weights, a tuned threshold, a prior correction.

:func:`ganaug.evaluate` compares these with the samplers on the same folds,
because a strong classifier with a tuned decision threshold is often the bar
to beat, and resampling costs calibration (a classifier trained on balanced
rows over-predicts the grown classes' probabilities). A :class:`Remedy` is one
entry of ``evaluate``'s ``samplers``:

- ``class-weight``: no resampling; each classifier weighs the classes
  (``class_weight="balanced"``, or balanced sample weights where ``fit`` takes them).
- ``threshold``: no resampling; the decision threshold on the minority
  class' score is tuned for balanced accuracy on out-of-fold scores of the
  real training rows (inner stratified folds), as scikit-learn's
  ``TunedThresholdClassifierCV`` does; probabilities are left as they are.
- ``NAME+threshold``: sampler ``NAME``, then a threshold tuned on real rows
  only: each inner fold resamples its training part, its validation rows stay real.
- ``NAME+amount``: sampler ``NAME``, keeping the share of its synthetic rows
  (none, a quarter, half or all; :data:`AMOUNTS`) with the best balanced
  accuracy out of fold on real rows, chosen per classifier by the same inner
  folds. With ``+threshold`` (``NAME+amount+threshold``) amount and threshold
  are chosen together; the share 0 is the plain ``threshold`` entry, so the
  sampler is used only where the inner folds say it helps.
- ``NAME+filter``: sampler ``NAME``, without the synthetic rows none of whose
  five nearest real rows shares their class (a filter by a nearest-neighbour
  classifier fitted on the real rows).
- ``NAME+prior``: sampler ``NAME``, with the reported probabilities corrected
  back to the real class prior, ``p(c) * pi_real(c) / pi_train(c)`` renormalised
  (Saerens et al. 2002); decisions are the resampled classifier's, so the
  ranking and label metrics are unchanged and the calibration is restored.

A remedy with a sampler can also train ``draws`` classifiers per fold, each on
the real rows plus its own draw from the one fitted sampler, and average their
probabilities: one GAN fit, an ensemble whose members see different synthetic
rows (imbalanced-learn's ``BalancedBaggingClassifier`` refits its sampler per
member instead).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.class_weight import compute_sample_weight

from ganaug.errors import InputError

INNER_FOLDS = 5  # folds of the threshold's inner cross-validation (fewer when the minority has fewer rows)
REMEDY_NAMES = ("class-weight", "threshold")
SUFFIXES = ("+threshold", "+prior", "+amount", "+filter")  # combine in any order: "wgan-gp+amount+threshold"
AMOUNTS = (0.0, 0.25, 0.5, 1.0)  # shares of the sampler's synthetic rows that +amount chooses from


@dataclass
class Remedy:
    """One entry of ``evaluate``'s samplers that is more than a sampler.

    Parameters
    ----------
    sampler : object with ``fit_resample``, or None
        What resamples the training fold first (None: nothing).
    class_weight : bool
        Classifiers weigh the classes (balanced weights).
    threshold : bool
        The decision threshold is tuned on real rows (two classes only).
    prior : bool
        Probabilities are corrected back to the real class prior.
    draws : int
        Classifiers per fold, each trained on the real rows plus its own draw
        of the fitted sampler (``random_state`` seed, seed + 1, ...); their
        probabilities are averaged. Needs a sampler that draws again from a
        fit (``GANOverSampler``).
    amounts : tuple of float
        Shares of the sampler's synthetic rows (0 to 1, per grown class) to
        choose from, per classifier, by balanced accuracy on the real
        validation rows of inner folds (with the tuned threshold when
        ``threshold``); ties go to the smaller share. Empty: all the rows the
        sampler draws.
    filtered : bool
        Drop the synthetic rows none of whose nearest real rows shares their
        class (:func:`ganaug.evaluation.folds.near_their_class`).
    """

    sampler: Any = None
    class_weight: bool = False
    threshold: bool = False
    prior: bool = False
    draws: int = 1
    amounts: tuple[float, ...] = ()
    filtered: bool = False

    @property
    def tunes_inner(self) -> bool:
        """Whether each training fold runs inner folds (to tune a threshold or an amount)."""
        return self.threshold or bool(self.amounts)


def parse_remedy(name: str, make_sampler: Callable[[str], Any]) -> Remedy | None:
    """The :class:`Remedy` a name asks for (``threshold``, ``smote+prior``, ...); None: a plain sampler."""
    if name == "class-weight":
        return Remedy(class_weight=True)
    if name == "threshold":
        return Remedy(threshold=True)
    base, suffixes = name, set()
    while (found := next((s for s in SUFFIXES if base.endswith(s) and len(base) > len(s)), None)):
        suffixes.add(found)
        base = base[: -len(found)]
    if not suffixes:
        return None
    return Remedy(make_sampler(base), threshold="+threshold" in suffixes,  # "none+threshold" is "threshold"
                  prior="+prior" in suffixes, amounts=AMOUNTS if "+amount" in suffixes else (),
                  filtered="+filter" in suffixes)


def check_remedy(name: str, remedy: Remedy, n_classes: int) -> None:
    """Refuse, before any fold runs, what an entry cannot do on this data."""
    if remedy.threshold and n_classes != 2:
        raise InputError(f"{name!r} tunes a decision threshold, which needs two classes and this data has "
                         f"{n_classes}; drop it, or use class-weight for several classes.")
    if not isinstance(remedy.draws, int) or isinstance(remedy.draws, bool) or remedy.draws < 1:
        raise InputError(f"{name!r}: draws={remedy.draws!r}; give a whole number of classifiers >= 1.")
    if (remedy.amounts or remedy.filtered) and remedy.sampler is None:
        raise InputError(f"{name!r} chooses or filters synthetic rows but has no sampler; name one "
                         "(wgan-gp+amount, wgan-gp+filter), or use threshold.")
    if any(not 0 <= share <= 1 for share in remedy.amounts):
        raise InputError(f"{name!r}: amounts={remedy.amounts!r}; give shares of the synthetic rows "
                         "between 0 and 1.")
    if remedy.draws > 1 and not hasattr(remedy.sampler, "generate"):
        raise InputError(f"{name!r}: draws={remedy.draws} needs a sampler that draws again from one fit "
                         f"(a GANOverSampler), not {type(remedy.sampler).__name__}; use draws=1.")


def weighted_fit(classifier: Any, X: Any, y: np.ndarray, class_weight: bool) -> Any:
    """``classifier`` cloned and fitted, weighing the classes when ``class_weight``.

    Raises ``TypeError`` for a classifier that takes neither a ``class_weight``
    parameter nor ``sample_weight`` in ``fit`` (kNN).
    """
    model = clone(classifier)
    if not class_weight:
        return model.fit(X, y)
    if "class_weight" in model.get_params():
        return model.set_params(class_weight="balanced").fit(X, y)
    if "sample_weight" in inspect.signature(model.fit).parameters:
        return model.fit(X, y, sample_weight=compute_sample_weight("balanced", y))
    raise TypeError(f"{type(model).__name__} takes neither class_weight nor sample_weight, so it cannot "
                    "weigh the classes")


def inner_splits(y: np.ndarray, random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds of the training rows for the threshold, no more than the smallest class has rows."""
    smallest = int(np.unique(y, return_counts=True)[1].min())
    n_splits = max(2, min(INNER_FOLDS, smallest))
    return list(StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(np.zeros(len(y)), y))


def minority_score(scores: np.ndarray, classes: np.ndarray, minority: Any) -> np.ndarray:
    """``(n,)`` the minority class' column of ``(n, 2)`` scores."""
    return scores[:, list(classes).index(minority)]


def best_threshold(scores: np.ndarray, is_minority: np.ndarray) -> float:
    """The cut on minority scores with the best balanced accuracy on these rows (ties: the middle one).

    Candidates are the midpoints between consecutive distinct scores, so the
    threshold generalises between the rows it was tuned on.
    """
    return best_cut(scores, is_minority)[0]


def best_cut(scores: np.ndarray, is_minority: np.ndarray) -> tuple[float, float]:
    """:func:`best_threshold` and the balanced accuracy it reaches on these rows."""
    values = np.unique(scores)
    if len(values) < 2:
        cut = float(values[0]) if len(values) else 0.5
        return cut, 0.5  # one score for every row: every cut puts all rows on one side
    cuts = (values[:-1] + values[1:]) / 2  # (m,)
    positives, negatives = max(int(is_minority.sum()), 1), max(int((~is_minority).sum()), 1)
    predicted = scores[None, :] >= cuts[:, None]  # (m, n)
    recall = (predicted & is_minority).sum(1) / positives
    specificity = (~predicted & ~is_minority).sum(1) / negatives
    balanced = (recall + specificity) / 2
    best = np.flatnonzero(balanced == balanced.max())
    return float(cuts[best[len(best) // 2]]), float(balanced.max())


def prior_corrected(probabilities: np.ndarray, classes: np.ndarray, real: dict[Any, float],
                    trained: dict[Any, float]) -> np.ndarray:
    """``(n, k)`` probabilities of a model trained on prior ``trained``, moved to prior ``real``."""
    ratio = np.array([real.get(c, 0.0) / max(trained.get(c, 0.0), 1e-12) for c in classes])  # (k,)
    moved = probabilities * ratio[None, :]
    return moved / np.clip(moved.sum(axis=1, keepdims=True), 1e-12, None)


def class_prior(y: np.ndarray) -> dict[Any, float]:
    """Each class' share of ``y``."""
    labels, counts = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), (counts / counts.sum()).tolist()))
