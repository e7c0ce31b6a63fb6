"""GANOverSampler (ganaug.sampler): strategies, kinds of input, seeding, scikit-learn protocol, streaming."""

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate

from ganaug import GANOverSampler
from ganaug.errors import InputError, OptionsError
from ganaug.testing import tiny_table


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {"major": 40, "minor": 40, "rare": 40}),
        ("minority", {"major": 40, "minor": 8, "rare": 40}),
        ("not minority", {"major": 40, "minor": 40, "rare": 4}),
        ("not majority", {"major": 40, "minor": 40, "rare": 40}),
        ("all", {"major": 40, "minor": 40, "rare": 40}),
        ({"minor": 20}, {"major": 40, "minor": 20, "rare": 4}),
        (lambda y: {"rare": 9}, {"major": 40, "minor": 8, "rare": 9}),
    ],
)
def test_sampling_strategy_forms(table, fast, strategy, expected):
    X, y = table
    _, y_res = GANOverSampler(sampling_strategy=strategy, **fast).fit_resample(X, y)
    assert y_res.value_counts().to_dict() == expected


def test_float_strategy_partial_balancing_binary(table, fast):
    X, y = table
    binary = y != "major"
    _, y_res = GANOverSampler(sampling_strategy=0.75, **fast).fit_resample(X, binary)
    assert y_res.value_counts().to_dict() == {False: 40, True: 30}


def test_integer_labels_and_series_name_kept(table, fast):
    X, y = table
    y_int = y.map({"major": 0, "minor": 1, "rare": 2}).astype("int16").rename("target")
    _, y_res = GANOverSampler(**fast).fit_resample(X, y_int)
    assert y_res.dtype == np.int16 and y_res.name == "target"
    assert y_res.tolist()[: len(y)] == y_int.tolist()


def test_dataframe_with_custom_index_returns_range_index(table, fast):
    X, y = table
    X.index = [f"row{i}" for i in range(len(X))]
    y.index = X.index
    X_res, y_res = GANOverSampler(**fast).fit_resample(X, y)
    assert isinstance(X_res.index, pd.RangeIndex) and isinstance(y_res.index, pd.RangeIndex)
    assert X_res.iloc[: len(X)].to_numpy().tolist() == X.to_numpy().tolist()


def test_integer_ndarray_stays_integer(fast):
    rng = np.random.default_rng(0)
    X = rng.integers(-5, 5, size=(40, 3))
    y = np.r_[np.zeros(32), np.ones(8)].astype(int)
    X_res, y_res = GANOverSampler(**fast).fit_resample(X, y)
    assert X_res.dtype == X.dtype and X_res.min() >= -5 and X_res.max() <= 4
    assert np.bincount(y_res).tolist() == [32, 32]


def test_object_array_with_mixed_columns(fast):
    X = np.array([[1.5, "a"], [2.5, "b"], [3.0, "a"], [0.5, "b"]] * 5, dtype=object)
    y = np.array([0, 0, 0, 1] * 5)
    X_res, _ = GANOverSampler(**fast).fit_resample(X, y)
    assert X_res.dtype == object and set(X_res[:, 1]) <= {"a", "b"}


def test_synthetic_mask_and_generate(table, fast):
    X, y = table
    sampler = GANOverSampler(**fast)
    X_res, _ = sampler.fit_resample(X, y)
    assert sampler.sample_is_synthetic_.tolist() == [False] * len(X) + [True] * (len(X_res) - len(X))
    extra, labels = sampler.generate({"rare": 7})
    assert len(extra) == 7 and set(labels) == {"rare"} and list(extra.columns) == list(X.columns)


def test_already_balanced_trains_nothing(fast):
    X = np.random.default_rng(0).normal(size=(20, 2))
    y = np.r_[np.zeros(10), np.ones(10)]
    sampler = GANOverSampler(**fast)
    X_res, _ = sampler.fit_resample(X, y)
    assert len(X_res) == 20 and sampler.backends_ == {}


