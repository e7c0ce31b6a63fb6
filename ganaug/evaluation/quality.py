"""Generator quality for images, without downloaded weights.

- :class:`SmallCNN`: a small convolutional classifier (scikit-learn style) used
  as a downstream classifier and as the feature extractor below.
- :func:`classification_accuracy_score` (CAS, Ravuri & Vinyals 2019): train a
  classifier on synthetic images only, test it on real ones, and compare with
  the same classifier trained on real images.
- :func:`frechet_distance`: the Fréchet distance between Gaussians fitted to
  real and synthetic features, as FID does, but in the penultimate layer of a
  SmallCNN trained on the real training images instead of Inception.
- :func:`sample_grid`: a PNG-ready figure with a row of samples per class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from scipy import linalg
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import balanced_accuracy_score
from torch import nn


class SmallCNN(BaseEstimator, ClassifierMixin):
    """Two 3x3 conv blocks and a 64-unit layer; trains on CPU in seconds on small images.

    Accepts images ``(n, H, W[, C])`` or flattened pixels with ``side`` given.
    """

    def __init__(self, epochs: int = 30, batch_size: int = 64, lr: float = 2e-3, side: int | None = None,
                 random_state: int = 0) -> None:
        self.epochs, self.batch_size, self.lr = epochs, batch_size, lr
        self.side, self.random_state = side, random_state

    def _tensor(self, X: Any) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(X, dtype=np.float32))
        if x.ndim == 2:  # flattened pixels
            side = self.side or int(round(np.sqrt(x.shape[1])))
            x = x.view(len(x), -1, side, side)
        elif x.ndim == 3:
            x = x.unsqueeze(1)
        else:
            x = x.permute(0, 3, 1, 2)
        return x / self.scale_  # (n, C, H, W) in about [0, 1]

    def fit(self, X: Any, y: Any) -> SmallCNN:
        self.classes_, targets = np.unique(np.asarray(y), return_inverse=True)
        self.scale_ = max(float(np.abs(np.asarray(X, dtype=np.float32)).max()), 1e-12)
        x, t = self._tensor(X), torch.as_tensor(targets)
        with torch.random.fork_rng():
            torch.manual_seed(self.random_state)
            self.body_ = nn.Sequential(
                nn.Conv2d(x.shape[1], 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
                nn.Linear(128, 64), nn.ReLU())
            self.head_ = nn.Linear(64, len(self.classes_))
            params = [*self.body_.parameters(), *self.head_.parameters()]
            optimizer = torch.optim.Adam(params, lr=self.lr)
            for _ in range(self.epochs):
                for batch in torch.randperm(len(x)).split(self.batch_size):
                    loss = nn.functional.cross_entropy(self.head_(self.body_(x[batch])), t[batch])
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
        return self

    @torch.no_grad()
    def features(self, X: Any) -> np.ndarray:
        """Penultimate-layer features ``(n, 64)``."""
        return self.body_(self._tensor(X)).numpy()

    @torch.no_grad()
    def predict_proba(self, X: Any) -> np.ndarray:
        return torch.softmax(self.head_(self.body_(self._tensor(X))), dim=1).numpy()

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def classification_accuracy_score(
    synthetic: np.ndarray, synthetic_labels: np.ndarray,
    real_train: np.ndarray, real_train_labels: np.ndarray,
    real_test: np.ndarray, real_test_labels: np.ndarray, classifier: Any = None,
) -> dict[str, float]:
    """CAS: balanced accuracy on real test images of a classifier trained on synthetic ones only.

    Returns ``{"cas": ..., "real": ..., "ratio": cas / real}`` where ``real``
    is the same classifier trained on the real training images.
    """
    classifier = classifier if classifier is not None else SmallCNN()
    cas = balanced_accuracy_score(real_test_labels, clone(classifier).fit(synthetic, synthetic_labels)
                                  .predict(real_test))
    real = balanced_accuracy_score(real_test_labels, clone(classifier).fit(real_train, real_train_labels)
                                   .predict(real_test))
    return {"cas": float(cas), "real": float(real), "ratio": float(cas / real) if real else float("nan")}


def frechet_distance(real: np.ndarray, synthetic: np.ndarray, extractor: SmallCNN) -> float:
    """Fréchet distance between Gaussians of ``extractor`` features of real and synthetic images."""
    a, b = extractor.features(real).astype(np.float64), extractor.features(synthetic).astype(np.float64)
    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    # a small ridge keeps the product's square root defined when features are degenerate
    ridge = 1e-6 * np.eye(a.shape[1])
    cov_a, cov_b = np.cov(a, rowvar=False) + ridge, np.cov(b, rowvar=False) + ridge
    root = linalg.sqrtm(cov_a @ cov_b)
    return float(((mean_a - mean_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * np.real(root)))


def sample_grid(images: np.ndarray, labels: np.ndarray, per_class: int = 10, title: str = "") -> Figure:
    """A figure with one row of up to ``per_class`` images per class."""
    classes = list(dict.fromkeys(np.sort(np.unique(labels))))
    fig = Figure(figsize=(per_class * 0.8, len(classes) * 0.8 + 0.4), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(classes), per_class, squeeze=False))
    for row, label in enumerate(classes):
        chosen = images[np.asarray(labels) == label][:per_class]
        for col in range(per_class):
            ax = axes[row, col]
            ax.axis("off")
            if col < len(chosen):
                ax.imshow(chosen[col], cmap="gray" if chosen[col].ndim == 2 else None)
        axes[row, 0].set_title(str(label), fontsize="x-small", loc="left")
    if title:
        fig.suptitle(title, fontsize="small")
    return fig


def real_and_synthetic_grid(real: np.ndarray, real_labels: np.ndarray, synthetic: np.ndarray,
                            synthetic_labels: np.ndarray, per_class: int = 8, title: str = "") -> Figure:
    """One row per class: up to ``per_class`` real images, then as many synthetic ones.

    Only classes that got synthetic images are shown; a class with fewer
    images leaves its panels empty.
    """
    classes = [c for c in dict.fromkeys(np.sort(np.unique(synthetic_labels)))]
    fig = Figure(figsize=(2 * per_class * 0.75 + 0.3, max(len(classes), 1) * 0.8 + 0.6), layout="constrained")
    axes = np.atleast_2d(fig.subplots(max(len(classes), 1), 2 * per_class, squeeze=False))
    for row, label in enumerate(classes):
        sides = (np.asarray(real)[np.asarray(real_labels) == label][:per_class],
                 np.asarray(synthetic)[np.asarray(synthetic_labels) == label][:per_class])
        for side, chosen in enumerate(sides):
            for col in range(per_class):
                ax = axes[row, side * per_class + col]
                ax.set_xticks([])
                ax.set_yticks([])
                if col < len(chosen):
                    ax.imshow(chosen[col], cmap="gray" if chosen[col].ndim == 2 else None)
                else:
                    ax.axis("off")
        axes[row, 0].set_ylabel(f"class {label!s}", fontsize="x-small", rotation=0, ha="right", va="center")
        if row == 0:
            axes[0, 0].set_title("real", fontsize="small", loc="left")
            axes[0, per_class].set_title("synthetic", fontsize="small", loc="left")
    if title:
        fig.suptitle(f"{title}: real (left) and synthetic (right) images", fontsize="small")
    return fig
