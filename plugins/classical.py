"""``albumentations``: classical augmentation of real images, the image default (not a GAN).

New images of a class are its own real images through random label-preserving
transforms (shifts, rotations, scales, mild elastic warps, brightness and
contrast; :func:`ganaug.refinements.default_transform`). On the long-tailed
digits of the image benchmark it beats every GAN backend at their defaults
and costs a fraction of a second, so ``GANOverSampler()`` uses it for images
when no backend is named. Needs ``pip install 'ganaug[images]'``.

A saved model holds the training images themselves (they are what it draws
from): share its file as you would the images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ganaug.plugin import (
    Backend,
    DataShape,
    OptionsBase,
    TrainingControl,
    TrainingData,
    augment_one,
    default_transform,
    hookimpl,
)


@dataclass
class ClassicalOptions(OptionsBase):
    """Options of the ``albumentations`` backend: the strength of each transform.

    ``epochs`` and ``batch_size`` are accepted so that sampler settings shared by
    every backend work here too; nothing is trained (``learns = False``), so they
    change nothing.
    """

    translate: float = 0.1  # largest shift, a fraction of the side
    rotate: float = 15.0  # largest rotation, degrees
    scale: float = 0.1  # largest change of size, a fraction
    elastic: float = 0.3  # share of images with a mild elastic warp
    brightness_contrast: float = 0.15  # largest change of each (on half the images)
    epochs: int | None = None
    batch_size: int | None = None

    def __post_init__(self) -> None:
        for name in ("translate", "scale", "elastic", "brightness_contrast"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name}={value!r}: give a fraction between 0 and 1.")
        if not 0 <= self.rotate <= 180:
            raise ValueError(f"rotate={self.rotate!r}: give degrees between 0 and 180.")
        super().__post_init__()


class ClassicalBackend(Backend):
    """Each class's real images, kept as they were encoded, drawn through random transforms."""

    name = "albumentations"
    data_kinds = ("image",)
    conditional = True
    Options = ClassicalOptions
    reference = "Shorten & Khoshgoftaar, A survey on image data augmentation, J. Big Data 2019"
    state_tensors = ("images", "class_ends")
    learns = False  # the real images are the model: no epochs, no losses in history_

    def build(self, shape: DataShape) -> None:
        default_transform()  # fails now, naming the package to install, if albumentations is missing
        self.images = torch.zeros(0, *shape.sample_shape)  # (n, C, S, S) in [-1, 1], sorted by class
        self.class_ends = torch.zeros(shape.n_classes, dtype=torch.long)  # (k,) end of each class's rows

    def setup(self, data: TrainingData) -> None:
        super().setup(data)
        order = torch.argsort(data.y.cpu(), stable=True)
        self.images = data.X.cpu()[order]
        self.class_ends = torch.bincount(data.y.cpu(), minlength=len(self.class_ends)).cumsum(0)

    def train(self, data: TrainingData, control: TrainingControl) -> None:
        """Nothing to learn: the real images are the model."""

    def sample(self, n: int, class_index: int, generator: torch.Generator) -> torch.Tensor:
        end = int(self.class_ends[class_index])
        start = int(self.class_ends[class_index - 1]) if class_index else 0
        if end == start:
            raise ValueError(f"class index {class_index} had no images to transform.")
        if n == 0:
            return torch.zeros(0, *self.images.shape[1:], device=self.device)
        picks = start + torch.randint(end - start, (n,), generator=generator)
        seed = int(torch.randint(2**31 - 1, (), generator=generator))
        opts = self.options
        transform = default_transform(seed, translate=opts.translate, rotate=opts.rotate, scale=opts.scale,
                                      elastic=opts.elastic, brightness_contrast=opts.brightness_contrast)
        # (n, C, S, S) in [-1, 1] -> (n, S, S, C) in [0, 1], the float range albumentations expects
        pixels = ((self.images[picks] + 1) / 2).permute(0, 2, 3, 1).numpy()
        grey = pixels.shape[-1] == 1  # transformed as (S, S): some transforms drop a single channel axis
        moved = np.stack([augment_one(transform, image[..., 0] if grey else image) for image in pixels])
        moved = moved[..., None] if grey else moved
        out = torch.from_numpy(np.ascontiguousarray(moved, dtype=np.float32)).permute(0, 3, 1, 2)
        return (out * 2 - 1).clamp(-1, 1).to(self.device)


@hookimpl
def register_backends(register):
    register(ClassicalBackend)