def test_per_class_conditioning_trains_only_grown_classes(table, fast):
    X, y = table
    sampler = GANOverSampler(conditioning="per-class", **fast)
    sampler.fit_resample(X, y)
    assert set(sampler.backends_) == {"minor", "rare"}
    assert sampler.backends_["minor"] is not sampler.backends_["rare"]


def test_unconditional_backend_refuses_conditional(table, fast):
    X, y = table
    with pytest.raises(ValueError, match="per-class"):
        GANOverSampler(**{**fast, "backend": "gan"}, conditioning="conditional").fit_resample(X, y)


def test_same_seed_same_output_and_global_rng_untouched(table, fast):
    X, y = table
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    a, _ = GANOverSampler(**fast).fit_resample(X, y)
    assert torch.rand(1) == expected_next, "fit_resample consumed the caller's torch RNG"
    b, _ = GANOverSampler(**fast).fit_resample(X, y)
    pd.testing.assert_frame_equal(a, b)


def test_clone_and_params_include_backend_options(fast):
    sampler = GANOverSampler(**fast, lr_generator=1e-3)
    params = sampler.get_params()
    assert params["lr_generator"] == 1e-3 and params["backend"] == "cgan"
    copy = clone(sampler)
    assert copy.get_params() == params
    copy.set_params(n_critic=2, epochs=3)
    assert copy.get_params()["n_critic"] == 2 and copy.epochs == 3


def test_pipeline_and_cross_validate(table, fast):
    X, y = table
    X = X[["height", "count"]]
    pipe = make_pipeline(GANOverSampler(**fast), LogisticRegression(max_iter=500))
    scores = cross_validate(pipe, X, y, cv=2, scoring="balanced_accuracy")
    assert np.isfinite(scores["test_score"]).all()


def test_grid_search_over_numpy_values_of_backend_options(table, fast):
    from imblearn.pipeline import Pipeline
    from sklearn.model_selection import GridSearchCV

    X, y = table
    pipe = Pipeline([("gan", GANOverSampler(**{**fast, "epochs": None})), ("clf", LogisticRegression())])
    search = GridSearchCV(pipe, {"gan__steps": np.arange(2, 4), "gan__lr_generator": np.array([1e-3])}, cv=2,
                          error_score="raise").fit(X[["height", "count"]], y)
    assert search.best_params_["gan__steps"] in (2, 3)


def test_seeded_output_across_thread_counts_agrees_to_float_rounding(table):
    """Same seed, same thread count: identical (above); another thread count: equal to rounding (README)."""
    X, y = table
    threads = torch.get_num_threads()
    draws = []
    try:
        for count in (1, 2):
            torch.set_num_threads(count)
            draws.append(GANOverSampler(backend="ctgan", epochs=2, batch_size=20, random_state=0, refine=None)
                         .fit_resample(X, y)[0])
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_allclose(draws[0]["height"], draws[1]["height"], rtol=1e-5)
    assert draws[0]["colour"].equals(draws[1]["colour"])


def test_verbose_shows_progress(table, fast, capsys):
    X, y = table
    GANOverSampler(**{**fast, "epochs": 3}, verbose=True).fit_resample(X, y)
    assert "cgan" in capsys.readouterr().err


def test_the_progress_bar_counts_generator_steps_not_epochs(table, capsys):
    """ctgan's 7 steps on 52 rows are 7 one-step epochs: the bar says 7 steps, never "7 epoch"."""
    X, y = table
    GANOverSampler(backend="ctgan", steps=7, batch_size=500, random_state=0, verbose=True, refine=None,
                   device="cpu").fit_resample(X, y)
    err = capsys.readouterr().err
    assert "/7 [" in err and "step" in err and "epoch" not in err


