"""Cross-validated downstream evaluation: does resampling help a classifier? Measured leak-free."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE, RandomOverSampler
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold, check_cv
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from tqdm.auto import tqdm

from ganaug._version import __version__
from ganaug.baselines import AlbumentationsOverSampler, MixedOverSampler, default_gan
from ganaug.data import check_target, is_categorical, read_input
from ganaug.data.validation import resolve_categorical
from ganaug.errors import InputError, RegistryError, warn
from ganaug.evaluation.folds import averaged, fit_members, resample_members, with_share
from ganaug.evaluation.inner import InnerChoice, tune_inner
from ganaug.evaluation.prefit import prefit_folds
from ganaug.evaluation.remedies import (
    Remedy,
    check_remedy,
    class_prior,
    minority_score,
    parse_remedy,
    prior_corrected,
)
from ganaug.limits import check_limit
from ganaug.metrics import LABEL_METRICS, Predictions, class_probabilities, ranking_scores, score
from ganaug.registry import get_metrics, list_backends
from ganaug.sampler import GANOverSampler

BASELINES = ("none", "ros", "smote", "borderline", "adasyn", "albumentations")
REMEDIES = ("class-weight", "threshold")  # and NAME+threshold, +amount, +filter, +prior (evaluation.remedies)


CLASSIFIERS: dict[str, Callable[[int], Any]] = {
    "logreg": lambda seed: LogisticRegression(max_iter=2000),
    "forest": lambda seed: RandomForestClassifier(n_estimators=100, random_state=seed),
    "knn": lambda seed: KNeighborsClassifier(5),
    "svc": lambda seed: SVC(random_state=seed),  # AUCs from its decision function
    "tree": lambda seed: DecisionTreeClassifier(random_state=seed),
    "hgb": lambda seed: HistGradientBoostingClassifier(random_state=seed),
}
DEFAULT_CLASSIFIERS = ("logreg", "forest", "hgb")


def default_classifiers(random_state: int = 0) -> dict[str, Any]:
    """Logistic regression, random forest and gradient boosting: the classifiers practitioners use now."""
    return make_classifiers(DEFAULT_CLASSIFIERS, random_state)


def make_classifiers(names: Iterable[str], random_state: int = 0) -> dict[str, Any]:
    """Classifiers by name: ``logreg``, ``forest``, ``knn``, ``svc``, ``tree``, ``hgb``."""
    unknown = [n for n in names if n not in CLASSIFIERS]
    if unknown:
        raise RegistryError(f"unknown classifier {unknown[0]!r}; known: {', '.join(CLASSIFIERS)} "
                         "(or pass scikit-learn estimators to ganaug.evaluate).")
    return {name: CLASSIFIERS[name](random_state) for name in names}


def make_sampler(name: str, random_state: int = 0, **options: Any) -> Any:
    """A sampler by name: a baseline (``none``, ``ros``, ``smote``, ``borderline``,
    ``adasyn``, ``albumentations``), ``mixed`` (images: a quarter ``cyclegan``,
    the rest albumentations; ``options`` go to the GAN) or any registered ganaug backend;
    or a :class:`~ganaug.evaluation.remedies.Remedy`: ``class-weight``, ``threshold``,
    ``NAME+threshold``, ``NAME+amount``, ``NAME+filter`` or ``NAME+prior`` (suffixes combine)."""
    remedy = parse_remedy(name, lambda base: make_sampler(base, random_state, **options)) \
        if isinstance(name, str) else None
    if remedy is not None:
        return remedy
    baselines = {
        "none": lambda: None,
        "ros": lambda: RandomOverSampler(random_state=random_state),
        "smote": lambda: SMOTE(random_state=random_state),
        "borderline": lambda: BorderlineSMOTE(random_state=random_state),
        "adasyn": lambda: ADASYN(random_state=random_state),
        "albumentations": lambda: AlbumentationsOverSampler(random_state=random_state),
        "mixed": lambda: MixedOverSampler(gan=default_gan(**options), random_state=random_state),
    }
    if name in baselines:
        return baselines[name]()
    if name in list_backends():
        return GANOverSampler(backend=name, random_state=random_state, **options)
    raise RegistryError(
        f"unknown sampler {name!r}: use a baseline ({', '.join(BASELINES)}), 'mixed' (images: GAN "
        f"plus albumentations), a backend ({', '.join(list_backends())}), a remedy without resampling "
        f"({', '.join(REMEDIES)}), or NAME+threshold / +amount / +filter / +prior."
    )


def evaluate(
    X: Any,
    y: Any,
    samplers: Iterable[str] | Mapping[str, Any] = ("none", "smote", "wgan-gp"),
    classifiers: Iterable[str] | Mapping[str, Any] | None = None,
    cv: Any = None,
    metrics: Iterable[str | Callable] | None = None,
    n_jobs: int | None = None,
    random_state: int = 0,
    error_score: float | str = np.nan,
    progress: bool = True,
    categorical_features: Any = "auto",
) -> pd.DataFrame:
    """Cross-validate classifiers trained on real vs resampled training folds.

    Each sampler resamples the training fold only; the test fold is never
    resampled. Numeric columns are imputed (median) and standardised and
    categorical ones imputed (most frequent level) and one-hot encoded,
    fitted on the training fold: before feature-space samplers
    (SMOTE family, and any sampler with a true ``interpolates_features``
    attribute; ``SMOTE`` becomes ``SMOTENC`` when there are categorical
    columns, ``SMOTEN`` when all are), after the others (GANs see the raw
    table). Each sampler is fitted once per fold and shared by all classifiers.

    Images ``(n, H, W[, C])`` work too: classifiers then see flattened pixels
    scaled to [0, 1], and SMOTE-family samplers interpolate those pixels.

    Parameters
    ----------
    X, y : table or images, and labels, as for ``GANOverSampler.fit_resample``.
    samplers : list of names, or ``{name: sampler}``
        Names of baselines (``none``, ``ros``, ``smote``, ``borderline``,
        ``adasyn``; ``albumentations`` for images) or backends, or objects
        with ``fit_resample`` (None = no resampling), or names as values.
        The remedies experts use without resampling are entries too
        (:mod:`ganaug.evaluation.remedies`): ``class-weight`` (each
        classifier weighs the classes), ``threshold`` (a decision threshold
        tuned for balanced accuracy on the real training rows; two classes),
        and ``NAME+threshold`` (sampler ``NAME``, then a threshold tuned on
        real rows only), ``NAME+amount`` (the share of ``NAME``'s synthetic
        rows chosen per classifier by inner folds on real rows, none to all),
        ``NAME+filter`` (without the synthetic rows that lie among another
        class' real rows) or ``NAME+prior`` (probabilities corrected back to the real class
        prior); suffixes combine (``wgan-gp+amount+threshold``).
    classifiers : ``{name: estimator}`` or names, optional
        Any scikit-learn classifiers, or names of built-in ones (``logreg``,
        ``forest``, ``knn``, ``svc``, ``tree``, ``hgb``). Defaults to
        :func:`default_classifiers`: logistic regression, random forest and
        histogram gradient boosting.
    cv : int or splitter, optional
        Defaults to stratified 5-fold repeated twice, seeded by ``random_state``
        (fewer folds when the smallest class has fewer than 5 rows); an int is
        stratified K-fold, as in scikit-learn.
    metrics : list of names or functions, optional
        Default: every built-in metric of :mod:`ganaug.metrics` (balanced
        accuracy, G-mean, macro-F1, minority F1 and recall, ROC AUC, PR AUC,
        the Brier score and log-loss of classifiers with probabilities,
        per-class recall as ``class_recall[label]`` rows); plugin metrics by name.
    n_jobs : int, optional
        Parallel (fold, sampler) tasks with joblib. Under
        ``joblib.parallel_backend("dask")`` the tasks run on a Dask cluster.
    error_score : float or "raise", default=nan
        Score recorded when a sampler fails on a fold (ADASYN, for one, refuses
        some datasets), with a warning naming it; ``"raise"`` re-raises.
    progress : bool, default=True
        Show a progress bar over (fold, sampler) tasks (on stderr).
    categorical_features : "auto", list of names or positions, or boolean mask
        Numeric columns to treat as categorical too, in SMOTE-NC's forms
        (object, string, category and bool columns always are). Declared
        columns (an integer-coded ``zip``, say) are one-hot encoded for
        classifiers, treated as categorical by SMOTE-NC, and passed to the
        GAN samplers made here or given with ``categorical_features="auto"``.

    Returns
    -------
    DataFrame
        Tidy rows ``fold, sampler, classifier, metric, value``; sampler fit
        time is reported as metric ``fit_seconds`` with classifier ``-``.
        ``results.attrs["test_train_ratio"]`` holds the test/train size ratio
        used by the corrected confidence intervals of :mod:`ganaug.stats`;
        ``random_state`` and ``ganaug_version`` are there too, for reports.
    """
    data = read_input(X)
    frame = data.data  # a DataFrame, or an image array
    y_arr = check_target(y, len(frame))
    declared = resolve_categorical(data, categorical_features)
    categorical = [] if data.kind != "tabular" else \
        [c for c in frame.columns if is_categorical(frame[c]) or c in (declared or ())]
    if not isinstance(samplers, Mapping):
        samplers = {name: name for name in samplers}
    # names, in the list form or as values of the mapping, are made here
    samplers = {name: make_sampler(value, random_state) if isinstance(value, str) else value
                for name, value in samplers.items()}
    if declared is not None:  # the GANs model the declared columns as categorical too
        samplers = {name: _declared(sampler, declared) for name, sampler in samplers.items()}
    for name, sampler in samplers.items():
        _check_kind(name, sampler.sampler if isinstance(sampler, Remedy) else sampler, data.kind)
        if isinstance(sampler, Remedy):
            check_remedy(name, sampler, len(np.unique(y_arr)))
    if classifiers is not None and not isinstance(classifiers, Mapping):
        classifiers = make_classifiers(classifiers, random_state)
    classifiers = dict(classifiers or default_classifiers(random_state))
    chosen_metrics = get_metrics(metrics)
    # an int means stratified k-fold, as in scikit-learn's cross_validate
    cv = default_cv(y_arr, random_state) if cv is None else check_cv(cv, y_arr, classifier=True)
    minority = _minority(y_arr)
    try:
        planned = cv.get_n_splits(frame, y_arr) * len(samplers)
    except (TypeError, ValueError, AttributeError):  # a splitter that cannot say before splitting
        planned = 0
    check_limit("max_cv_fits", planned, "evaluate's cross-validation (folds x repeats x samplers)")
    splits = list(cv.split(frame, y_arr))
    # each GAN's models of all folds train as one stack; the fold tasks then draw from them
    samplers = prefit_folds(frame, y_arr, splits, samplers, data.kind, _rows, progress)
    tasks = [(fold, name, sampler[fold] if isinstance(sampler, list) else sampler, train, test)
             for fold, (train, test) in enumerate(splits) for name, sampler in samplers.items()]
    jobs = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_run_fold)(frame, y_arr, fold, name, sampler, train, test, classifiers,
                           chosen_metrics, minority, categorical, error_score)
        for fold, name, sampler, train, test in tasks
    )
    rows = [row for chunk in tqdm(jobs, total=len(tasks), desc="evaluate", unit="fit",
                                  disable=not progress) for row in chunk]
    results = pd.DataFrame(rows, columns=["fold", "sampler", "classifier", "metric", "value"])
    results.attrs["test_train_ratio"] = float(np.mean([len(te) / len(tr) for tr, te in splits]))
    results.attrs.update(random_state=random_state, ganaug_version=__version__)  # named by reports
    return results


def default_cv(y: np.ndarray, random_state: int = 0, n_splits: int = 5, n_repeats: int = 2) -> Any:
    """Repeated stratified K-fold, with no more folds than the smallest class has rows."""
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if smallest < 2:
        raise InputError("a class has a single row, so no stratified split can test it: "
                         "drop that class or collect more rows of it.")
    return RepeatedStratifiedKFold(n_splits=min(n_splits, smallest), n_repeats=n_repeats,
                                   random_state=random_state)


def summarize(results: pd.DataFrame, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Mean over folds and classifiers: one row per sampler, one column per metric."""
    metrics = list(metrics) if metrics is not None else [
        m for m in dict.fromkeys(results["metric"]) if m != "fit_seconds"]
    kept = results[results["metric"].isin(metrics)]
    table = kept.groupby(["sampler", "metric"])["value"].mean().unstack("metric")
    order = list(dict.fromkeys(results["sampler"]))
    return table.reindex(order)[[m for m in metrics if m in table.columns]]


