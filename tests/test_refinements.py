"""Refinements of synthetic samples (ganaug.refinements): interpolate, the choosing ones, augment."""

import numpy as np
import pandas as pd
import pytest

from ganaug import GANOverSampler
from ganaug.errors import InputError
from ganaug.testing import tiny_images


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

    from ganaug import GANOverSampler

    X = pd.DataFrame({"a": np.arange(20.0)})
    y = np.r_[np.zeros(16, int), np.ones(4, int)]
    with pytest.raises(InputError, match="refine='augment' transforms synthetic images"):
        GANOverSampler(refine="augment", epochs=1).fit_resample(X, y)


def test_refine_interpolate_keeps_rows_between_real_and_generated(table, fast):
    X, y = table
    sampler = GANOverSampler(**fast, refine="interpolate")
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[sampler.sample_is_synthetic_]
    assert (X_res.dtypes == X.dtypes).all() and len(new) == 32 + 36
    minor_heights = X.loc[y == "minor", "height"]
    made_minor = new.loc[(y_res[sampler.sample_is_synthetic_] == "minor").to_numpy(), "height"]
    # every minor sample lies within the span of real minor rows and raw GAN draws
    raw, labels = sampler.generate({"minor": 32})
    low = min(minor_heights.min(), raw["height"].min())
    high = max(minor_heights.max(), raw["height"].max())
    assert made_minor.between(low - 1e-9, high + 1e-9).all()


def test_refine_rejects_unknown(table, fast):
    with pytest.raises(ValueError, match="refine="):
        GANOverSampler(**fast, refine="magic").fit_resample(*table)


def test_refine_interpolate_never_averages_categories_or_missing_values():
    from ganaug.testing import messy_table

    X, y = messy_table(n_major=40, n_minor=16)
    sampler = GANOverSampler(backend="cgan", epochs=2, batch_size=16, random_state=0,
                             categorical_features=["zip"], refine="interpolate")
    X_res, _ = sampler.fit_resample(X, y)
    new = X_res[sampler.sample_is_synthetic_]
    assert set(new["zip"]) <= set(X["zip"])  # a zip code is a level, not a number to average
    assert set(new["colour"].dropna()) <= set(X["colour"].dropna())
    assert set(new["member"].dropna()) <= {True, False} and new["member"].dtype == X["member"].dtype
    assert new["count"].dropna().between(X["count"].min(), X["count"].max()).all()
    local = new["opened"].dropna().dt.tz_localize(None)
    assert (local == local.dt.normalize()).all()  # dates, not fractions of days
    assert new["wait"].dt.total_seconds().mod(1).eq(0).all()  # whole seconds, as the real waits


def test_interpolation_takes_a_side_where_either_is_missing():
    import numpy as np
    import pandas as pd

    from ganaug.refinements import interpolate_towards_real

    real = pd.DataFrame({"v": [np.nan, np.nan, np.nan], "w": [0.0, 0.0, 0.0]})
    synthetic = pd.DataFrame({"v": [5.0, 5.0, 5.0], "w": [1.0, 1.0, 1.0]})
    out = interpolate_towards_real(synthetic, real, np.random.default_rng(0))
    # v is the real neighbour's (missing) or the synthetic value, never a mix
    assert set(out["v"].fillna(-1)) <= {-1.0, 5.0}
    assert out["w"].between(0, 1).all()


# ---- the choosing refinements: proximity levels, neighbour purity -------------------------------
def test_nearest_rows_matches_a_tree_search():
    from sklearn.neighbors import NearestNeighbors

    from ganaug.refinements import nearest_rows

    rng = np.random.default_rng(0)
    reference, queries = rng.normal(size=(300, 4)), rng.normal(size=(2000, 4))
    expected = NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(queries, return_distance=False)[:, 0]
    np.testing.assert_array_equal(nearest_rows(queries, reference), expected)
    assert nearest_rows(queries[:0], reference).shape == (0,)


def test_proximity_levels_rank_minority_rows_by_nearness_to_the_other_classes():
    from ganaug.refinements import proximity_levels

    minority = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]])  # the majority sits at 0 and below
    others = np.array([[0.0], [-0.5], [-1.0], [-1.5]])
    levels = proximity_levels(minority, others, n_levels=3, k=1)
    assert levels[0] == 1 and (np.diff(levels) >= 0).all() and levels.max() <= 3


