"""Embedded imbalanced datasets built from scikit-learn's bundled data (no downloads)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import datasets

EMBEDDED = ("breast_cancer", "wine")


def load_imbalanced(name: str = "breast_cancer", ratio: float = 10.0,
                    random_state: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Load a bundled scikit-learn dataset and cut its rarest class down.

    Parameters
    ----------
    name : {"breast_cancer", "wine"}
        ``breast_cancer``: 30 numeric columns, binary (malignant is made rare),
        plus a categorical ``size`` column and a boolean ``rough`` column so
        mixed types are exercised. ``wine``: 13 numeric columns, 3 classes.
    ratio : float
        Majority size divided by the size of the class that is cut down.
    random_state : int
        Seed of the subsampling.

    Returns
    -------
    X : DataFrame
    y : Series of str labels
    """
    if name not in EMBEDDED:
        raise ValueError(f"unknown dataset {name!r}; embedded datasets: {', '.join(EMBEDDED)}.")
    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    X, y = bunch.data, pd.Series(np.asarray(bunch.target_names)[bunch.target], name="label")
    if name == "breast_cancer":
        X = X.assign(size=pd.cut(X["mean area"], [0, 500, 1000, np.inf],
                                 labels=["small", "medium", "large"]).astype(str),
                     rough=X["mean texture"] > 20)
    counts = y.value_counts()
    rare = counts.index[-1]
    keep_rare = max(2, int(round(counts.iloc[0] / ratio)))
    rng = np.random.default_rng(random_state)
    rare_rows = rng.choice(np.flatnonzero(y == rare), size=min(keep_rare, counts[rare]), replace=False)
    rows = np.sort(np.r_[np.flatnonzero(y != rare), rare_rows])
    return X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)