@pytest.mark.parametrize(
    "make_bad, message",
    [
        (lambda X, y: (X.assign(height=np.inf), y), "infinite"),
        (lambda X, y: (X, y[:-1]), "rows but y has"),
        (lambda X, y: (X, pd.Series(["a"] * len(y))), "at least 2 classes"),
        (lambda X, y: (X.iloc[:0], y.iloc[:0]), "empty"),
        (lambda X, y: (pd.concat([X, X["height"]], axis=1), y), "duplicate column"),
        (lambda X, y: (X.to_numpy()[:, :, None], y), "images must be uint8 or float"),
        (lambda X, y: (X.assign(note=[f"free text {i}" for i in range(len(X))]), y),
         "free text or an ID"),
        (lambda X, y: (X.iloc[:41], y.iloc[:40].tolist() + ["single"]), "single row"),
    ],
)
def test_bad_input_messages(table, fast, make_bad, message):
    X, y = make_bad(*table)
    with pytest.raises(InputError, match=message):
        GANOverSampler(**fast).fit_resample(X, y)


def test_single_row_class_is_fine_when_not_grown(table, fast):
    X, y = table
    y = y.where(y.index != 0, "single")  # one row of a new class
    X_res, y_res = GANOverSampler(**fast, sampling_strategy={"rare": 10}).fit_resample(X, y)
    assert (y_res == "single").sum() == 1 and (y_res == "rare").sum() == 10


def test_mode_collapse_is_reported_with_the_class_name(table, fast, monkeypatch):
    from ganaug.errors import ModeCollapseWarning
    from ganaug.training import AdversarialBackend

    def constant(self, n, class_index, generator):
        return torch.zeros(n, self.n_features_)

    monkeypatch.setattr(AdversarialBackend, "sample", constant)
    with pytest.warns(ModeCollapseWarning, match="class 'minor': the synthetic samples are nearly identical"):
        GANOverSampler(**fast).fit_resample(*table)


def test_bad_sampling_strategy_message(table, fast):
    X, y = table
    with pytest.raises(InputError, match="not present"):
        GANOverSampler(sampling_strategy={"nope": 50}, **fast).fit_resample(*table)
    with pytest.raises(InputError, match="greater or equal"):
        GANOverSampler(sampling_strategy={"minor": 2}, **fast).fit_resample(X, y)


def test_unknown_backend_suggests_closest(table):
    with pytest.raises(ValueError, match="Did you mean 'ctgan'.*Known backends"):
        GANOverSampler(backend="ctgn").fit_resample(*table)


def test_bad_options_name_and_type(table, fast):
    with pytest.raises(OptionsError, match="Did you mean 'lr_generator'"):
        GANOverSampler(**fast, lr_genrator=1).fit_resample(*table)
    with pytest.raises(OptionsError, match="'n_critic' must be a int"):
        GANOverSampler(**fast, n_critic=1.5).fit_resample(*table)
    with pytest.raises(OptionsError, match="class_balance must be in"):
        GANOverSampler(**fast, class_balance=3.0).fit_resample(*table)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_gpu_is_a_clear_error(table, fast):
    with pytest.raises(ValueError, match="no CUDA GPU"):
        GANOverSampler(**{**fast, "device": "cuda"}).fit_resample(*table)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit(table, fast):
    X_res, _ = GANOverSampler(**{**fast, "device": "cuda"}).fit_resample(*table)
    assert len(X_res) == 120


def test_generate_batches_stream_bounded_batches_reproducibly():
    X, y = tiny_table()
    sampler = GANOverSampler(backend="cgan", epochs=2, random_state=0).fit(X, y)
    batches = list(sampler.generate_batches({"minor": 25, "rare": 10}, batch_size=8))
    assert [len(b[1]) for b in batches] == [8, 8, 8, 1, 8, 2]  # one class per batch
    again = list(sampler.generate_batches({"minor": 25, "rare": 10}, batch_size=8))
    pd.testing.assert_frame_equal(batches[3][0], again[3][0])
    assert set(batches[0][0].columns) == set(X.columns) and set(batches[-1][1]) == {"rare"}
    with pytest.raises(ValueError, match="batch_size"):
        next(sampler.generate_batches({"minor": 2}, batch_size=0))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_generate_to_streams_a_file_and_never_overwrites(tmp_path, suffix):
    X, y = tiny_table()
    sampler = GANOverSampler(backend="cgan", epochs=2, random_state=0).fit(X, y)
    path = sampler.generate_to(tmp_path / f"big{suffix}", {"minor": 250, "rare": 40}, batch_size=64)
    table = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    assert table["label"].value_counts().to_dict() == {"minor": 250, "rare": 40}
    assert list(table.columns) == [*X.columns, "label"] and table.notna().all().all()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    with pytest.raises(Exception, match="already exists"):
        sampler.generate_to(path, {"minor": 5})
    with pytest.raises(ValueError, match="no rows"):
        sampler.generate_to(tmp_path / "empty.csv", {"minor": 0})


