"""Nearest real rows: the geometry of the refinements (distances, interpolation, ProWSyn levels)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.neighbors import NearestNeighbors

from ganaug.data.columns import is_categorical
from ganaug.data.numbers import from_numeric_view, is_temporal, numeric_view, round_to_step, temporal_step

BRUTE_FORCE_ROWS = 4096  # up to this many real rows, one matrix product beats a tree search


def nearest_rows(queries: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Index of the nearest ``reference`` row (Euclidean) for each row of ``queries``.

    For the small real minorities that refinement anchors to, distances by
    matrix products (torch, float32, in chunks) are 2-3x faster than a tree
    search over millions of synthetic rows; large references use scikit-learn's tree.
    """
    if len(reference) > BRUTE_FORCE_ROWS:
        return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(queries, return_distance=False)[:, 0]
    nearest = torch.zeros(len(queries), dtype=torch.int64)
    start = 0
    for distances in distance_chunks(queries, reference):  # into slices of one result: see distance_chunks
        torch.argmin(distances, dim=1, out=nearest[start : start + len(distances)])
        start += len(distances)
    return nearest.numpy()


def distance_chunks(queries: np.ndarray, reference: np.ndarray,
                     chunk: int | None = None) -> Iterator[torch.Tensor]:
    """``(c, m)`` blocks of squared distances minus ``|q|^2`` (the same for every reference row of a
    query, so nearest-row comparisons are unchanged), ``chunk`` queries at a time, in float32.

    Every block is written into the same buffer, so a block is valid only until the next is
    drawn. Why: a fresh 4 MB block per chunk, with small results kept in between, fragmented
    the heap (10 GB resident for 3.8M queries against 4,096 rows, and 1.8x slower).
    """
    anchors = torch.from_numpy(np.ascontiguousarray(reference, dtype=np.float32))  # (m, d)
    squared = (anchors**2).sum(dim=1)  # (m,)
    rows = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32))  # (n, d)
    if chunk is None:  # (chunk, m) float32 distances: 4 MB, which stays in cache
        chunk = max(1, 2**20 // max(len(anchors), 1))
    block = torch.empty(min(chunk, len(rows)), len(anchors))  # (chunk, m), reused
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        yield torch.addmm(squared, part, anchors.T, alpha=-2, out=block[: len(part)])  # (c, m)


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
