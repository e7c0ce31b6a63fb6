"""The image codec: image arrays to the ``(n, C, S, S)`` tensors image GANs train on, and back.

Images arrive as ``(n, H, W)`` (grey) or ``(n, H, W, C)`` arrays, uint8 or
float. The encoder maps them to ``(n, C, S, S)`` float32 tensors in [-1, 1],
where ``S`` is the smallest ``4 * 2**k`` that holds ``H`` and ``W``, so every
convolutional generator works with whole upsampling steps; decoding resizes
back to ``H x W`` and restores the dtype and value range.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F


class ImageCodec:
    """Images <-> ``(n, C, S, S)`` float32 tensors in [-1, 1] (the codec of ``"image"`` data).

    uint8 images map 0..255 to -1..1; float images map their observed
    ``[min, max]`` range to -1..1, and both come back in their own range and dtype.
    """

    kind = "image"

    def fit(self, images: np.ndarray) -> ImageCodec:
        """Learn the images' shape, dtype and value range; sets ``side_`` and ``n_features_``."""
        if images.dtype == np.uint8:
            low, high = 0.0, 255.0
        else:
            low, high = float(images.min()), float(images.max())
            if high == low:
                high = low + 1.0
        return self._configure(images.shape[1:], images.dtype, low, high)

    def _configure(self, shape: tuple[int, ...], dtype: Any, low: float, high: float) -> ImageCodec:
        self.shape_, self.dtype_ = tuple(shape), np.dtype(dtype)  # (H, W) or (H, W, C)
        self.channels_ = 1 if len(self.shape_) == 2 else self.shape_[-1]
        self.low_, self.high_ = low, high
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

    def inverse_transform(self, encoded: np.ndarray, random_state: np.random.Generator | None = None
                          ) -> np.ndarray:
        """``(n, C, S, S)`` -> images shaped, typed and scaled like the training images.

        ``random_state`` is accepted for the codec interface and not used:
        pixels are decoded as they are.
        """
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
        return {"kind": self.kind, "shape": list(self.shape_), "dtype": np.dtype(self.dtype_).str,
                "low": self.low_, "high": self.high_}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ImageCodec:
        """Rebuild a fitted codec from :meth:`get_state`'s output."""
        shape, dtype = state["shape"], np.dtype(state["dtype"])
        sides_ok = isinstance(shape, list) and len(shape) in (2, 3) and \
            all(isinstance(side, int) and side > 0 for side in shape)
        if not sides_ok or dtype.kind not in "uif":
            raise ValueError(f"an image codec needs a shape (H, W[, C]) and a numeric dtype, got {shape}, "
                             f"{dtype}")
        return cls()._configure(tuple(shape), dtype, float(state["low"]), float(state["high"]))
