"""Image generator quality: SmallCNN, CAS, Frechet distance, sample grids (ganaug.evaluation.quality)."""

import numpy as np

from ganaug.evaluation.quality import SmallCNN, classification_accuracy_score, frechet_distance, sample_grid
from ganaug.testing import tiny_images


def test_small_cnn_learns_the_tiny_images():
    images, y = tiny_images(n_major=40, n_minor=20)
    model = SmallCNN(epochs=15, random_state=0).fit(images, y)
    assert (model.predict(images) == np.asarray(y)).mean() > 0.9
    assert model.features(images).shape == (len(images), 64)
    assert np.allclose(model.predict_proba(images).sum(axis=1), 1, atol=1e-5)


def test_cas_is_high_for_real_copies_and_frechet_orders_quality():
    images, y = tiny_images(n_major=40, n_minor=20)
    test, y_test = tiny_images(n_major=40, n_minor=20, seed=1)
    cas = classification_accuracy_score(images, y, images, y, test, y_test, SmallCNN(epochs=15))
    assert cas["ratio"] > 0.9  # "synthetic" = the real images: as good as real
    extractor = SmallCNN(epochs=15).fit(images, y)
    noise = np.random.default_rng(0).integers(0, 255, images.shape).astype(np.uint8)
    assert frechet_distance(test, images, extractor) < frechet_distance(test, noise, extractor)


def test_sample_grid_has_a_row_per_class(tmp_path):
    images, y = tiny_images()
    figure = sample_grid(images, np.asarray(y), per_class=4, title="t")
    assert len(figure.axes) == 3 * 4
    figure.savefig(tmp_path / "grid.png")
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"
