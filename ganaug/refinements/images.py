"""Label-preserving transforms of synthetic images (the ``augment`` refinement; needs albumentations)."""

from __future__ import annotations

from typing import Any

import numpy as np


def default_transform(random_state: int | None = None, *, translate: float = 0.1, rotate: float = 15.0,
                      scale: float = 0.1, elastic: float = 0.3, brightness_contrast: float = 0.15) -> Any:
    """Shifts, rotations and scales, mild elastic warps, brightness and contrast.

    Parameters
    ----------
    random_state : int, optional
        Seeds the transform's random draws.
    translate, rotate, scale : float
        Largest shift (a fraction of the side), rotation (degrees) and change of size (a fraction).
    elastic : float
        Share of images that get a mild elastic warp.
    brightness_contrast : float
        Largest change of brightness and of contrast (applied to half the images).
    """
    try:
        import albumentations as A
    except ImportError as err:
        raise ImportError("image augmentation (the albumentations baseline, MixedOverSampler, "
                          "refine='augment') needs albumentations: pip install 'ganaug[images]'") from err

    return A.Compose([
        A.Affine(translate_percent=(-translate, translate), rotate=(-rotate, rotate),
                 scale=(1 - scale, 1 + scale), p=1.0),
        A.ElasticTransform(alpha=1.0, sigma=10.0, p=elastic),
        A.RandomBrightnessContrast(brightness_limit=brightness_contrast, contrast_limit=brightness_contrast,
                                   p=0.5),
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
