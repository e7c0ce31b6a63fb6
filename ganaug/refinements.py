"""Refinements: what is done to a generator's samples before they are returned, by name.

A refinement takes the decoded synthetic samples of one draw and returns
them changed (never the real data). :data:`REFINEMENTS` maps each name to
its :class:`Refinement`; ``GANOverSampler(refine=NAME)`` picks one.

``proximity-safe`` (tables) is the default; it builds on ``interpolate``.

``interpolate`` (tables): each synthetic row is pulled towards its nearest real row of
the same class, ``x = x_real + u * (x_gan - x_real)`` with ``u ~ U(0, 1)``.
The GAN chooses the direction and reach; the real neighbour anchors the
sample to where that class actually lives. On small minorities, where a GAN
cannot learn the class support well, this keeps SMOTE's locality while the
directions still come from the learned distribution.

``interpolate-mixed`` (tables): the same, with the nearest real row found by a
distance that counts categorical columns (:class:`MixedSpace`), as SMOTE-NC
and HVDM do; ``interpolate`` looks at numeric columns only.

``proximity`` (tables): of :data:`CANDIDATES` GAN samples per row wanted,
rows are kept over ProWSyn's proximity levels of their real anchors (Barua
et al. 2013), weighted towards the minority rows nearest the other classes,
then interpolated.

``interpolate-safe`` and ``proximity-safe`` (tables): every candidate is
interpolated; those whose :data:`PURITY_NEIGHBOURS` nearest real rows are all
of other classes are dropped; the rows wanted are kept uniformly or over the
proximity levels. Dropping the rows that land among other classes is what
raises the minority's precision (docs: benchmarks, tables).

``augment`` (images): each synthetic image gets a random label-preserving
transform (:func:`default_transform`: small shifts, rotations and scales,
mild elastic warps, brightness and contrast; needs albumentations). The GAN
adds new shapes, the transforms add the poses a handful of real images
cannot show.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.neighbors import NearestNeighbors

from ganaug.data.columns import is_categorical
from ganaug.data.numbers import from_numeric_view, is_temporal, numeric_view, round_to_step, temporal_step
from ganaug.errors import InputError, OptionsError

BRUTE_FORCE_ROWS = 4096  # up to this many real rows, one matrix product beats a tree search


def nearest_rows(queries: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Index of the nearest ``reference`` row (Euclidean) for each row of ``queries``.

    For the small real minorities that refinement anchors to, distances by
    matrix products (torch, float32, in chunks) are 2-3x faster than a tree
    search over millions of synthetic rows; large references use scikit-learn's tree.
    """
    if len(reference) > BRUTE_FORCE_ROWS:
        return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(queries, return_distance=False)[:, 0]
    nearest = [distances.argmin(dim=1) for distances in _distance_chunks(queries, reference)]
    return torch.cat(nearest).numpy() if nearest else np.zeros(0, dtype=np.int64)


