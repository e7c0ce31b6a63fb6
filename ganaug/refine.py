"""Post-processing of synthetic rows, shared by every backend.

``interpolate``: each synthetic row is pulled towards its nearest real row of
the same class, ``x = x_real + u * (x_gan - x_real)`` with ``u ~ U(0, 1)``.
The GAN chooses the direction and reach; the real neighbour anchors the
sample to where that class actually lives. On small minorities, where a GAN
cannot learn the class support well, this keeps SMOTE's locality while the
directions still come from the learned distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from ganaug.encoders import is_categorical

REFINEMENTS = (None, "interpolate")


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
        finder = NearestNeighbors(n_neighbors=1).fit(real[numeric].astype(float) / scale)
        nearest = finder.kneighbors(synthetic[numeric].astype(float) / scale, return_distance=False)[:, 0]
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
