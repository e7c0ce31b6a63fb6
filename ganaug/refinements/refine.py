"""The refinements by name: the real rows they work with (:class:`Reference`) and how each draw is changed."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from ganaug.errors import InputError, OptionsError
from ganaug.refinements.images import augment_images
from ganaug.refinements.neighbours import (
    BRUTE_FORCE_ROWS,
    MixedSpace,
    distance_chunks,
    fit_proximity,
    interpolate_towards_real,
    nearest_rows,
)

THETA = 1.0  # ProWSyn's level weights exp(-THETA * (level - 1)): level 1 gets e times level 2's share
CANDIDATES = 4  # GAN samples drawn per row returned; the choosing refinements pick among them
OTHERS = 5000  # rows of the other classes kept for the neighbour-purity check (a seeded sample)
REFERENCE_ROWS = BRUTE_FORCE_ROWS  # real rows kept per grown class (a seeded sample of a larger class)
LEVEL_OTHERS = 50_000  # other classes' rows the proximity levels are found against (a seeded sample beyond)
PURITY_NEIGHBOURS = 5  # a synthetic row whose 5 nearest real rows are all of other classes is dropped


@dataclass
class Reference:
    """The real rows a refinement works with; the sampler keeps (and saves) what its refinement needs.

    Attributes
    ----------
    rows, labels : DataFrame, ndarray
        The real rows of the classes that are grown (a seeded sample of ``REFERENCE_ROWS`` of a
        larger class), and their labels.
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
        # Why samples: every drawn row is compared with every reference row, so a class of 50,000
        # rows would make a million-row draw take hours; below the caps every row is kept.
        kept = _at_most(np.flatnonzero(grown), y, REFERENCE_ROWS, [seed, 1])
        reference = cls(frame.iloc[kept].reset_index(drop=True), y[kept], categorical=tuple(categorical))
        if refinement.needs_levels:  # against the other classes' rows too, so they are computed here
            rest = _at_most(np.flatnonzero(~grown), np.zeros(len(y)), LEVEL_OTHERS, [seed, 2])
            rows = np.union1d(kept, rest)
            levels = fit_proximity(frame.iloc[rows], y[rows], grow, reference.categorical)
            reference.levels = levels[np.isin(rows, kept)]
        if refinement.needs_others or others:
            rest = np.flatnonzero(~grown)
            keep = np.sort(np.random.default_rng(seed).permutation(rest)[:OTHERS])
            reference.others, reference.other_labels = frame.iloc[keep].reset_index(drop=True), y[keep]
        return reference


def _at_most(rows: np.ndarray, y: np.ndarray, cap: int, seed: list[int]) -> np.ndarray:
    """``rows`` (sorted positions) with each class of ``y`` cut to a seeded sample of ``cap`` rows."""
    rng = np.random.default_rng(seed)
    parts = []
    for label in np.unique(y[rows]):
        mine = rows[y[rows] == label]
        parts.append(mine if len(mine) <= cap else rng.choice(mine, size=cap, replace=False))
    return np.sort(np.concatenate(parts)) if parts else rows


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

    def __reduce__(self) -> tuple:
        # pickled by name (its apply may be a lambda): a fitted sampler holding one pickles in a Pipeline
        return (refinement_named, (self.name,))


def refinement_named(name: str) -> Refinement:
    """The registered refinement ``name`` (how a pickled one comes back)."""
    return REFINEMENTS[name]


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
    counts = torch.zeros(len(queries), dtype=torch.int64)
    nearest_own = torch.empty(min(chunk, len(queries)), 1)  # (c, 1), reused as distance_chunks' blocks
    nearer = torch.empty(min(chunk, len(queries)), int((~own).sum()), dtype=torch.bool)  # (c, m_others)
    start = 0
    for mine, others in zip(distance_chunks(queries, points[own], chunk),
                            distance_chunks(queries, points[~own], chunk)):
        c = len(mine)
        torch.amin(mine, dim=1, keepdim=True, out=nearest_own[:c])
        torch.lt(others, nearest_own[:c], out=nearer[:c])
        torch.sum(nearer[:c], dim=1, out=counts[start : start + c])
        start += c
    return counts.numpy()


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
