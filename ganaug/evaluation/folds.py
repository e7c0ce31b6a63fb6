"""One training fold, resampled for ``evaluate``: the sampler fitted on the fold only, then the rows encoded.

Tables are encoded (imputed, scaled, one-hot) by a preprocessor fitted on the
resampled fold; images become flattened pixels. SMOTE-family samplers, which
interpolate in feature space, see the encoded rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from imblearn.base import BaseSampler
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE
from sklearn.base import clone
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import FunctionTransformer

from ganaug.evaluation.features import preprocessor, smote_nc_fold
from ganaug.evaluation.prefit import OUTER, FittedFold, FoldSamplers
from ganaug.evaluation.remedies import weighted_fit
from ganaug.sampler import GANOverSampler

# these interpolate in feature space, so they see scaled, one-hot data (BENCHMARKS.md); any other
# sampler says so with a true `interpolates_features` attribute
_FEATURE_SPACE = (SMOTE, BorderlineSMOTE, ADASYN)


def resample_members(frame, X_tr, y_tr, remedy, categorical=(), inner=OUTER):
    """``[(X_fit, y_fit, prep)]``: one resampled training fold, or ``remedy.draws`` draws of one fit.

    With ``remedy.filtered``, each member keeps only the synthetic rows
    :func:`near_their_class` accepts.
    """
    if remedy.draws == 1:
        members = [resample_fold(frame, X_tr, y_tr, remedy.sampler, categorical, inner)]
    else:
        sampler = remedy.sampler
        fitted = sampler.fitted[inner] if isinstance(sampler, FoldSamplers) else \
            clone(sampler).fit(X_tr, y_tr)
        # draw k of k > 0 is seeded seed + k; draw 0 is the one fit_resample makes
        seeds = [None] + [fitted._seed_ + k for k in range(1, remedy.draws)]
        members = [resample_fold(frame, X_tr, y_tr, FittedFold(fitted, seed), categorical) for seed in seeds]
    return [near_their_class(member, len(y_tr)) for member in members] if remedy.filtered else members


FILTER_NEIGHBOURS = 5  # real rows a synthetic row's class must appear among (near_their_class)


def near_their_class(member, n_real: int):
    """``member`` without the synthetic rows whose nearest real rows are all of other classes.

    A filter by a classifier fitted on the real rows (a nearest-neighbour
    vote in the encoded space the classifiers see): a synthetic row none of
    whose :data:`FILTER_NEIGHBOURS` nearest real rows shares its class lies
    inside another class and would teach the classifier to claim that
    region. Real rows come first in a resampled fold, so rows past
    ``n_real`` are the synthetic ones.
    """
    X_fit, y_fit, prep = member
    y_fit = np.asarray(y_fit)
    if len(y_fit) == n_real:
        return member
    k = min(FILTER_NEIGHBOURS, n_real)
    neighbours = NearestNeighbors(n_neighbors=k).fit(X_fit[:n_real])
    index = neighbours.kneighbors(X_fit[n_real:], return_distance=False)  # (n_synthetic, k)
    near = (y_fit[:n_real][index] == y_fit[n_real:, None]).any(axis=1)  # (n_synthetic,)
    keep = np.r_[np.arange(n_real), n_real + np.flatnonzero(near)]
    return X_fit[keep], y_fit[keep], prep


def fit_members(classifier, members, class_weight: bool) -> list:
    """``classifier`` fitted on each member's rows (:func:`resample_members`), weighing classes if asked."""
    return [weighted_fit(classifier, X_fit, np.asarray(y_fit), class_weight) for X_fit, y_fit, _ in members]


def averaged(scores_of, models, X_tests) -> np.ndarray | None:
    """``(n, k)`` the mean of ``scores_of(model, X)`` over the members (None if a member has none)."""
    each = [scores_of(model, X) for model, X in zip(models, X_tests)]
    return None if any(e is None for e in each) else np.mean(each, axis=0)