def _check_kind(name: str, sampler: Any, kind: str) -> None:
    """Refuse, before any fold runs, a sampler that cannot resample this kind of data."""
    kinds = getattr(sampler, "data_kinds", None)
    if isinstance(sampler, GANOverSampler) and isinstance(sampler.backend, str) \
            and sampler.backend in list_backends():
        from ganaug.registry import get_backend

        kinds = get_backend(sampler.backend).data_kinds
    if kinds is not None and kind not in kinds:
        what = "images" if kind == "image" else "a table"
        raise InputError(f"sampler {name!r} resamples {' and '.join(kinds)} data, and this data is {what}; "
                         f"drop it from the samplers, or pick one made for {what}.")


def _declared(sampler: Any, categorical: list[Any]) -> Any:
    """A GANOverSampler left at ``categorical_features="auto"`` gets evaluate's declaration."""
    if isinstance(sampler, Remedy):
        return dataclasses.replace(sampler, sampler=_declared(sampler.sampler, categorical))
    if isinstance(sampler, GANOverSampler) and isinstance(sampler.categorical_features, str):
        return clone(sampler).set_params(categorical_features=list(categorical))
    return sampler


def _run_fold(frame, y, fold, name, sampler, train, test, classifiers, metrics, minority, categorical,
              error_score=np.nan) -> list[tuple]:
    try:
        return _score_fold(frame, y, fold, name, sampler, train, test, classifiers, metrics, minority,
                           categorical)
    except Exception as err:
        if isinstance(error_score, str) and error_score == "raise":
            raise
        warn(f"sampler {name!r} failed on fold {fold} and is scored {error_score}: "
             f"{type(err).__name__}: {err}", RuntimeWarning)
        return [(fold, name, clf, metric, error_score)
                for clf in classifiers for metric in LABEL_METRICS if metric in metrics]


