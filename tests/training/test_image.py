"""The image backend family, DiffAugment and MLP backends on pixels (ganaug.training.image)."""

import warnings

import numpy as np
import pytest
import torch

from ganaug import GANOverSampler
from ganaug.errors import InputError, OptionsError
from ganaug.testing import tiny_images, tiny_table
from ganaug.training.diffaugment import diff_augment


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


@pytest.mark.parametrize("backend", ["sagan", "biggan", "stylegan", "progan"])
def test_rgb_images_of_an_odd_size_come_back_in_shape(backend):
    X, y = tiny_images(side=12, channels=3)
    X_res, y_res = GANOverSampler(backend=backend, epochs=1, batch_size=16, random_state=0).fit_resample(X, y)
    assert X_res.shape[1:] == (12, 12, 3) and X_res.dtype == np.uint8 and len(X_res) == len(y_res)


def test_bad_options_name_the_option():
    X, y = tiny_images()
    with pytest.raises(OptionsError, match="mixing_prob"):
        GANOverSampler(backend="stylegan", mixing_prob=2.0).fit(X, y)
    with pytest.raises(OptionsError, match="attention_side"):
        GANOverSampler(backend="sagan", attention_side=6).fit(X, y)


def test_precision_auto_is_float32_on_cpu_and_bf16_is_really_used_when_asked():
    X, y = tiny_images()
    fit = {"epochs": 2, "batch_size": 16, "random_state": 0}
    default, _ = GANOverSampler(backend="dcgan", **fit).fit_resample(X, y)
    exact, _ = GANOverSampler(backend="dcgan", precision="float32", **fit).fit_resample(X, y)
    sampler = GANOverSampler(backend="dcgan", precision="bf16", **fit)
    half, _ = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(default, exact)
    assert not np.array_equal(default, half)  # bf16 rounding changed the training run
    model = next(iter(sampler.backends_.values()))
    assert model.uses_bf16() and all(np.isfinite(v) for e in model.history_ for v in e.values())


def test_bf16_forced_on_a_cpu_without_native_bf16_warns_that_it_is_slow(monkeypatch):
    import ganaug.training.loop as loop
    from ganaug.errors import PerformanceWarning
    X, y = tiny_images()
    fit = {"steps": 1, "batch_size": 8, "random_state": 0}
    monkeypatch.setattr(loop, "native_bf16", lambda device: False)
    with pytest.warns(PerformanceWarning, match="without native bf16.*precision='auto' or 'float32'"):
        GANOverSampler(backend="dcgan", precision="bf16", **fit).fit(X, y)
    monkeypatch.setattr(loop, "native_bf16", lambda device: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerformanceWarning)
        GANOverSampler(backend="dcgan", precision="bf16", **fit).fit(X, y)
        GANOverSampler(backend="dcgan", **fit).fit(X, y)  # auto: float32 on the CPU, no warning


@pytest.mark.parametrize("memory_format, nhwc", [("auto", False), ("contiguous", False),
                                                  ("channels-last", True)])
def test_memory_format_sets_the_conv_nets_layout_on_cpu(memory_format, nhwc):
    X, y = tiny_images()
    sampler = GANOverSampler(backend="dcgan", steps=2, batch_size=8, memory_format=memory_format,
                             random_state=0).fit(X, y)
    model = next(iter(sampler.backends_.values()))
    # (a kernel with one input channel or one tap is contiguous in both layouts)
    weights = [p for p in model.critic.parameters() if p.dim() == 4 and p.shape[1] > 1 and p.shape[2] > 1]
    assert weights and all(p.is_contiguous(memory_format=torch.channels_last) == nhwc for p in weights)
    assert sampler.generate({"rare": 4})[0].shape == (4, *X.shape[1:])


def test_memory_format_is_checked_and_a_checkpoint_resumes_under_another(tmp_path):
    X, y = tiny_images()
    with pytest.raises(OptionsError, match="memory_format.*'channels-last'"):
        GANOverSampler(backend="dcgan", memory_format="nhwc").fit(X, y)
    fit = {"backend": "dcgan", "epochs": 2, "batch_size": 8, "random_state": 0,
           "checkpoint": tmp_path / "run.safetensors"}
    GANOverSampler(memory_format="contiguous", **fit).fit(X, y)
    GANOverSampler(memory_format="channels-last", **fit).fit(X, y, resume=True)  # same run, other layout
