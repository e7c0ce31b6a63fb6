"""Post-processing of synthetic rows, shared by every backend.

``interpolate``: each synthetic row is pulled towards its nearest real row of
the same class, ``x = x_real + u * (x_gan - x_real)`` with ``u ~ U(0, 1)``.
The GAN chooses the direction and reach; the real neighbour anchors the
sample to where that class actually lives. On small minorities, where a GAN
cannot learn the class support well, this keeps SMOTE's locality while the
directions still come from the learned distribution.

``augment`` (images): each synthetic image gets a random label-preserving
transform (``ganaug.augmentation.default_transform``: small shifts,
rotations and scales, mild elastic warps, brightness and contrast). The GAN
adds new shapes, the transforms add the poses a handful of real images
cannot show; see ``ganaug.augmentation.augment_images``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.neighbors import NearestNeighbors

from ganaug.encoders import is_categorical

REFINEMENTS = (None, "interpolate", "augment")


BRUTE_FORCE_ROWS = 4096  # up to this many real rows, one matrix product beats a tree search


def nearest_rows(queries: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Index of the nearest ``reference`` row (Euclidean) for each row of ``queries``.

    For the small real minorities that refinement anchors to, distances by
    matrix products (torch, float32, in chunks) are 2-3x faster than a tree
    search over millions of synthetic rows; large references use scikit-learn's tree.
    """
    if len(reference) > BRUTE_FORCE_ROWS:
        return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(queries, return_distance=False)[:, 0]
    anchors = torch.from_numpy(np.ascontiguousarray(reference, dtype=np.float32))  # (m, d)
    squared = (anchors**2).sum(dim=1)  # |r|^2; |q|^2 is the same for every r, so it is left out
    rows = torch.from_numpy(np.ascontiguousarray(queries, dtype=np.float32))  # (n, d)
    chunk = max(1, 2**20 // len(anchors))  # (chunk, m) float32 distances: 4 MB, which stays in cache
    nearest = torch.empty(len(rows), dtype=torch.long)
    for start in range(0, len(rows), chunk):
        distances = torch.addmm(squared, rows[start : start + chunk], anchors.T, alpha=-2)  # (c, m)
        nearest[start : start + chunk] = distances.argmin(dim=1)
    return nearest.numpy()


def interpolate_towards_real(synthetic: pd.DataFrame, real: pd.DataFrame,
                             rng: np.random.Generator) -> pd.DataFrame:
    """Move each synthetic row a uniform fraction of the way from its nearest real row.

    Distances use numeric columns standardised by the real rows' spread;
    categorical values come from the real neighbour when ``u < 0.5``, else
    from the synthetic row. Dtypes are kept (integers are rounded).
    """
    if synthetic.empty:
        return synthetic
    numeric = [c for c in real.columns if not is_categorical(real[c])]
    scale = real[numeric].astype(float).std(ddof=0).replace(0.0, 1.0) if numeric else None
    if numeric:
        nearest = nearest_rows((synthetic[numeric].astype(float) / scale).to_numpy(),
                               (real[numeric].astype(float) / scale).to_numpy())
    else:
        nearest = rng.integers(len(real), size=len(synthetic))
    anchor = real.iloc[nearest].reset_index(drop=True)
    u = rng.random(len(synthetic))
    out = synthetic.reset_index(drop=True).copy()
    for col in real.columns:
        if col in numeric:
            mixed = anchor[col].to_numpy(float) + u * (out[col].to_numpy(float) - anchor[col].to_numpy(float))
            if pd.api.types.is_integer_dtype(real[col].dtype):
                mixed = np.round(mixed)
            out[col] = pd.Series(mixed).astype(real[col].dtype)
        else:
            out[col] = anchor[col].where(u < 0.5, out[col]).astype(real[col].dtype)
    return out
