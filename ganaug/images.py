"""Image arrays in and out: validation and the encoder that image backends train on.

Images arrive as ``(n, H, W)`` (grey) or ``(n, H, W, C)`` arrays, uint8 or
float. The encoder maps them to ``(n, C, S, S)`` float32 tensors in [-1, 1],
where ``S`` is the smallest ``4 * 2**k`` that holds ``H`` and ``W``, so every
convolutional generator works with whole upsampling steps; decoding resizes
back to ``H x W`` and restores the dtype and value range.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ganaug.validation import InputError

MIN_SIDE, MAX_SIDE = 8, 512


def is_image_array(X: Any) -> bool:
    """True for ``(n, H, W)`` or ``(n, H, W, C)`` numeric arrays (C in 1, 3, 4)."""
    if not isinstance(X, np.ndarray | list | tuple):
        return False
    shape = np.shape(X) if not isinstance(X, list | tuple) or _same_shapes(X) else None
    if shape is None:  # a list of images of different shapes: let check_images explain
        return True
    return len(shape) == 3 or (len(shape) == 4 and shape[-1] in (1, 3, 4))


def _same_shapes(images: list | tuple) -> bool:
    return len({np.shape(image) for image in images}) <= 1


def check_images(X: Any) -> np.ndarray:
    """Return the images as one array, or raise an error naming the problem and the fix."""
    if isinstance(X, list | tuple) and not _same_shapes(X):
        shapes = sorted({np.shape(image) for image in X})
        raise InputError(f"images have different shapes {shapes[:4]}; resize them to one size first "
                         "(e.g. PIL.Image.resize) or crop them.")
    images = np.asarray(X)
    if images.dtype == bool or not np.issubdtype(images.dtype, np.number) or \
            np.issubdtype(images.dtype, np.complexfloating):
        raise InputError(f"images must be uint8 or float arrays, not {images.dtype}.")
    if len(images) == 0:
        raise InputError("no images given.")
    if images.ndim not in (3, 4):
        raise InputError(f"images must be an (n, H, W) or (n, H, W, C) array, got shape {images.shape}; "
                         "for a table use GANOverSampler, which takes tables too.")
    height, width = images.shape[1:3]
    if min(height, width) < MIN_SIDE or max(height, width) > MAX_SIDE:
        raise InputError(f"images are {height}x{width}; ganaug's image backends take sides from "
                         f"{MIN_SIDE} to {MAX_SIDE} pixels. Resize them into that range.")
    if not np.isfinite(images).all():
        raise InputError("images contain NaN or infinite pixels; replace them first.")
    return images


class ImageEncoder:
    """Images <-> ``(n, C, S, S)`` float32 tensors in [-1, 1].

    uint8 images map 0..255 to -1..1; float images map their observed
    ``[min, max]`` range to -1..1, and both come back in their own range and dtype.
    """

    def fit(self, images: np.ndarray) -> ImageEncoder:
        self.shape_ = images.shape[1:]  # (H, W) or (H, W, C)
        self.dtype_ = images.dtype
        self.channels_ = 1 if images.ndim == 3 else images.shape[-1]
        if images.dtype == np.uint8:
            self.low_, self.high_ = 0.0, 255.0
        else:
            self.low_, self.high_ = float(images.min()), float(images.max())
            if self.high_ == self.low_:
                self.high_ = self.low_ + 1.0
        self.side_ = 4
        while self.side_ < max(self.shape_[:2]):
            self.side_ *= 2
        self.n_features_ = self.channels_ * self.side_ * self.side_
        self.layout_ = ()
        return self

    def transform(self, images: np.ndarray) -> np.ndarray:
        """``(n, H, W[, C])`` -> ``(n, C, S, S)`` float32 in [-1, 1]."""
        x = torch.from_numpy(np.asarray(images, dtype=np.float32))
        x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)  # (n, C, H, W)
        x = (x - self.low_) / (self.high_ - self.low_) * 2 - 1
        if x.shape[-2:] != (self.side_, self.side_):
            x = F.interpolate(x, size=(self.side_, self.side_), mode="bilinear", align_corners=False)
        return x.numpy()

    def inverse_transform(self, encoded: np.ndarray) -> np.ndarray:
        """``(n, C, S, S)`` -> images shaped, typed and scaled like the training images."""
        x = torch.as_tensor(np.asarray(encoded, dtype=np.float32)).reshape(
            -1, self.channels_, self.side_, self.side_)
        height, width = self.shape_[:2]
        if (height, width) != (self.side_, self.side_):
            x = F.interpolate(x, size=(height, width), mode="bilinear", align_corners=False, antialias=True)
        x = ((x.clamp(-1, 1) + 1) / 2 * (self.high_ - self.low_) + self.low_)
        x = x.squeeze(1) if len(self.shape_) == 2 else x.permute(0, 2, 3, 1)
        values = x.numpy()
        if np.issubdtype(self.dtype_, np.integer):
            values = np.round(values)
        # clip after scaling too: float rounding can put a saturated pixel a hair outside the range
        return np.clip(values, self.low_, self.high_).astype(self.dtype_)

    def get_state(self) -> dict[str, Any]:
        """JSON-able state (see :meth:`from_state`)."""
        return {"kind": "image", "shape": list(self.shape_), "dtype": np.dtype(self.dtype_).str,
                "low": self.low_, "high": self.high_}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ImageEncoder:
        encoder = cls()
        encoder.fit(np.zeros((1, *state["shape"]), dtype=np.dtype(state["dtype"])))
        encoder.low_, encoder.high_ = state["low"], state["high"]
        return encoder


# ---- image folders and a torch Dataset view ---------------------------------------
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def read_image_folder(folder: str | Path) -> tuple[np.ndarray, np.ndarray, list[Path]]:
    """Images from ``folder/<class>/*.png|jpg``: ``(images, labels, files)``.

    All images must have one size. Grey images give ``(n, H, W)``; if any image
    has colour, all are read as RGB ``(n, H, W, 3)``. uint8 throughout.
    """
    from PIL import Image

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"image folder {str(folder)!r} does not exist or is not a folder.")
    files = sorted(f for f in folder.glob("*/*") if f.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise InputError(f"no PNG/JPEG images in class subfolders of {str(folder)!r}; expected "
                         "folder/<class name>/<image>.png.")
    opened = []
    for file in files:
        try:
            with Image.open(file) as image:
                opened.append(image.copy())
        except OSError as err:
            raise InputError(f"cannot read image {str(file)!r}: {err}") from None
    mode = "L" if all(image.mode in ("L", "1", "I;16") for image in opened) else "RGB"
    images = check_images([np.asarray(image.convert(mode)) for image in opened])
    return images.astype(np.uint8), np.asarray([f.parent.name for f in files], dtype=object), files


