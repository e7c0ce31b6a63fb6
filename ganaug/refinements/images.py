"""Label-preserving transforms of synthetic images (the ``augment`` refinement; needs albumentations)."""

from __future__ import annotations

from typing import Any

import numpy as np


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
