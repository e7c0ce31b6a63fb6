"""The image codec (ganaug.data.image) and image checks of ganaug.data.validation."""

import numpy as np
import pytest

from ganaug.data.image import ImageCodec as ImageEncoder
from ganaug.data.validation import check_images, is_image_array
from ganaug.errors import InputError


@pytest.mark.parametrize("shape, dtype", [((5, 8, 8), np.uint8), ((5, 28, 28), np.float32),
                                          ((5, 12, 12, 3), np.uint8)])
def test_encoder_round_trip(shape, dtype):
    rng = np.random.default_rng(0)
    images = (rng.random(shape) * (255 if dtype == np.uint8 else 3.5)).astype(dtype)
    encoder = ImageEncoder().fit(images)
    encoded = encoder.transform(images)
    side = {8: 8, 28: 32, 12: 16}[shape[1]]
    assert encoded.shape == (5, shape[3] if len(shape) == 4 else 1, side, side)
    assert encoded.min() >= -1 and encoded.max() <= 1
    back = encoder.inverse_transform(encoded)
    assert back.shape == images.shape and back.dtype == images.dtype
    tolerance = 0.35 * (255 if dtype == np.uint8 else 3.5)  # resizing noise blurs it; same size is exact
    if side == shape[1]:
        np.testing.assert_allclose(back.astype(float), images.astype(float), atol=1e-5 * 255)
    else:
        assert np.abs(back.astype(float) - images.astype(float)).mean() < tolerance
    state = ImageEncoder.from_state(encoder.get_state())
    np.testing.assert_array_equal(state.inverse_transform(encoded), back)


@pytest.mark.parametrize("images, message", [
    ([np.zeros((8, 8)), np.zeros((9, 9))], "different shapes"),
    (np.zeros((3, 8, 8), dtype=bool), "uint8 or float"),
    (np.zeros((3, 4, 4)), "sides from 8"),
    (np.full((3, 8, 8), np.nan), "NaN"),
])
def test_bad_images_are_named(images, message):
    with pytest.raises(InputError, match=message):
        check_images(images)


def test_image_arrays_are_told_apart_from_tables():
    assert is_image_array(np.zeros((4, 8, 8))) and is_image_array(np.zeros((4, 8, 8, 3)))
    assert not is_image_array(np.zeros((4, 8))) and not is_image_array(np.zeros((4, 8, 8, 7)))
