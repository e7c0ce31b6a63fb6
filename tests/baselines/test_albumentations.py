"""The albumentations image oversampler (ganaug.baselines.albumentations)."""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from ganaug.baselines import AlbumentationsOverSampler  # noqa: E402
from ganaug.evaluation import evaluate
from ganaug.testing import tiny_images


@pytest.mark.parametrize("channels", [None, 3])
def test_grows_classes_with_transformed_images(channels):
    images, y = tiny_images(channels=channels)
    sampler = AlbumentationsOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(images, y)
    assert X_res.dtype == images.dtype and X_res.shape[1:] == images.shape[1:]
    np.testing.assert_array_equal(X_res[: len(images)], images)
    assert y_res.value_counts().to_dict() == {"major": 40, "minor": 40, "rare": 40}
    new = X_res[sampler.sample_is_synthetic_]
    # transformed, not copied: no new image equals a real one of its class
    assert not any((new[i] == images).all(axis=tuple(range(1, images.ndim))).any() for i in range(len(new)))
    again, _ = AlbumentationsOverSampler(random_state=0).fit_resample(images, y)
    np.testing.assert_array_equal(X_res, again)


def test_user_pipeline_is_used():
    images, y = tiny_images()
    calls = []

    def invert(image):
        calls.append(image.shape)
        return {"image": 255 - image}

    X_res, _ = AlbumentationsOverSampler(transform=invert, sampling_strategy={"rare": 6},
                                         random_state=0).fit_resample(images, y)
    assert len(calls) == 2 and calls[0] == (8, 8, 1)  # grey images get a channel axis for the call
    rare = images[np.asarray(y) == "rare"]
    assert all(any((255 - r == new).all() for r in rare) for new in X_res[len(images):])


def test_evaluate_compares_image_samplers():
    images, y = tiny_images(n_major=40, n_minor=16)
    samplers = ["none", "ros", "smote", "albumentations"]
    results = evaluate(images, y, samplers, {"knn": KNeighborsClassifier(3)},
                       cv=StratifiedKFold(2, shuffle=True, random_state=0), metrics=["balanced_accuracy"])
    scores = results[results["metric"] == "balanced_accuracy"]
    assert set(scores["sampler"]) == {"none", "ros", "smote", "albumentations"}
    assert scores["value"].between(0, 1).all()
