"""The mixed image oversampler: new images from a GAN and from classical augmentation, in a set proportion.

The two kinds of new image add different variety. A GAN adds shapes that no
real image of a rare class has (``cyclegan`` borrows them from a large
class); transforms of the real images add poses and strokes that stay true
to the class. On the long-tailed digits (README, Benchmarks) a quarter of
the new images from ``cyclegan`` and three quarters from albumentations beat
either alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone

from ganaug.baselines.albumentations import AlbumentationsOverSampler, check_image_task
from ganaug.data.target import restore_target
from ganaug.errors import InputError
from ganaug.sampler import GANOverSampler


def default_gan(**options: Any) -> GANOverSampler:
    """The GAN part of the mix unless you pass your own: ``cyclegan`` with ``refine="augment"``."""
    return GANOverSampler(backend="cyclegan", refine="augment", **options)


class MixedOverSampler(BaseEstimator):
    """Grow image classes with GAN samples and augmented real images, ``gan_fraction`` of them from the GAN.

    Parameters
    ----------
    gan : GANOverSampler, optional
        The GAN part, cloned and trained on all of ``(X, y)``; default
        :func:`default_gan` (``cyclegan`` with ``refine="augment"``).
    augmenter : AlbumentationsOverSampler, optional
        The classical part, cloned; default ``AlbumentationsOverSampler()``.
    gan_fraction : float, default=0.25
        Share of each class's new images drawn from the GAN (rounded per
        class); the others are augmented copies of the class's real images.
    sampling_strategy : imbalanced-learn forms, default="auto"
    random_state : int, optional
        Passed to both parts (where given), so runs are reproducible.

    Attributes
    ----------
    sampling_strategy_ : dict
        ``{class: images added}``.
    gan_ : GANOverSampler
        The fitted GAN part (None when ``gan_fraction`` is 0).
    sample_source_ : ndarray of str
        ``"real"``, ``"gan"`` or ``"augmented"`` for each returned image.
    sample_is_synthetic_ : ndarray of bool
    """

    data_kinds = ("image",)  # what it can resample: evaluate() refuses it on a table up front

    def __init__(self, gan: GANOverSampler | None = None, augmenter: Any = None, gan_fraction: float = 0.25,
                 sampling_strategy: Any = "auto", random_state: int | None = None) -> None:
        self.gan = gan
        self.augmenter = augmenter
        self.gan_fraction = gan_fraction
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    def fit_resample(self, X: Any, y: Any) -> tuple[np.ndarray, Any]:
        """Return the images with GAN and augmented ones appended (originals first, same dtype)."""
        if not 0.0 <= self.gan_fraction <= 1.0:
            raise InputError(f"gan_fraction={self.gan_fraction!r}: use a share between 0 and 1.")
        images, y_arr, self.sampling_strategy_ = check_image_task(X, y, self.sampling_strategy)
        from_gan = {c: int(round(self.gan_fraction * n)) for c, n in self.sampling_strategy_.items()}
        gan_images, gan_labels = self._from_gan(images, y_arr, from_gan)
        aug_images, aug_labels = self._augmented(images, y_arr, from_gan)
        added = np.concatenate([gan_images, aug_images]).astype(images.dtype)
        self.sample_source_ = np.repeat(["real", "gan", "augmented"],
                                        [len(images), len(gan_images), len(aug_images)])
        self.sample_is_synthetic_ = self.sample_source_ != "real"
        y_new = np.concatenate([gan_labels, aug_labels]).astype(y_arr.dtype)
        return np.concatenate([images, added]), restore_target(y, y_arr, y_new)

    def _from_gan(self, images: np.ndarray, y: np.ndarray, counts: dict) -> tuple[np.ndarray, np.ndarray]:
        self.gan_ = None
        counts = {c: n for c, n in counts.items() if n > 0}
        if not counts:
            return images[:0], y[:0]
        self.gan_ = self._configured(self.gan, default_gan, self.sampling_strategy).fit(images, y)
        return self.gan_.generate(counts)

    def _augmented(self, images: np.ndarray, y: np.ndarray, from_gan: dict) -> tuple[np.ndarray, np.ndarray]:
        rest = {c: n - from_gan[c] for c, n in self.sampling_strategy_.items() if n > from_gan[c]}
        if not rest:
            return images[:0], y[:0]
        present = dict(zip(*np.unique(y, return_counts=True)))
        targets = {c: int(present[c] + n) for c, n in rest.items()}  # imbalanced-learn's dict: counts after
        augmenter = self._configured(self.augmenter, AlbumentationsOverSampler, targets)
        X_res, y_res = augmenter.fit_resample(images, y)
        return X_res[len(images):], np.asarray(y_res)[len(images):]

    def _configured(self, part: Any, make_default: Callable[[], Any], strategy: Any) -> Any:
        """A clone of ``part`` (or ``make_default()``) with this sampler's strategy and seed."""
        part = clone(part) if part is not None else make_default()
        if self.random_state is not None:
            part.set_params(random_state=self.random_state)
        return part.set_params(sampling_strategy=strategy)