def resample_fold(frame, X_tr, y_tr, sampler, categorical=(), inner=OUTER):
    """Resample one training fold; returns model-ready X, y and the fitted preprocessor.

    Why not an imblearn Pipeline per classifier: it would refit the sampler
    (a GAN) once per classifier; here it is fitted once per fold, still on
    the training fold only. ``inner``: the threshold's inner fold, for
    samplers fitted in advance (:class:`~ganaug.evaluation.prefit.FoldSamplers`).
    """
    if isinstance(sampler, FoldSamplers):
        sampler = sampler.fitted_for(inner)
    elif sampler is not None and not isinstance(sampler, FittedFold):
        sampler = clone(sampler)
    if isinstance(frame, np.ndarray):
        return _resample_image_fold(frame, X_tr, y_tr, sampler)
    if type(sampler) is SMOTE and categorical:
        fit_neighbours(sampler, y_tr)
        return smote_nc_fold(X_tr, y_tr, categorical, sampler.k_neighbors, sampler.random_state)
    if isinstance(sampler, _FEATURE_SPACE) or getattr(sampler, "interpolates_features", False):
        fit_neighbours(sampler, y_tr)
        prep = preprocessor(frame.columns, categorical).fit(X_tr)
        X_fit, y_fit = sampler.fit_resample(prep.transform(X_tr), y_tr)
        return X_fit, y_fit, prep
    X_fit, y_fit = (X_tr, y_tr) if sampler is None else sampler.fit_resample(X_tr, y_tr)
    prep = preprocessor(frame.columns, categorical).fit(X_fit)
    return prep.transform(X_fit), y_fit, prep


def _resample_image_fold(images, X_tr, y_tr, sampler):
    """Images: classifiers see flattened pixels scaled to [0, 1]; imbalanced-learn samplers too."""
    pixels = FunctionTransformer(_flatten_pixels, kw_args={"scale": _pixel_scale(images)})
    if isinstance(sampler, BaseSampler) and not isinstance(sampler, GANOverSampler):  # ROS, SMOTE: pixels
        fit_neighbours(sampler, y_tr)
        X_fit, y_fit = sampler.fit_resample(pixels.fit_transform(X_tr), y_tr)
        return X_fit, y_fit, pixels
    X_fit, y_fit = (X_tr, y_tr) if sampler is None else sampler.fit_resample(X_tr, y_tr)
    return pixels.fit_transform(X_fit), y_fit, pixels


def _flatten_pixels(images: np.ndarray, scale: float) -> np.ndarray:
    return np.asarray(images, dtype=np.float32).reshape(len(images), -1) / scale


def _pixel_scale(images: np.ndarray) -> float:
    return 255.0 if images.dtype == np.uint8 else max(float(np.abs(images).max()), 1e-12)


def fit_neighbours(sampler: Any, y: np.ndarray) -> None:
    """SMOTE-family samplers need k_neighbors < the smallest class: shrink k on tiny folds."""
    smallest = int(np.unique(y, return_counts=True)[1].min())
    k = getattr(sampler, "k_neighbors", None)
    if isinstance(k, int) and k >= smallest > 1:
        sampler.set_params(k_neighbors=smallest - 1)
    if isinstance(getattr(sampler, "n_neighbors", None), int) and sampler.n_neighbors >= smallest > 1:
        sampler.set_params(n_neighbors=smallest - 1)  # ADASYN's own neighbourhood


def with_share(frame, X_tr, y_tr, members, share: float, categorical=()) -> list:
    """``members`` keeping ``share`` of each grown class' synthetic rows (the first ones: draws are i.i.d.).

    The real rows come first in every resampled fold (imbalanced-learn's and
    ganaug's order), so rows past ``len(y_tr)`` are synthetic. Share 0 is the
    fold without resampling, its preprocessor fitted on the real rows alone,
    as the ``threshold`` entry's is.
    """
    if share == 0:
        return [resample_fold(frame, X_tr, y_tr, None, categorical)]
    n_real, kept = len(y_tr), []
    for X_fit, y_fit, prep in members:
        y_fit = np.asarray(y_fit)
        synthetic = y_fit[n_real:]
        rows = [np.arange(n_real)]
        for label in np.unique(synthetic):
            of_label = n_real + np.flatnonzero(synthetic == label)
            rows.append(of_label[: int(round(share * len(of_label)))])
        index = np.concatenate(rows)
        kept.append((X_fit[index], y_fit[index], prep))
    return kept
