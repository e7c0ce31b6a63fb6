"""Image folders in and out (one subfolder per class), and a torch ``Dataset`` over image arrays."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganaug.data.validation import check_images
from ganaug.errors import InputError
from ganaug.fileformat import atomic_folder

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
                       originals: list[Path] | None = None, replace: bool = False) -> Path:
    """Write images into ``out/<label>/`` as a new folder, atomically (temp folder, then rename).

    The first ``len(originals)`` images are copied from those files byte for
    byte; the rest are written as ``synthetic_<i>.png``. An existing ``out``
    is refused, or with ``replace`` swapped for the new folder once it is complete.
    """
    from PIL import Image

    out = Path(out)
    originals = originals or []
    folders = {label: class_folder_name(label) for label in dict.fromkeys(labels)}  # checked before writing
    with atomic_folder(out, replace=replace) as staging:
        for i, (image, label) in enumerate(zip(images, labels)):
            target = staging / folders[label]
            target.mkdir(exist_ok=True)
            if i < len(originals):
                shutil.copy2(originals[i], target / originals[i].name)
            else:
                Image.fromarray(np.asarray(image, dtype=np.uint8)).save(target / f"synthetic_{i:06d}.png")
    return out


def class_folder_name(label: Any) -> str:
    """The folder name of a class: its label as text, refused when it is not a plain name.

    A label such as ``"../x"`` or ``"/tmp/x"`` would write outside the output
    folder, and ``"."`` into it; such labels get an InputError.
    """
    name = str(label.item() if isinstance(label, np.generic) else label)
    separators = {"/", "\\", os.sep, os.altsep or "/", "\0"}
    if name in ("", ".", "..") or any(sep in name for sep in separators) or Path(name).is_absolute():
        raise InputError(f"class label {name!r} cannot be a folder name (it is empty, '.', '..' or holds a "
                         "path separator), so its images could land outside the output folder. Rename the "
                         "class to a plain name.")
    return name


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
