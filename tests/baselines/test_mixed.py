"""The mixed GAN + augmentation image oversampler (ganaug.baselines.mixed)."""

import numpy as np
import pandas as pd
import pytest

from ganaug.baselines import MixedOverSampler, default_gan  # noqa: E402
from ganaug.errors import InputError
from ganaug.testing import tiny_images


def fast_gan():
    return default_gan(steps=5, batch_size=8)


def test_mixes_gan_and_augmented_images_in_the_asked_share():
    images, y = tiny_images()
    sampler = MixedOverSampler(gan=fast_gan(), gan_fraction=0.25, random_state=0)
    X_res, y_res = sampler.fit_resample(images, y)
    assert X_res.dtype == images.dtype and X_res.shape[1:] == images.shape[1:]
    np.testing.assert_array_equal(X_res[: len(images)], images)
    assert y_res.value_counts().to_dict() == {"major": 40, "minor": 40, "rare": 40}
    for label, added in sampler.sampling_strategy_.items():
        from_gan = (sampler.sample_source_ == "gan") & (y_res == label).to_numpy()
        assert from_gan.sum() == round(0.25 * added)
    assert sampler.sample_is_synthetic_.sum() == sum(sampler.sampling_strategy_.values())
    again, _ = MixedOverSampler(gan=fast_gan(), gan_fraction=0.25, random_state=0).fit_resample(images, y)
    np.testing.assert_array_equal(X_res, again)


@pytest.mark.parametrize("fraction, source", [(0.0, "augmented"), (1.0, "gan")])
def test_a_share_of_zero_or_one_uses_one_part_only(fraction, source):
    images, y = tiny_images()
    sampler = MixedOverSampler(gan=fast_gan(), gan_fraction=fraction, random_state=0)
    sampler.fit_resample(images, y)
    assert set(sampler.sample_source_[sampler.sample_is_synthetic_]) == {source}
    assert (sampler.gan_ is None) == (fraction == 0.0)


def test_bad_share_and_tables_are_clear_errors():
    images, y = tiny_images()
    with pytest.raises(InputError, match="gan_fraction=1.5"):
        MixedOverSampler(gan_fraction=1.5).fit_resample(images, y)
    table = pd.DataFrame({"a": np.arange(20.0)})
    with pytest.raises(InputError, match=r"\(n, H, W\) or \(n, H, W, C\) array, got shape \(20, 1\)"):
        MixedOverSampler().fit_resample(table, np.r_[np.zeros(16, int), np.ones(4, int)])


def test_evaluate_knows_the_mix_by_name():
    from ganaug.evaluation import make_sampler

    sampler = make_sampler("mixed", 3, steps=5)
    assert isinstance(sampler, MixedOverSampler) and sampler.random_state == 3
    assert sampler.gan.backend == "cyclegan" and sampler.gan.refine == "augment"
    assert sampler.gan.get_params()["steps"] == 5
