"""Image folders in and out (one subfolder per class), and a torch ``Dataset`` over image arrays."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganaug.data.target import check_target
from ganaug.data.validation import InputData, check_images, read_input
from ganaug.errors import GanaugWarning, InputError, UsageError, warn
from ganaug.fileformat import atomic_folder
from ganaug.limits import check_limit, get_limits
from ganaug.paths import check_input_folder

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def read_labelled(X: Any, y: Any) -> tuple[InputData, Any, np.ndarray]:
    """``(data, y, y as an array)`` of a fit: ``X`` and ``y`` checked, or an image folder and its labels.

    A folder path as ``X`` (one subfolder of PNG/JPEG images per class, as
    :func:`read_image_folder` reads) gives its images, and its subfolder names
    as the labels; ``y`` must then be None.
    """
    if isinstance(X, str | os.PathLike):
        if not Path(X).is_dir():
            raise InputError(f"X={str(X)!r} is a path but not a folder: pass an image folder (one subfolder "
                             "per class), or read a table first (pandas.read_csv) and pass its DataFrame.")
        if y is not None:
            raise InputError("an image folder's labels are its subfolders' names: call fit_resample(folder) "
                             "without y.")
        X, y, _ = read_image_folder(X)
    data = read_input(X)
    return data, y, check_target(y, len(data))


def read_image_folder(folder: str | Path) -> tuple[np.ndarray, np.ndarray, list[Path]]:
    """Images from ``folder/<class>/*.png|jpg``: ``(images, labels, files)``.

    All images must have one size. Grey images give ``(n, H, W)``; if any image
    has colour, all are read as RGB ``(n, H, W, 3)``. uint8 throughout.
    """
    from PIL import Image

    folder = Path(folder)
    try:
        check_input_folder(folder, "image folder")
    except UsageError as err:
        raise InputError(str(err)) from None
    # hidden entries (.ipynb_checkpoints/, .DS_Store, a manifest) are no class and no image
    files = sorted(f for f in folder.glob("*/*") if f.suffix.lower() in IMAGE_SUFFIXES
                   and not f.name.startswith(".") and not f.parent.name.startswith(".") and f.is_file())
    if not files:
        raise InputError(f"no PNG/JPEG images in class subfolders of {str(folder)!r}; expected "
                         "folder/<class name>/<image>.png.")
    check_limit("max_synthetic_rows", len(files), f"the image folder {str(folder)!r} (images to read)")
    opened, deep = [], []
    for file in files:
        try:
            with Image.open(file) as image:
                _check_size(file, image.size)  # from the header, before the pixels are decoded
                if image.mode.startswith("I"):
                    deep.append(file)
                opened.append(_eight_bit(file, image))
        except OSError as err:
            raise InputError(f"cannot read image {str(file)!r}: {err}") from None
    if deep:
        warn(f"{len(deep)} images (e.g. {str(deep[0])!r}) have 16-bit pixels; ganaug reads them scaled to "
             "8 bits (0-255).", GanaugWarning)
    mode = "L" if all(image.mode == "L" for image in opened) else "RGB"
    images = check_images([np.asarray(image.convert(mode)) for image in opened])
    return images.astype(np.uint8), np.asarray([f.parent.name for f in files], dtype=object), files


def _check_size(file: Path, size: tuple[int, int]) -> None:
    side = get_limits().max_image_side
    if max(size) > side:
        raise InputError(f"image {str(file)!r} is {size[0]}x{size[1]} pixels, over the limit max_image_side="
                         f"{side}; resize the images first (or raise the limit: ganaug.set_limits).")


def _eight_bit(file: Path, image: Any) -> Any:
    """The image as 8-bit grey ('L') or colour (RGB[A]): 16-bit and 32-bit pixels scaled, not clipped.

    Pillow's own conversion of a 16-bit grey PNG to 8 bits clips every value
    above 255, so such a folder would read as white pages.
    """
    from PIL import Image

    if image.mode in ("1", "L", "P", "RGB", "RGBA", "LA", "CMYK", "YCbCr", "LAB", "HSV"):
        return image.convert("L" if image.mode in ("1", "L", "LA") else "RGB")
    if image.mode.startswith("I;16") or image.mode == "I":
        pixels = np.asarray(image, dtype=np.int64)
        top = 65535 if image.mode.startswith("I;16") or pixels.max(initial=0) <= 65535 else None
        if top is None or pixels.min(initial=0) < 0:
            raise InputError(f"image {str(file)!r} has 32-bit integer pixels outside 0-65535; save it as "
                             "8- or 16-bit PNG first.")
        return Image.fromarray(np.round(pixels * (255 / top)).astype(np.uint8), mode="L")
    raise InputError(f"image {str(file)!r} has pixels of mode {image.mode!r} (floating point or another "
                     "kind ganaug cannot scale); save it as an 8- or 16-bit PNG or a JPEG first.")


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
    taken: dict[str, set[str]] = {name: set() for name in folders.values()}  # file names per class folder
    for i, original in enumerate(originals):
        taken[folders[labels[i]]].add(original.name.lower())
    with atomic_folder(out, replace=replace, kind="images") as staging:
        for i, (image, label) in enumerate(zip(images, labels)):
            target = staging / folders[label]
            target.mkdir(exist_ok=True)
            if i < len(originals):
                shutil.copy2(originals[i], target / originals[i].name)
            else:  # a name no original of the class has (an input that is an earlier output has synthetic_*)
                name = _free_name(f"synthetic_{i:06d}", taken[folders[label]])
                Image.fromarray(np.asarray(image, dtype=np.uint8)).save(target / name)
    return out


def _free_name(stem: str, taken: set[str]) -> str:
    """``stem.png``, or ``stem_1.png``, ``stem_2.png``, ... : the first not in ``taken`` (which it joins)."""
    name, suffix = f"{stem}.png", 0
    while name.lower() in taken:  # lower case: a case-insensitive file system sees A.png and a.png as one
        suffix += 1
        name = f"{stem}_{suffix}.png"
    taken.add(name.lower())
    return name


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
