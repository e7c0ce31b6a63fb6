"""DiffAugment (Zhao et al., NeurIPS 2020): differentiable augmentations for data-efficient GANs.

The same random colour, translation and cutout transforms are applied to real
and generated images, in the critic's and the generator's steps alike, so the
critic cannot memorise a tiny class and the generator still learns the
un-augmented distribution. Inputs are ``(n, C, H, W)`` tensors in [-1, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")


def diff_augment(x: torch.Tensor, policy: str = "color,translation,cutout") -> torch.Tensor:
    """Apply the comma-separated ``policy`` (any of POLICIES) to a batch; "" is the identity."""
    for name in [p for p in policy.split(",") if p]:
        x = _TRANSFORMS[name](x)
    return x


def check_policy(policy: str) -> None:
    unknown = [p for p in policy.split(",") if p and p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown DiffAugment policy {unknown}; use a comma-separated subset of {POLICIES}")


def color(x: torch.Tensor) -> torch.Tensor:
    """Random brightness, saturation and contrast per image."""
    n = x.shape[0]
    x = x + (torch.rand(n, 1, 1, 1, device=x.device) - 0.5)  # brightness
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) * 2) + mean  # saturation
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) + 0.5) + mean  # contrast


def translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size, filling with zeros."""
    n, _, h, w = x.shape
    shift = torch.randint(-int(h * ratio + 0.5), int(h * ratio + 0.5) + 1, (n, 2), device=x.device)
    theta = torch.zeros(n, 2, 3, device=x.device)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, 0, 2] = shift[:, 0] * 2 / w  # normalised coordinates span 2
    theta[:, 1, 2] = shift[:, 1] * 2 / h
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="nearest", padding_mode="zeros", align_corners=False)


def cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero a random square of ``ratio`` times the image size in each image."""
    n, _, h, w = x.shape
    size_h, size_w = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + 1 - size_h % 2, (n, 1, 1), device=x.device)
    cx = torch.randint(0, w + 1 - size_w % 2, (n, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    inside = ((ys - cy).abs() <= size_h // 2) & ((xs - cx).abs() <= size_w // 2)  # (n, h, w)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_TRANSFORMS = {"color": color, "translation": translation, "cutout": cutout}