def write_image_folder(images: np.ndarray, labels: np.ndarray, out: str | Path,
                       originals: list[Path] | None = None) -> Path:
    """Write images into ``out/<label>/`` as a new folder, atomically (temp folder, then rename).

    The first ``len(originals)`` images are copied from those files byte for
    byte; the rest are written as ``synthetic_<i>.png``.
    """
    import shutil
    import tempfile

    from PIL import Image

    out = Path(out)
    originals = originals or []
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for i, (image, label) in enumerate(zip(images, labels)):
            target = staging / str(label)
            target.mkdir(exist_ok=True)
            if i < len(originals):
                shutil.copy2(originals[i], target / originals[i].name)
            else:
                Image.fromarray(np.asarray(image, dtype=np.uint8)).save(target / f"synthetic_{i:06d}.png")
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


class ImageDataset(torch.utils.data.Dataset):
    """A torch ``Dataset`` over (resampled) images: ``(float tensor (C, H, W) in [0, 1], class index)``.

    ``classes_`` lists the labels in index order; ``transform`` (optional)
    is applied to each image tensor.
    """

    def __init__(self, images: np.ndarray, labels: Any, transform: Any = None) -> None:
        self.images = np.asarray(images)
        self.classes_, self.targets = np.unique(np.asarray(labels), return_inverse=True)
        self.transform = transform
        self._scale = 255.0 if self.images.dtype == np.uint8 else 1.0

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        image = torch.as_tensor(self.images[index], dtype=torch.float32) / self._scale
        image = image.unsqueeze(0) if image.ndim == 2 else image.permute(2, 0, 1)  # (C, H, W)
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.targets[index])
