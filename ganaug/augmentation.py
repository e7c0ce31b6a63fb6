"""Classical image oversampling with albumentations: the baseline GANs have to beat.

Each class to grow gets new images made by random affine, elastic and
brightness/contrast transforms of its own real images. Needs the optional
``albumentations`` package (``pip install 'ganaug[images]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from imblearn.utils import check_sampling_strategy
from sklearn.base import BaseEstimator

from ganaug.images import check_images
from ganaug.validation import InputError, check_target, restore_target


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
            new_images += [_augment(transform, images[i]) for i in sources]
            new_labels += [label] * n
        added = np.stack(new_images) if new_images else images[:0]
        self.sample_is_synthetic_ = np.r_[np.zeros(len(images), bool), np.ones(len(added), bool)]
        y_new = np.asarray(new_labels, dtype=y_arr.dtype)
        return np.concatenate([images, added.astype(images.dtype)]), restore_target(y, y_arr, y_new)


def check_image_task(X: Any, y: Any, sampling_strategy: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(images, labels, {class: images to add})`` of an image oversampling call, or a clear InputError."""
    images = check_images(X)
    y_arr = check_target(y, len(images))
    try:
        strategy = check_sampling_strategy(sampling_strategy, y_arr, "over-sampling")
    except ValueError as err:
        raise InputError(f"sampling_strategy={sampling_strategy!r}: {err}") from None
    return images, y_arr, {label: int(n) for label, n in strategy.items()}


def augment_images(images: np.ndarray, random_state: int | None = None, transform: Any = None) -> np.ndarray:
    """Each image of ``images`` (n, H, W) or (n, H, W, C) through a random transform; same shape and dtype.

    ``transform`` defaults to :func:`default_transform` seeded with ``random_state``.
    """
    transform = transform or default_transform(random_state)
    if not len(images):
        return images
    return np.stack([_augment(transform, image) for image in images]).astype(images.dtype, copy=False)


def _augment(transform: Any, image: np.ndarray) -> np.ndarray:
    # albumentations works on (H, W, C); grey images get a channel axis for the call
    grey = image.ndim == 2
    out = transform(image=image[..., None] if grey else image)["image"]
    return out[..., 0] if grey and out.ndim == 3 else out
