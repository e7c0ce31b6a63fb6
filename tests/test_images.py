import numpy as np
import pytest
import torch

from ganaug import GANOverSampler
from ganaug.data.image import ImageCodec as ImageEncoder
from ganaug.data.validation import check_images, is_image_array
from ganaug.errors import InputError
from ganaug.testing import tiny_images, tiny_table
from ganaug.training.diffaugment import diff_augment


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


def test_tabular_only_backend_on_images_points_to_dcgan():
    images, y = tiny_images()
    with pytest.raises(InputError, match="not image data.*'dcgan'"):
        GANOverSampler(backend="ctgan").fit_resample(images, y)
    with pytest.raises(InputError, match="not tabular data.*'wgan-gp'"):
        GANOverSampler(backend="dcgan").fit_resample(*tiny_table())


@pytest.mark.parametrize("backend", ["gan", "cgan", "wgan", "wgan-gp"])
def test_mlp_backends_take_images_as_pixel_rows(backend, tmp_path):
    images, y = tiny_images(channels=3)
    sampler = GANOverSampler(backend=backend, epochs=2, batch_size=16, random_state=0)
    X_res, _ = sampler.fit_resample(images, y)
    assert X_res.shape[1:] == (8, 8, 3) and X_res.dtype == np.uint8
    loaded = GANOverSampler.load(sampler.save(tmp_path / "m.safetensors"))
    np.testing.assert_array_equal(loaded.generate({"rare": 3})[0], sampler.generate({"rare": 3})[0])


def test_conv_backends_have_no_mlp_width_options():
    from ganaug.errors import OptionsError
    from ganaug.options import options_help
    from ganaug.registry import get_backend

    with pytest.raises(OptionsError, match="'dcgan' has no option 'generator_dims'.*Valid options:.*width"):
        GANOverSampler(backend="dcgan", generator_dims=(8,)).fit_resample(*tiny_images())
    assert "critic_dims" not in options_help(get_backend("progan").Options)
    assert "critic_dims" in options_help(get_backend("cyclegan").Options)  # its table nets are MLPs


def test_diff_augment_keeps_shape_and_is_random():
    torch.manual_seed(0)
    x = torch.rand(6, 3, 16, 16) * 2 - 1
    out = diff_augment(x)
    assert out.shape == x.shape and not torch.equal(out, x)
    assert torch.equal(diff_augment(x, ""), x)
    # cutout zeroes a square in every image; translation moves content
    assert ((diff_augment(x, "cutout") == 0).flatten(1).sum(1) > 0).all()
    with pytest.raises(ValueError, match="unknown DiffAugment policy"):
        GANOverSampler(backend="dcgan", diffaugment="flip").fit_resample(*tiny_images())


def test_dcgan_balances_images_and_keeps_originals():
    images, y = tiny_images()
    sampler = GANOverSampler(backend="dcgan", epochs=2, batch_size=16, random_state=0)
    X_res, y_res = sampler.fit_resample(images, y)
    assert X_res.dtype == np.uint8 and X_res.shape[1:] == (8, 8)
    np.testing.assert_array_equal(X_res[: len(images)], images)
    assert y_res.value_counts().to_dict() == {"major": 40, "minor": 40, "rare": 40}


def write_folder(root, images, labels):
    from PIL import Image

    for i, (image, label) in enumerate(zip(images, labels)):
        (root / label).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(root / label / f"img{i}.png")


def test_resample_images_cli_writes_a_new_balanced_folder(tmp_path, capsys):
    from ganaug.cli import main
    from ganaug.data.folders import read_image_folder

    images, y = tiny_images()
    source = tmp_path / "in"
    write_folder(source, images, y)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in source.rglob("*"))
    out = tmp_path / "out"
    assert main(["resample-images", str(source), "--out", str(out), "--epochs", "1",
                 "--batch-size", "16"]) == 0
    pixels, labels, files = read_image_folder(out)
    assert {label: (labels == label).sum() for label in set(labels)} == {"major": 40, "minor": 40, "rare": 40}
    assert len([f for f in files if f.name.startswith("synthetic_")]) == 120 - 52
    assert sorted((p.name, p.stat().st_mtime_ns) for p in source.rglob("*")) == before  # input untouched
    assert main(["resample-images", str(source), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["resample-images", str(source), "--out", str(source / "major" / "x")]) == 2
    assert "overlaps the input" in capsys.readouterr().err


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
