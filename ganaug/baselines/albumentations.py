"""The classical image oversampler, albumentations transforms of real images: the baseline GANs must beat.

Each class to grow gets new images made by random affine, elastic and
brightness/contrast transforms of its own real images. Needs the optional
``albumentations`` package (``pip install 'ganaug[images]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ganaug.data.target import check_target, restore_target, target_counts
from ganaug.data.validation import check_images
from ganaug.refinements import augment_one, default_transform


class AlbumentationsOverSampler(BaseEstimator):
    """Grow image classes with augmented copies of their real images.

    Parameters
    ----------
    transform : albumentations transform, optional
        Any callable ``transform(image=array)["image"]``; default
        :func:`default_transform`.
    sampling_strategy : imbalanced-learn forms, default="auto"
    random_state : int, optional
        Seeds the choice of source images and the default transform.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{class: images generated}``.
    sample_is_synthetic_ : ndarray of bool
    """

    data_kinds = ("image",)  # what it can resample: evaluate() refuses it on a table up front

    def __init__(self, transform: Any = None, sampling_strategy: Any = "auto",
                 random_state: int | None = None) -> None:
        self.transform = transform
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def fit_resample(self, X: Any, y: Any) -> tuple[np.ndarray, Any]:
        """Return the images with augmented ones appended (originals first, same dtype)."""
        transform = self.transform or default_transform(self.random_state)
        images, y_arr, self.sampling_strategy_ = check_image_task(X, y, self.sampling_strategy)
        rng = np.random.default_rng(self.random_state)
        new_images, new_labels = [], []
        for label, n in self.sampling_strategy_.items():
            sources = rng.choice(np.flatnonzero(y_arr == label), size=n)
            new_images += [augment_one(transform, images[i]) for i in sources]
            new_labels += [label] * n
        added = np.stack(new_images) if new_images else images[:0]
        self.sample_is_synthetic_ = np.r_[np.zeros(len(images), bool), np.ones(len(added), bool)]
        y_new = np.asarray(new_labels, dtype=y_arr.dtype)
        return np.concatenate([images, added.astype(images.dtype)]), restore_target(y, y_arr, y_new)


def check_image_task(X: Any, y: Any, sampling_strategy: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(images, labels, {class: images to add})`` of an image oversampling call, or a clear InputError."""
    images = check_images(X)
    y_arr = check_target(y, len(images))
    return images, y_arr, target_counts(sampling_strategy, y_arr)