def _distance_chunks(queries: np.ndarray, reference: np.ndarray,
                     chunk: int | None = None) -> Iterator[torch.Tensor]:
    """``(c, m)`` blocks of squared distances minus ``|q|^2`` (the same for every reference row of a
    query, so nearest-row comparisons are unchanged), ``chunk`` queries at a time, in float32."""
    anchors = torch.from_numpy(np.ascontiguousarray(reference, dtype=np.float32))  # (m, d)
    squared = (anchors**2).sum(dim=1)  # (m,)
    rows = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32))  # (n, d)
    if chunk is None:  # (chunk, m) float32 distances: 4 MB, which stays in cache
        chunk = max(1, 2**20 // max(len(anchors), 1))
    for start in range(0, len(rows), chunk):
        yield torch.addmm(squared, rows[start : start + chunk], anchors.T, alpha=-2)  # (c, m)


class MixedSpace:
    """Rows of a table as points, so that Euclidean distance counts the columns it is asked to.

    Numeric, date and duration columns are scaled by the fitted rows'
    spread; a missing value sits at the column's mean and a missing-value
    indicator adds one unit. With ``categorical_distance``, each categorical
    column becomes a one-hot scaled by 1/sqrt(2), so two rows that differ in
    it are one unit apart, as a one-standard-deviation difference is (the
    idea behind SMOTE-NC's and HVDM's mixed distances); without it, only the
    numeric columns count.

    Parameters
    ----------
    rows : DataFrame
    categorical : collection of column names
        The columns that are categories (the tabular codec's decision).
    categorical_distance : bool, default=True
    """

    def __init__(self, rows: pd.DataFrame, categorical: Collection[Any],
                 categorical_distance: bool = True) -> None:
        self.numeric = [c for c in rows.columns if c not in set(categorical)]
        views = {c: numeric_view(rows[c]) for c in self.numeric}
        self.scale = {c: _spread(v) for c, v in views.items()}
        self.center = {c: float(np.nanmean(v)) if np.isfinite(v).any() else 0.0 for c, v in views.items()}
        self.gaps = [c for c in self.numeric if rows[c].isna().any()]
        self.levels = {} if not categorical_distance else \
            {c: pd.unique(rows[c].astype(object).where(rows[c].notna(), _MISSING)) for c in rows.columns
             if c not in self.numeric}

    def points(self, rows: pd.DataFrame) -> np.ndarray:
        """``(n, d)`` float32 points of ``rows`` (categories not seen when fitted get no unit)."""
        parts = []
        for column in self.numeric:
            scaled = numeric_view(rows[column]) / self.scale[column]
            center = self.center[column] / self.scale[column]
            parts.append(np.where(np.isnan(scaled), center, scaled)[:, None])
        parts += [rows[column].isna().to_numpy(float)[:, None] for column in self.gaps]
        for column, levels in self.levels.items():
            values = rows[column].astype(object).where(rows[column].notna(), _MISSING)
            codes = pd.Index(levels).get_indexer(values)  # -1 for levels not seen when fitted
            one_hot = np.zeros((len(rows), len(levels)))
            one_hot[np.flatnonzero(codes >= 0), codes[codes >= 0]] = 2**-0.5
            parts.append(one_hot)
        return np.concatenate([np.zeros((len(rows), 0)), *parts], axis=1).astype(np.float32)


_MISSING = "\0missing"  # a missing category, as a level of its own for distances


def _spread(values: np.ndarray) -> float:
    spread = float(np.nanstd(values)) if np.isfinite(values).any() else 0.0
    return spread if spread > 0 else 1.0


def interpolate_towards_real(synthetic: pd.DataFrame, real: pd.DataFrame, rng: np.random.Generator,
                             anchors: np.ndarray | None = None, categorical_distance: bool = False,
                             categorical: Collection[Any] | None = None) -> pd.DataFrame:
    """Move each synthetic row a uniform fraction of the way from its nearest real row.

    Distances are those of :class:`MixedSpace` (numeric columns, and the
    categorical ones too with ``categorical_distance``); ``anchors`` gives
    the real row of each synthetic row instead. ``categorical`` names the
    categorical columns (default: by dtype). A categorical value, or a
    numeric one where either side is missing, comes from the real neighbour
    when ``u < 0.5``, else from the synthetic row. Dtypes are kept (integers
    are rounded, dates stay dates).
    """
    if synthetic.empty:
        return synthetic
    if categorical is None:
        categorical = [c for c in real.columns if is_categorical(real[c])]
    space = MixedSpace(real, categorical, categorical_distance)
    if anchors is not None:
        nearest = anchors
    elif space.numeric or space.levels:
        nearest = nearest_rows(space.points(synthetic), space.points(real))
    else:
        nearest = rng.integers(len(real), size=len(synthetic))
    anchor = real.iloc[nearest].reset_index(drop=True)
    u = rng.random(len(synthetic))
    out = synthetic.reset_index(drop=True).copy()
    for col in real.columns:
        take_anchor = anchor[col].where(u < 0.5, out[col])
        if col in space.numeric:
            start, end = numeric_view(anchor[col]), numeric_view(out[col])
            mixed = round_to_step(from_numeric_view(start + u * (end - start), real[col].dtype),
                                  temporal_step(real[col]) if is_temporal(real[col].dtype) else 1)
            either_missing = np.isnan(start) | np.isnan(end)
            out[col] = mixed.where(~either_missing, take_anchor).astype(real[col].dtype)
        else:
            out[col] = take_anchor.astype(real[col].dtype)
    return out


def default_transform(random_state: int | None = None) -> Any:
    """Shifts, rotations and scales, mild elastic warps, brightness and contrast."""
    try:
        import albumentations as A
    except ImportError as err:
        raise ImportError("image augmentation (the albumentations baseline, MixedOverSampler, "
                          "refine='augment') needs albumentations: pip install 'ganaug[images]'") from err

    return A.Compose([
        A.Affine(translate_percent=(-0.1, 0.1), rotate=(-15, 15), scale=(0.9, 1.1), p=1.0),
        A.ElasticTransform(alpha=1.0, sigma=10.0, p=0.3),
        A.RandomBrightnessContrast(brightness_limit=0.15, contrast_limit=0.15, p=0.5),
    ], seed=random_state)


def augment_images(images: np.ndarray, random_state: int | None = None, transform: Any = None) -> np.ndarray:
    """Each image of ``images`` (n, H, W) or (n, H, W, C) through a random transform; same shape and dtype.

    ``transform`` defaults to :func:`default_transform` seeded with ``random_state``.
    """
    transform = transform or default_transform(random_state)
    if not len(images):
        return images
    return np.stack([augment_one(transform, image) for image in images]).astype(images.dtype, copy=False)


def augment_one(transform: Any, image: np.ndarray) -> np.ndarray:
    """One image through an albumentations ``transform``; grey ``(H, W)`` images stay grey."""
    # albumentations works on (H, W, C); grey images get a channel axis for the call
    grey = image.ndim == 2
    out = transform(image=image[..., None] if grey else image)["image"]
    return out[..., 0] if grey and out.ndim == 3 else out


def proximity_levels(minority: np.ndarray, others: np.ndarray, n_levels: int = 5, k: int = 5) -> np.ndarray:
    """ProWSyn's proximity level (1 = nearest the other classes) of each minority point (Barua et al. 2013).

    Level 1 holds the minority points that are among the ``k`` nearest
    minority points of some other-class point; they are set aside and level 2
    is found the same way among the rest, and so on; what remains after
    ``n_levels - 1`` rounds is the last level.
    """
    levels = np.full(len(minority), n_levels)
    remaining = np.arange(len(minority))
    for level in range(1, n_levels):
        if not len(remaining) or not len(others):
            break
        search = NearestNeighbors(n_neighbors=min(k, len(remaining))).fit(minority[remaining])
        chosen = np.unique(remaining[search.kneighbors(others, return_distance=False)])
        levels[chosen] = level
        remaining = np.setdiff1d(remaining, chosen)
    return levels


def fit_proximity(frame: pd.DataFrame, y: np.ndarray, grown: list[Any],
                  categorical: Collection[Any]) -> np.ndarray:
    """The proximity level of every row of a grown class, against the rows of every other class."""
    space = MixedSpace(frame, categorical)
    points = space.points(frame)
    levels = np.zeros(len(frame), dtype=np.int64)
    for label in grown:
        mine = y == label
        levels[mine] = proximity_levels(points[mine], points[~mine])
    return levels


THETA = 1.0  # ProWSyn's level weights exp(-THETA * (level - 1)): level 1 gets e times level 2's share
CANDIDATES = 4  # GAN samples drawn per row returned; the choosing refinements pick among them
OTHERS = 5000  # rows of the other classes kept for the neighbour-purity check (a seeded sample)
PURITY_NEIGHBOURS = 5  # a synthetic row whose 5 nearest real rows are all of other classes is dropped


@dataclass
class Reference:
    """The real rows a refinement works with; the sampler keeps (and saves) what its refinement needs.

    Attributes
    ----------
    rows, labels : DataFrame, ndarray
        The real rows of the classes that are grown, and their labels.
    levels : ndarray or None
        Each such row's proximity level (:func:`proximity_levels`), for ``proximity``.
    others, other_labels : DataFrame and ndarray, or None
        A sample of at most ``OTHERS`` rows of the other classes, for the purity checks.
    """

    rows: pd.DataFrame
    labels: np.ndarray
    levels: np.ndarray | None = None
    others: pd.DataFrame | None = None
    other_labels: np.ndarray | None = None
    categorical: tuple = ()

    def levels_of(self, label: Any) -> np.ndarray:
        """The proximity levels of :meth:`of`'s rows (all level 1 for a class that was not grown)."""
        if label in set(self.labels.tolist()) and self.levels is not None:
            return self.levels[self.labels == label]
        return np.ones(len(self.of(label)), dtype=np.int64)

    def of(self, label: Any) -> pd.DataFrame:
        """The real rows of class ``label`` (from the grown classes' or the other classes' sample)."""
        if label in set(self.labels.tolist()):
            return self.rows[self.labels == label]
        if self.others is None:
            return self.rows.iloc[:0]
        return self.others[self.other_labels == label]

    @classmethod
    def fit(cls, frame: pd.DataFrame, y: np.ndarray, grow: list[Any], refinement: Refinement,
            seed: int, categorical: Collection[Any] = (), others: bool = False) -> Reference:
        """What ``refinement`` needs of the training rows ``frame`` (labels ``y``) to grow ``grow``.

        ``categorical`` names the categorical columns (the tabular codec's
        decision); ``others`` keeps a sample of the other classes' rows even
        where the refinement needs none (a conditional model draws them too).
        """
        grown = np.isin(y, grow)
        reference = cls(frame[grown].reset_index(drop=True), y[grown], categorical=tuple(categorical))
        if refinement.needs_levels:  # against every training row, so they are computed here
            reference.levels = fit_proximity(frame, y, grow, reference.categorical)[grown]
        if refinement.needs_others or others:
            rest = np.flatnonzero(~grown)
            keep = np.sort(np.random.default_rng(seed).permutation(rest)[:OTHERS])
            reference.others, reference.other_labels = frame.iloc[keep].reset_index(drop=True), y[keep]
        return reference


@dataclass(frozen=True)
class Refinement:
    """A named refinement.

    Attributes
    ----------
    name : str
    kinds : tuple of str
        The data kinds it changes.
    does : str
        What it does, in words (``"transforms synthetic images"``), for error messages.
    apply : callable
        ``apply(synthetic, labels, reference, seed) -> synthetic``: ``reference`` is
        the :class:`Reference` of the grown classes when ``needs_reference``.
    needs_reference : bool
        Whether the sampler keeps (and saves) the real rows of the classes it grows.
    needs_levels : bool
        Whether it also needs each such row's proximity level (:attr:`Reference.levels`).
    needs_others : bool
        Whether it also needs a sample of the other classes' rows (:attr:`Reference.others`).
    candidates : int
        Generator samples drawn per row it returns (it chooses among them).
    other_kinds : {"error", "pass"}
        What asking for it on another kind does: refuse, or return the samples as drawn.
    """

    name: str
    kinds: tuple[str, ...]
    does: str
    apply: Callable[[Any, np.ndarray, tuple | None, int], Any]
    needs_reference: bool = False
    other_kinds: str = "error"
    needs_levels: bool = False
    candidates: int = 1
    needs_others: bool = False


def _each_class(synthetic: pd.DataFrame, labels: np.ndarray, reference: Reference,
                refine_class: Callable[[pd.DataFrame, Any], pd.DataFrame],
                candidates: int = 1) -> pd.DataFrame:
    """``refine_class(rows, label)`` class by class, in the order drawn.

    A class without real rows in the reference (a class a model file before
    0.2 did not keep) is returned as drawn.
    """
    parts = []
    for label in dict.fromkeys(labels):
        rows = synthetic[labels == label].reset_index(drop=True)
        if reference.of(label).empty:
            parts.append(rows.iloc[: len(rows) // candidates])
        else:
            parts.append(refine_class(rows, label))
    return pd.concat(parts, ignore_index=True) if parts else synthetic.iloc[:0]


def _interpolate_draw(synthetic: pd.DataFrame, labels: np.ndarray, reference: Reference,
                      seed: int, categorical_distance: bool = False) -> pd.DataFrame:
    """:func:`interpolate_towards_real` class by class, one seeded stream for the draw."""
    rng = np.random.default_rng(seed)
    return _each_class(synthetic, labels, reference, lambda rows, label: interpolate_towards_real(
        rows, reference.of(label), rng, categorical_distance=categorical_distance,
        categorical=reference.categorical))


def _proximity_draw(synthetic: pd.DataFrame, labels: np.ndarray, reference: Reference,
                    seed: int) -> pd.DataFrame:
    """Of ``CANDIDATES`` GAN samples per row wanted, keep some per proximity level, then interpolate.

    Each candidate's anchor is its nearest real row of its class (mixed
    distance); rows are allocated to levels with ProWSyn's weights (over the
    levels the candidates reach) and, within a level, drawn from its
    candidates without replacement where there are enough.
    """
    rng = np.random.default_rng(seed)

    def refine_class(candidates: pd.DataFrame, label: Any) -> pd.DataFrame:
        real, real_levels = reference.of(label), reference.levels_of(label)
        space = MixedSpace(real, reference.categorical)
        anchors = nearest_rows(space.points(candidates), space.points(real))
        wanted = len(candidates) // CANDIDATES
        picked = _allocate(real_levels[anchors], np.arange(len(candidates)), wanted, rng)
        return interpolate_towards_real(candidates.iloc[picked], real, rng, anchors=anchors[picked],
                                        categorical=reference.categorical)

    return _each_class(synthetic, labels, reference, refine_class, CANDIDATES)


def _allocate(levels: np.ndarray, pool: np.ndarray, wanted: int, rng: np.random.Generator) -> np.ndarray:
    """``wanted`` of ``pool``, spread over the ``levels`` they reach with ProWSyn's weights."""
    reached = np.unique(levels)
    weights = np.exp(-THETA * (reached - 1))
    counts = rng.multinomial(wanted, weights / weights.sum())
    picked = [rng.choice(pool[levels == level], size=count, replace=count > (levels == level).sum())
              for level, count in zip(reached, counts)]
    return np.concatenate(picked) if picked else np.zeros(0, dtype=int)


def others_nearer_than_own(rows: pd.DataFrame, label: Any, reference: Reference) -> np.ndarray:
    """For each of ``rows`` (of class ``label``), how many real rows of other classes lie nearer to it
    than its nearest real row of ``label``: ``PURITY_NEIGHBOURS`` or more means that its
    ``PURITY_NEIGHBOURS`` nearest real rows all belong to other classes.

    A count by comparison, not a k-nearest search: no sort, so a million rows take seconds.
    """
    real = pd.concat([reference.rows, reference.others], ignore_index=True)
    own = np.concatenate([reference.labels, reference.other_labels]) == label
    space = MixedSpace(real, reference.categorical)
    points = space.points(real)
    queries = space.points(rows)
    chunk = max(1, 2**20 // len(points))  # the same queries in both blocks
    counts = [(others < mine.min(dim=1, keepdim=True).values).sum(dim=1)  # (c,)
              for mine, others in zip(_distance_chunks(queries, points[own], chunk),
                                      _distance_chunks(queries, points[~own], chunk))]
    return torch.cat(counts).numpy() if counts else np.zeros(0, dtype=np.int64)


def _safe_draw(synthetic: pd.DataFrame, labels: np.ndarray, reference: Reference, seed: int,
               by_level: bool) -> pd.DataFrame:
    """Interpolate every candidate, drop those among other classes only, then keep one per row wanted.

    Kept rows are chosen uniformly, or over the anchors' proximity levels
    (``by_level``, as :func:`_proximity_draw`); where too few candidates are
    left, the least surrounded of the dropped ones fill in.
    """
    rng = np.random.default_rng(seed)

    def refine_class(candidates: pd.DataFrame, label: Any) -> pd.DataFrame:
        real = reference.of(label)
        space = MixedSpace(real, reference.categorical)
        anchors = nearest_rows(space.points(candidates), space.points(real))
        moved = interpolate_towards_real(candidates, real, rng, anchors=anchors,
                                         categorical=reference.categorical)
        crowd = others_nearer_than_own(moved, label, reference)
        wanted = len(candidates) // CANDIDATES
        order = np.argsort(crowd, kind="stable")
        kept = order[crowd[order] < PURITY_NEIGHBOURS]
        if len(kept) < wanted:
            kept = order[:wanted]
        if by_level:
            picked = _allocate(reference.levels_of(label)[anchors[kept]], kept, wanted, rng)
        else:
            picked = rng.choice(kept, size=wanted, replace=False)
        return moved.iloc[picked]

    return _each_class(synthetic, labels, reference, refine_class, CANDIDATES)


def _augment_draw(images: np.ndarray, labels: np.ndarray, reference: None, seed: int) -> np.ndarray:
    return augment_images(images, random_state=seed)


REFINEMENTS: dict[str, Refinement] = {
    # on images, the default and "interpolate" return the samples as drawn: both work for every kind
    "interpolate": Refinement("interpolate", ("tabular",), "interpolates synthetic rows towards real ones",
                              _interpolate_draw, needs_reference=True, other_kinds="pass"),
    "interpolate-mixed": Refinement("interpolate-mixed", ("tabular",), "interpolates synthetic rows towards "
                                    "real ones", lambda *a: _interpolate_draw(*a, categorical_distance=True),
                                    needs_reference=True),
    "proximity": Refinement("proximity", ("tabular",), "places synthetic rows by proximity level",
                            _proximity_draw, needs_reference=True, needs_levels=True, candidates=CANDIDATES),
    "interpolate-safe": Refinement("interpolate-safe", ("tabular",), "places synthetic rows where their "
                                   "class lives", lambda *a: _safe_draw(*a, by_level=False),
                                   needs_reference=True, candidates=CANDIDATES, needs_others=True),
    "proximity-safe": Refinement("proximity-safe", ("tabular",), "places synthetic rows by proximity level",
                                 lambda *a: _safe_draw(*a, by_level=True), needs_reference=True,
                                 needs_levels=True, candidates=CANDIDATES, needs_others=True,
                                 other_kinds="pass"),  # the default
    "augment": Refinement("augment", ("image",), "transforms synthetic images", _augment_draw),
}


def get_refinement(name: str | None, kind: str) -> Refinement | None:
    """The refinement ``name`` for data of ``kind``; None for ``name=None`` or one that passes ``kind`` by."""
    if name is None:
        return None
    if not isinstance(name, str) or name not in REFINEMENTS:
        known = ", ".join(repr(n) for n in REFINEMENTS)
        raise OptionsError(f"refine={name!r}: use None or one of {known}.")
    refinement = REFINEMENTS[name]
    if kind in refinement.kinds:
        return refinement
    if refinement.other_kinds == "pass":
        return None
    fitting = [f"refine={n!r}" for n, r in REFINEMENTS.items() if kind in r.kinds] + ["refine=None"]
    data = {"tabular": "tables", "image": "images"}.get(kind, kind)
    raise InputError(f"refine={name!r} {refinement.does}; for {data} use {' or '.join(fitting)}.")