def test_per_class_generators_train_in_worker_processes_with_the_same_result():
    X, y = tiny_table()
    settings = {"backend": "gan", "epochs": 2, "batch_size": 16, "random_state": 0}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # workers get 1 thread each too, so the float results are bit-equal
    try:
        one, _ = GANOverSampler(**settings).fit_resample(X, y)
        parallel = GANOverSampler(**settings, n_jobs=2)
        two, _ = parallel.fit_resample(X, y)
    finally:
        torch.set_num_threads(threads)
    pd.testing.assert_frame_equal(one, two)
    assert len({id(m) for m in parallel.backends_.values()}) == 2 and parallel.get_params()["n_jobs"] == 2


# ---- tables as they come (missing values, dates, declared categories) -------------------------
def test_missing_value_rates_follow_each_class():
    rng = np.random.default_rng(0)
    n = 400
    y = np.where(np.arange(n) < n // 3, "rare", "common")
    X = pd.DataFrame({"a": rng.normal(size=n) + (y == "rare"), "b": rng.normal(size=n)})
    X.loc[(y == "rare") & (rng.random(n) < 0.4), "a"] = np.nan  # 40 % missing in the rare class
    X.loc[(y == "common") & (rng.random(n) < 0.05), "a"] = np.nan  # 5 % in the common one
    sampler = GANOverSampler(backend="wgan-gp", epochs=30, batch_size=64, random_state=0, refine=None)
    drawn, _ = sampler.fit(X, y).generate({"rare": 2000, "common": 2000})
    rare, common = drawn["a"].iloc[:2000].isna().mean(), drawn["a"].iloc[2000:].isna().mean()
    assert 0.25 < rare < 0.55 and common < 0.15 and rare > common + 0.15, (rare, common)


def test_a_conditional_model_draws_classes_it_did_not_grow(table, fast):
    X, y = table
    sampler = GANOverSampler(**fast).fit(X, y)
    drawn, labels = sampler.generate({"major": 5, "rare": 2})
    assert list(labels) == ["major"] * 5 + ["rare"] * 2 and len(drawn) == 7
    per_class = GANOverSampler(**{**fast, "backend": "wgan-gp"}, conditioning="per-class").fit(X, y)
    with pytest.raises(InputError, match="no trained generator"):
        per_class.generate({"major": 5})


@pytest.mark.parametrize("form", [["zip"], [5], [False] * 5 + [True] + [False] * 3])
def test_categorical_features_takes_smote_nc_forms(form):
    from ganaug.testing import messy_table

    X, y = messy_table()
    sampler = GANOverSampler(backend="cgan", epochs=1, batch_size=16, random_state=0,
                             categorical_features=form)
    X_res, _ = sampler.fit_resample(X, y)
    assert "zip" in sampler.codec_.categorical_ and set(X_res["zip"]) <= set(X["zip"])
    assert X_res["zip"].dtype == X["zip"].dtype


@pytest.mark.parametrize("form, message", [
    (["postcode"], "names columns that X does not have"),
    ([12], "outside X's 9 columns"),
    ([True, False], "mask of 2 entries"),
    ("zip", "give 'auto', a list"),
])
def test_bad_categorical_features_say_what_to_give(form, message):
    from ganaug.testing import messy_table

    X, y = messy_table()
    with pytest.raises(InputError, match=message):
        GANOverSampler(backend="cgan", epochs=1, categorical_features=form).fit(X, y)


def test_backend_options_are_parameters_not_attributes_set_in_init():
    """scikit-learn's check_no_attributes_set_in_init passes with options given as keywords too."""
    import pickle

    from sklearn.utils.estimator_checks import check_no_attributes_set_in_init

    sampler = GANOverSampler(lr_generator=1e-3, generator_dims=(8, 8))
    check_no_attributes_set_in_init("GANOverSampler", sampler)
    assert sampler.lr_generator == 1e-3 and clone(sampler).get_params()["generator_dims"] == (8, 8)
    assert pickle.loads(pickle.dumps(sampler)).lr_generator == 1e-3
    with pytest.raises(OptionsError, match="names a method"):
        sampler.set_params(generate=3)
    assert callable(sampler.generate)


def test_the_default_backend_is_wgan_gp_on_tables_and_classical_transforms_on_images(table, tmp_path):
    from ganaug.testing import tiny_images

    X, y = table
    on_table = GANOverSampler(epochs=1, random_state=0, device="cpu").fit(X, y)
    assert on_table.get_params()["backend"] == "auto"
    assert {m.name for m in on_table.backends_.values()} == {"wgan-gp"}
    images, labels = tiny_images(side=28)
    on_images = GANOverSampler(random_state=0)
    X_res, _ = on_images.fit_resample(images, labels)  # never an MLP on the pixels
    assert {m.name for m in on_images.backends_.values()} == {"albumentations"}
    assert X_res.shape[1:] == (28, 28) and X_res.dtype == np.uint8
    for sampler in (on_table, on_images):  # the file names the backend that was used; "auto" loads
        loaded = GANOverSampler.load(sampler.save(tmp_path / "m.safetensors"), "cpu")
        assert loaded.get_params()["backend"] == "auto"
        counts = {sampler.classes_[-1]: 3}
        _assert_same_draw(sampler.generate(counts)[0], loaded.generate(counts)[0])


def _assert_same_draw(first, second):
    if isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, second)
    else:
        np.testing.assert_array_equal(first, second)