def test_others_nearer_than_own_agrees_with_a_k_nearest_search():
    from sklearn.neighbors import NearestNeighbors

    from ganaug.refinements import PURITY_NEIGHBOURS, Reference, others_nearer_than_own

    rng = np.random.default_rng(1)
    real = pd.DataFrame({"a": np.r_[rng.normal(0, 1, 60), rng.normal(2, 1, 200)], "b": rng.normal(size=260)})
    labels = np.r_[np.ones(60, int), np.zeros(200, int)]
    reference = Reference(real[labels == 1].reset_index(drop=True), labels[labels == 1], categorical=())
    reference.others, reference.other_labels = real[labels == 0].reset_index(drop=True), labels[labels == 0]
    rows = pd.DataFrame({"a": rng.normal(1, 2, 500), "b": rng.normal(size=500)})
    crowd = others_nearer_than_own(rows, 1, reference)
    # the same points the refinement measures in (scaled by the real rows' spread)
    from ganaug.refinements import MixedSpace

    space = MixedSpace(real, ())
    search = NearestNeighbors(n_neighbors=PURITY_NEIGHBOURS).fit(space.points(real))
    neighbours = search.kneighbors(space.points(rows), return_distance=False)
    surrounded = (labels[neighbours] == 0).all(axis=1)
    np.testing.assert_array_equal(crowd >= PURITY_NEIGHBOURS, surrounded)
    assert 0 < surrounded.sum() < len(rows)  # the case is not trivial either way


@pytest.mark.parametrize("refine", ["interpolate-mixed", "proximity", "interpolate-safe", "proximity-safe"])
def test_choosing_refinements_balance_reproducibly_and_survive_saving(refine, tmp_path):
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=240, n_features=4, n_informative=3, n_redundant=0,
                               weights=[0.85], class_sep=0.8, random_state=0)
    X = pd.DataFrame(X, columns=list("abcd")).assign(kind=np.where(X[:, 0] > 0, "hi", "lo"))
    options = dict(backend="wgan-gp", steps=30, batch_size=32, random_state=0, device="cpu", refine=refine)
    sampler = GANOverSampler(**options)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [int((y == 0).sum())] * 2
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)
    again, _ = GANOverSampler(**options).fit_resample(X, y)
    pd.testing.assert_frame_equal(again, X_res)
    loaded = GANOverSampler.load(sampler.save(tmp_path / "m.safetensors"))
    pd.testing.assert_frame_equal(loaded.generate({1: 50}, random_state=2)[0],
                                  sampler.generate({1: 50}, random_state=2)[0])


def test_safe_refinements_keep_fewer_rows_among_the_other_class():
    from sklearn.datasets import make_classification
    from sklearn.neighbors import NearestNeighbors

    X, y = make_classification(n_samples=400, n_features=2, n_informative=2, n_redundant=0,
                               weights=[0.9], class_sep=0.5, random_state=3)
    search = NearestNeighbors(n_neighbors=5).fit(X)

    def share_among_majority(refine):
        sampler = GANOverSampler(backend="wgan-gp", steps=60, batch_size=32, random_state=0,
                                 device="cpu", refine=refine).fit(X, y)
        made, _ = sampler.generate({1: 400}, random_state=0)
        neighbours = search.kneighbors(np.asarray(made), return_distance=False)
        return (y[neighbours] == 0).all(axis=1).mean()

    assert share_among_majority("interpolate-safe") < 0.5 * share_among_majority("interpolate")


def test_reference_keeps_a_seeded_sample_of_a_large_class_and_every_row_of_a_small_one(monkeypatch):
    from ganaug.refinements import REFINEMENTS, Reference, fit_proximity
    from ganaug.refinements import refine as module

    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(300, int), np.ones(120, int), np.full(40, 2)]
    frame = pd.DataFrame({"a": rng.normal(y, 1.0), "b": rng.normal(size=len(y))})
    safe = REFINEMENTS["proximity-safe"]
    whole = Reference.fit(frame, y, [1, 2], safe, seed=0)
    assert len(whole.rows) == 160  # under the caps: every row, levels as over the whole table
    np.testing.assert_array_equal(whole.levels, fit_proximity(frame, y, [1, 2], ())[y > 0])

    monkeypatch.setattr(module, "REFERENCE_ROWS", 50)
    monkeypatch.setattr(module, "LEVEL_OTHERS", 100)
    capped = Reference.fit(frame, y, [1, 2], safe, seed=0)
    assert np.bincount(capped.labels).tolist() == [0, 50, 40]  # the small class keeps its 40 rows
    assert len(capped.levels) == 90 and set(capped.levels.tolist()) <= {1, 2, 3, 4, 5}
    mine = frame[y == 1].reset_index(drop=True)
    kept = capped.of(1)
    assert kept.merge(mine, how="left", indicator=True)["_merge"].eq("both").all()  # real rows, not new
    pd.testing.assert_frame_equal(kept, Reference.fit(frame, y, [1, 2], safe, seed=0).of(1))
    assert not kept.equals(Reference.fit(frame, y, [1, 2], safe, seed=1).of(1))