def _score_fold(frame, y, fold, name, sampler, train, test, classifiers, metrics, minority, categorical):
    remedy = sampler if isinstance(sampler, Remedy) else Remedy(sampler)
    X_tr, y_tr, X_te, y_te = _rows(frame, train), y[train], _rows(frame, test), y[test]
    start = time.perf_counter()
    # the inner folds first: threshold and amount tuned on out-of-fold scores of the real training rows
    choices = tune_inner(frame, X_tr, y_tr, remedy, classifiers, minority, categorical, fold) \
        if remedy.tunes_inner else {}
    resampled = resample_members(frame, X_tr, y_tr, remedy, categorical)
    by_share = {None: resampled}  # the fold's rows for each share of synthetic rows a classifier chose
    for choice in choices.values():
        if choice.share is not None and choice.share not in by_share:
            by_share[choice.share] = with_share(frame, X_tr, y_tr, resampled, choice.share, categorical)
    tests = {share: [prep.transform(X_te) for _, _, prep in members] for share, members in by_share.items()}
    # a fold of a stacked fit (ganaug.evaluation.prefit) adds its share of that fit
    stacked = getattr(remedy.sampler, "fit_seconds", 0.0)
    rows = [(fold, name, "-", "fit_seconds", time.perf_counter() - start + stacked)]
    for clf_name, clf in classifiers.items():
        choice = choices.get(clf_name, InnerChoice())
        members, X_tests = by_share[choice.share], tests[choice.share]
        try:
            models = fit_members(clf, members, remedy.class_weight)
        except TypeError as err:  # a classifier that cannot weigh classes (kNN): no rows, and why
            warn(f"{name!r} with classifier {clf_name!r}: {err}; not scored.", RuntimeWarning)
            continue
        model = models[0]
        probabilities = averaged(class_probabilities, models, X_tests)
        scores = probabilities if probabilities is not None else averaged(ranking_scores, models, X_tests)
        predicted = model.predict(X_tests[0]) if len(models) == 1 or scores is None else \
            model.classes_[scores.argmax(axis=1)]
        if choice.cut is not None:  # the tuned threshold decides; the probabilities stay the model's
            other = model.classes_[model.classes_ != minority][0]
            predicted = np.where(minority_score(scores, model.classes_, minority) >= choice.cut,
                                 minority, other)
        if remedy.prior and probabilities is not None:
            probabilities = scores = prior_corrected(probabilities, model.classes_, class_prior(y_tr),
                                                     class_prior(np.asarray(members[0][1])))
        predictions = Predictions(y_te, predicted, scores, model.classes_, minority,
                                  probabilities=probabilities is not None)
        rows += [(fold, name, clf_name, metric, value)
                 for metric, value in score(predictions, metrics).items()]
    return rows