def test_images_without_albumentations_name_the_install_and_a_gan_instead(monkeypatch):
    import importlib.util

    from ganaug.testing import tiny_images

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "albumentations"
                        else real(name, *a))
    with pytest.raises(OptionsError, match=r"pip install 'ganaug\[images\]'.*backend='cyclegan'"):
        GANOverSampler(random_state=0).fit_resample(*tiny_images())


def test_an_image_folder_resamples_with_its_subfolders_as_labels(tmp_path):
    from ganaug.data.folders import write_image_folder
    from ganaug.testing import tiny_images

    images, labels = tiny_images()
    write_image_folder(images, labels.to_numpy(), tmp_path / "digits")
    X_res, y_res = GANOverSampler(random_state=0).fit_resample(tmp_path / "digits")
    assert X_res.shape == (120, 8, 8) and sorted(set(y_res)) == ["major", "minor", "rare"]
    assert GANOverSampler(random_state=0).fit(str(tmp_path / "digits")).backends_
    with pytest.raises(InputError, match="without y"):
        GANOverSampler().fit_resample(tmp_path / "digits", labels)
    with pytest.raises(InputError, match="not a folder.*read_csv"):
        GANOverSampler().fit_resample(str(tmp_path / "table.csv"), labels)


def test_only_the_main_process_draws_a_progress_bar(table, capsys, monkeypatch):
    """Under torchrun every process trains; one bar, not one per process printed over each other."""
    import ganaug.training.engine as engine

    X, y = table
    monkeypatch.setattr(engine, "is_main_process", lambda: False)
    GANOverSampler(backend="cgan", steps=5, batch_size=16, random_state=0, verbose=True, refine=None,
                   device="cpu").fit_resample(X, y)
    assert "step" not in capsys.readouterr().err
