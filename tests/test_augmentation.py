import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from ganaug.evaluation import evaluate
from ganaug.testing import tiny_images

pytest.importorskip("albumentations")

from ganaug.baselines import AlbumentationsOverSampler  # noqa: E402


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


def test_refine_augment_transforms_the_synthetic_images_only(tmp_path):
    from ganaug import GANOverSampler

    images, y = tiny_images()
    options = dict(backend="wgan-gp", epochs=1, batch_size=16, random_state=0)
    raw = GANOverSampler(**options, refine=None).fit(images, y)
    augmented = GANOverSampler(**options, refine="augment").fit(images, y)
    drawn_raw, _ = raw.generate({"rare": 8}, random_state=3)
    drawn, labels = augmented.generate({"rare": 8}, random_state=3)
    assert drawn.shape == drawn_raw.shape and drawn.dtype == np.uint8 and set(labels) == {"rare"}
    # same generator, same noise: the refined images are transforms of the raw ones
    assert not np.array_equal(drawn, drawn_raw)
    np.testing.assert_array_equal(drawn, augmented.generate({"rare": 8}, random_state=3)[0])
    X_res, _ = augmented.fit_resample(images, y)
    np.testing.assert_array_equal(X_res[: len(images)], images)  # the real images are kept as they are
    loaded = GANOverSampler.load(augmented.save(tmp_path / "m.safetensors"))
    np.testing.assert_array_equal(loaded.generate({"rare": 4}, random_state=1)[0],
                                  augmented.generate({"rare": 4}, random_state=1)[0])


def test_refine_augment_on_a_table_is_a_clear_error():
    import pandas as pd

    from ganaug import GANOverSampler
    from ganaug.errors import InputError

    X = pd.DataFrame({"a": np.arange(20.0)})
    y = np.r_[np.zeros(16, int), np.ones(4, int)]
    with pytest.raises(InputError, match="refine='augment' transforms synthetic images"):
        GANOverSampler(refine="augment", epochs=1).fit_resample(X, y)