def _rows(data: Any, index: np.ndarray) -> Any:
    return data.iloc[index] if isinstance(data, pd.DataFrame) else data[index]


def _minority(y: np.ndarray) -> Any:
    labels, counts = np.unique(y, return_counts=True)
    return labels[np.argmin(counts)]


def evaluate_datasets(datasets: Mapping[str, tuple[Any, Any]], progress: bool = True,
                      **kwargs: Any) -> pd.DataFrame:
    """:func:`evaluate` on several datasets; the rows gain a leading ``dataset`` column.

    Parameters
    ----------
    datasets : ``{name: (X, y)}``
    progress : bool, default=True
        Show a progress bar over datasets (and each one's folds).
    **kwargs : passed to :func:`evaluate` (samplers, classifiers, cv, metrics, n_jobs, ...).
    """
    frames, ratios = [], []
    for name, (X, y) in tqdm(datasets.items(), desc="datasets", disable=not progress or len(datasets) < 2):
        results = evaluate(X, y, progress=progress, **kwargs)
        ratios.append(results.attrs["test_train_ratio"])
        frames.append(results.assign(dataset=name)[["dataset", *results.columns]])
    combined = pd.concat(frames, ignore_index=True)
    combined.attrs.update(frames[0].attrs)
    combined.attrs["test_train_ratio"] = float(np.mean(ratios))
    return combined
