"""Image folders in and out, and the torch Dataset view (ganaug.data.folders)."""

import numpy as np
import pytest
import torch

from ganaug.errors import InputError
from ganaug.testing import tiny_images


def test_image_folder_with_mixed_sizes_is_a_clear_error(tmp_path):
    from PIL import Image

    from ganaug.data.folders import read_image_folder

    (tmp_path / "a").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "a" / "1.png")
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "a" / "2.png")
    with pytest.raises(InputError, match="different shapes"):
        read_image_folder(tmp_path)


def test_dataset_view_for_training_loops():
    from ganaug.data.folders import ImageDataset

    images, y = tiny_images(channels=3)
    dataset = ImageDataset(images, y)
    image, target = dataset[0]
    assert len(dataset) == len(images) and image.shape == (3, 8, 8) and 0 <= image.min() <= image.max() <= 1
    assert dataset.classes_[target] == y[0]
    batch, targets = next(iter(torch.utils.data.DataLoader(dataset, batch_size=5)))
    assert batch.shape == (5, 3, 8, 8) and targets.dtype == torch.int64
