"""The albumentations backend (plugins/classical.py): real images of the class, transformed."""

import numpy as np
import pytest
import torch

from ganaug import GANOverSampler
from ganaug.errors import OptionsError
from ganaug.testing import tiny_images

STILL = {"translate": 0.0, "rotate": 0.0, "scale": 0.0, "elastic": 0.0, "brightness_contrast": 0.0}


def test_with_every_transform_off_new_images_are_real_images_of_their_own_class():
    images, labels = tiny_images()
    sampler = GANOverSampler(backend="albumentations", random_state=0, **STILL)
    X_res, y_res = sampler.fit_resample(images, labels)
    new, new_labels = X_res[sampler.sample_is_synthetic_], np.asarray(y_res)[sampler.sample_is_synthetic_]
    for image, label in zip(new, new_labels):
        own = images[labels.to_numpy() == label]
        assert any(np.array_equal(image, real) for real in own), label


def test_transforms_move_the_pixels_and_keep_the_range():
    images, labels = tiny_images(side=28)
    sampler = GANOverSampler(backend="albumentations", random_state=0)
    X_res, _ = sampler.fit_resample(images, labels)
    new = X_res[sampler.sample_is_synthetic_]
    assert not any(np.array_equal(image, real) for image in new[:10] for real in images)
    assert new.dtype == np.uint8 and new.shape[1:] == (28, 28)


def test_a_draw_of_none_and_a_strength_out_of_range():
    images, labels = tiny_images()
    model = next(iter(GANOverSampler(backend="albumentations", random_state=0).fit(images, labels)
                      .backends_.values()))
    assert model.sample(0, 1, torch.Generator().manual_seed(0)).shape == (0, 1, 8, 8)
    assert not model.learns and model.history_ == []
    with pytest.raises(OptionsError, match="rotate=200"):
        GANOverSampler(backend="albumentations", rotate=200).fit(images, labels)
