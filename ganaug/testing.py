"""The conformance kit: the checks every backend must pass, ours and third parties', with tiny data.

Use it in one line from pytest::

    from ganaug.testing import parametrize_backend_checks

    @parametrize_backend_checks([MyBackend])
    def test_backend(backend, check):
        check(backend)

or call :func:`check_backend` to run every check at once. A backend can
declare checks it is known to fail as data, with a reason, in a class
attribute ``expected_failures = {"check_name": "reason"}``; those become
``xfail`` in pytest and are skipped by :func:`check_backend`.
"""

from __future__ import annotations

import functools
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ganaug.backend import Backend, check_backend_class
from ganaug.errors import ModeCollapseWarning, OptionsError
from ganaug.registry import get_host
from ganaug.sampler import GANOverSampler

TINY = {"epochs": 2, "batch_size": 20}  # training just long enough to exercise the code


def tiny_table(n_major: int = 40, n_minor: int = 8, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Mixed-type imbalanced table: float, int, string, category and bool columns, 3 classes."""
    rng = np.random.default_rng(seed)
    n = n_major + n_minor + n_minor // 2
    y = pd.Series(["major"] * n_major + ["minor"] * n_minor + ["rare"] * (n_minor // 2), name="label")
    X = pd.DataFrame({
        "height": rng.normal(170, 10, n) + (y == "minor") * 15,
        "count": rng.integers(0, 20, n).astype(np.int32),
        "colour": rng.choice(["red", "green", "blue"], n).astype(object),
        "grade": pd.Categorical(rng.choice(["a", "b"], n), categories=["a", "b", "c"]),
        "flag": rng.random(n) > 0.5,
    })
    return X, y


def messy_table(n_major: int = 40, n_minor: int = 8, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """A table as they come: missing values of each kind, an integer-coded ``zip`` (declare it with
    ``categorical_features=["zip"]``), nullable dtypes, timezone-aware dates and durations; 3 classes."""
    X, y = tiny_table(n_major, n_minor, seed)
    rng = np.random.default_rng(seed + 1)
    n = len(y)
    gaps = {name: rng.random(n) < 0.2 for name in ("height", "colour", "count", "opened")}
    return X.assign(
        height=X["height"].where(~gaps["height"]),
        colour=X["colour"].where(~gaps["colour"], None),
        count=pd.array(np.where(gaps["count"], None, X["count"]), dtype="Int64"),
        zip=rng.choice([10164, 10175, 10280, 11201], n),
        member=pd.array(np.where(rng.random(n) < 0.1, None, rng.random(n) > 0.5), dtype="boolean"),
        opened=pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"))
        .dt.tz_localize("Europe/Paris").where(~gaps["opened"]),  # local dates, across clock changes
        wait=pd.to_timedelta(rng.integers(0, 3600, n), unit="s"),
    ), y


def tiny_images(n_major: int = 40, n_minor: int = 8, seed: int = 0, side: int = 8,
                channels: int | None = None) -> tuple[np.ndarray, pd.Series]:
    """uint8 images ``(n, side, side[, channels])`` of 3 classes: bright squares at class-specific places."""
    rng = np.random.default_rng(seed)
    y = pd.Series(["major"] * n_major + ["minor"] * n_minor + ["rare"] * (n_minor // 2), name="label")
    shape = (len(y), side, side) if channels is None else (len(y), side, side, channels)
    images = rng.integers(0, 40, shape).astype(np.uint8)
    for i, label in enumerate(y):
        corner = {"major": 0, "minor": side // 2, "rare": side // 4}[label]
        images[i, corner : corner + side // 2, corner : corner + side // 2] = 220
    return images, y


def tiny_data(backend: type[Backend]) -> tuple[Any, pd.Series]:
    """A tiny labelled dataset of a kind the backend takes (a table when it takes both)."""
    return tiny_table() if "tabular" in backend.data_kinds else tiny_images()


def _assert_same(first: Any, second: Any) -> None:
    if isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, second)
    else:
        np.testing.assert_array_equal(first, second)


def _differ(first: Any, second: Any) -> bool:
    return not (first.equals(second) if isinstance(first, pd.DataFrame) else np.array_equal(first, second))


def _sampler(backend: type[Backend], **params) -> GANOverSampler:
    return GANOverSampler(backend=backend, **{"random_state": 0, "device": "cpu", **TINY, **params})


def check_contract(backend: type[Backend]) -> None:
    """Class attributes and Options follow the backend contract."""
    check_backend_class(backend)
    backend.Options()  # defaults must be valid


def check_fit_tabular(backend: type[Backend]) -> None:
    """A DataFrame round trip: originals first and unchanged, same columns and dtypes."""
    if "tabular" not in backend.data_kinds:
        return
    X, y = tiny_table()
    sampler = _sampler(backend)
    X_res, y_res = sampler.fit_resample(X, y)
    assert list(X_res.columns) == list(X.columns), "columns changed"
    assert (X_res.dtypes == X.dtypes).all(), f"dtypes changed: {X_res.dtypes.to_dict()}"
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X.reset_index(drop=True))
    assert sampler.sample_is_synthetic_.sum() == len(X_res) - len(X)
    new = X_res[sampler.sample_is_synthetic_]
    assert new["count"].between(X["count"].min(), X["count"].max()).all(), "ints left the seen range"
    assert set(new["colour"]) <= set(X["colour"]), "unseen categories generated"
    assert np.isfinite(new["height"]).all(), "non-finite values generated"


def check_fit_images(backend: type[Backend]) -> None:
    """Image arrays round trip: shape, dtype and range kept; originals first and unchanged."""
    for images, y in (tiny_images(), tiny_images(side=12, channels=3)):
        for data in (images, images.astype(np.float32) / 255.0):
            sampler = _sampler(backend)
            X_res, y_res = sampler.fit_resample(data, y)
            assert X_res.shape[1:] == data.shape[1:] and X_res.dtype == data.dtype, (X_res.shape, X_res.dtype)
            np.testing.assert_array_equal(X_res[: len(data)], data)
            new = X_res[sampler.sample_is_synthetic_]
            assert len(new) == len(X_res) - len(data) and np.isfinite(new).all()
            # uint8 images are scaled over 0-255, floats over the range seen in training
            low, high = (0, 255) if data.dtype == np.uint8 else (data.min(), data.max())
            assert new.min() >= low and new.max() <= high, "pixels left the valid range"


def check_messy_table(backend: type[Backend]) -> None:
    """Missing values, nullable dtypes, dates and a declared integer category: dtypes kept, missing
    values only in columns that have them, seen levels and ranges only, and the same after save/load."""
    X, y = messy_table()
    sampler = _sampler(backend, categorical_features=["zip"])
    X_res, _ = sampler.fit_resample(X, y)
    assert (X_res.dtypes == X.dtypes).all(), f"dtypes changed: {X_res.dtypes.to_dict()}"
    new = X_res[sampler.sample_is_synthetic_]
    for column in X.columns:
        if not X[column].isna().any():
            assert not new[column].isna().any(), f"{column}: missing values where the data has none"
    assert set(new["zip"]) <= set(X["zip"]), "a declared category drew an unseen value"
    assert set(new["colour"].dropna()) <= set(X["colour"].dropna()), "unseen categories generated"
    opened = new["opened"].dropna()
    assert opened.between(X["opened"].min(), X["opened"].max()).all(), "dates left the seen range"
    counts = {"minor": 6, "rare": 4}
    with tempfile.TemporaryDirectory() as folder:
        loaded = GANOverSampler.load(sampler.save(Path(folder) / "model.safetensors"), "cpu", backend)
    _assert_same(sampler.generate(counts)[0], loaded.generate(counts)[0])


def check_class_counts(backend: type[Backend]) -> None:
    """Exact counts for a dict sampling strategy; classes asked for nothing get nothing."""
    X, y = tiny_data(backend)
    strategy = {"minor": 25, "rare": 10}
    _, y_res = _sampler(backend, sampling_strategy=strategy).fit_resample(X, y)
    counts = y_res.value_counts()
    assert counts["minor"] == 25 and counts["rare"] == 10 and counts["major"] == 40, counts.to_dict()


def check_array_input(backend: type[Backend]) -> None:
    """A 2-D float ndarray comes back as an ndarray of the same dtype and width."""
    X, y = tiny_table()
    array = X[["height"]].assign(other=X["count"] * 0.5).to_numpy(np.float32)
    X_res, y_res = _sampler(backend).fit_resample(array, y.to_numpy())
    assert isinstance(X_res, np.ndarray) and X_res.dtype == np.float32 and X_res.shape[1] == 2
    assert isinstance(y_res, np.ndarray) and len(y_res) == len(X_res)
    np.testing.assert_array_equal(X_res[: len(array)], array)


def check_seeding(backend: type[Backend]) -> None:
    """Same random_state, same output on CPU; another seed, other samples."""
    X, y = tiny_data(backend)
    first, _ = _sampler(backend).fit_resample(X, y)
    again, _ = _sampler(backend).fit_resample(X, y)
    other, _ = _sampler(backend, random_state=1).fit_resample(X, y)
    _assert_same(first, again)
    assert _differ(first, other), "random_state has no effect"


def check_conditioning(backend: type[Backend]) -> None:
    """Conditional backends train one model; every backend supports per-class."""
    X, y = tiny_data(backend)
    per_class = _sampler(backend, conditioning="per-class")
    per_class.fit_resample(X, y)
    assert len({id(m) for m in per_class.backends_.values()}) == 2
    if backend.conditional:
        conditional = _sampler(backend, conditioning="conditional")
        conditional.fit_resample(X, y)
        assert len({id(m) for m in conditional.backends_.values()}) == 1
    else:
        try:
            _sampler(backend, conditioning="conditional").fit_resample(X, y)
        except ValueError as err:
            assert "per-class" in str(err)
        else:
            raise AssertionError("an unconditional backend accepted conditioning='conditional'")


def check_stacking(backend: type[Backend]) -> None:
    """``fit_many`` fits each sampler; a ``batchable`` backend's models really train as one stack.

    The members of a stack share its losses, so their ``history_`` is the
    same: a backend that declares ``batchable`` but whose nets or loss
    cannot be stacked (it then trains one model at a time) fails here.
    """
    import logging

    from ganaug.sampler import fit_many

    X, y = tiny_data(backend)
    said: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("ganaug")
    level, logger.level = logger.level, logging.INFO
    logger.addHandler(handler)
    try:
        members = fit_many([_sampler(backend), _sampler(backend, random_state=1)], [(X, y)] * 2)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    draws = [member.generate({y.iloc[-1]: 5})[0] for member in members]  # each by its own seed
    assert all(len(draw) == 5 for draw in draws)
    assert _differ(*draws), "two seeds fitted together drew the same samples"
    histories = [next(iter(member.backends_.values())).history_ for member in members]
    if backend.batchable and backend.learns:
        assert histories[0] == histories[1], f"{backend.name} declares batchable, but its models trained " \
            f"one at a time: {'; '.join(said) or 'no reason logged'}. Fix what it names, or set " \
            "batchable = False on the backend class."


def check_options_validation(backend: type[Backend]) -> None:
    """Unknown option names and wrong types give OptionsError naming the option."""
    X, y = tiny_data(backend)
    for bad in ({"no_such_option": 1}, {"batch_size": "big"}):
        try:
            _sampler(backend, **bad).fit_resample(X, y)
        except OptionsError as err:
            assert next(iter(bad)) in str(err), str(err)
        else:
            raise AssertionError(f"options {bad} were accepted")


def check_history(backend: type[Backend]) -> None:
    """Training records finite losses, one dict per epoch (none for a backend that ``learns`` nothing)."""
    X, y = tiny_data(backend)
    sampler = _sampler(backend)
    sampler.fit_resample(X, y)
    model = next(iter(sampler.backends_.values()))
    assert len(model.history_) == (TINY["epochs"] if backend.learns else 0), model.history_
    assert all(np.isfinite(v) for epoch in model.history_ for v in epoch.values())


def check_save_load(backend: type[Backend]) -> None:
    """Saved and loaded back, the sampler draws exactly the same rows, and so does a backend saved alone.

    ``Backend.fit`` records the shapes a file needs, and drops the run's
    ``fit_state``: nothing of training (optimisers, rows) outlives it.
    """
    import torch

    X, y = tiny_data(backend)
    sampler = _sampler(backend)
    sampler.fit_resample(X, y)
    counts = {"minor": 6, "rare": 4}
    model = next(iter(sampler.backends_.values()))
    assert model.fit_state is None, "fit_state outlived the fit"
    for name in ("sample_shape_", "n_classes_", "layout_"):
        assert hasattr(model, name), f"fit did not record {name}"
    with tempfile.TemporaryDirectory() as folder:
        loaded = GANOverSampler.load(sampler.save(Path(folder) / "model.safetensors"), "cpu", backend)
        alone = backend.load(model.save(Path(folder) / "backend.safetensors"), "cpu")
    _assert_same(sampler.generate(counts)[0], loaded.generate(counts)[0])
    draws = [m.sample(5, 0, torch.Generator().manual_seed(0)) for m in (model, alone)]
    assert torch.equal(draws[0], draws[1]), "a backend saved alone draws other samples once loaded"


def check_device_move(backend: type[Backend]) -> None:
    """``Backend.to(device)`` moves every module; sampling works there (CPU, and CUDA if present)."""
    import torch

    X, y = tiny_data(backend)
    sampler = _sampler(backend)
    sampler.fit_resample(X, y)
    counts = {"minor": 6, "rare": 4}
    before = sampler.generate(counts)[0]
    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    for device in devices:
        for model in {id(m): m for m in sampler.backends_.values()}.values():
            model.to(device)
            params = [p for module in model.modules().values() for p in module.parameters()]
            assert all(p.device.type == device for p in params), f"not all on {device}"
        after = sampler.generate(counts)[0]
        assert len(after) == len(before)
        if device == "cpu":
            _assert_same(before, after)


def _without_collapse_warnings(check: Callable[[type[Backend]], None]) -> Callable[[type[Backend]], None]:
    """The kit trains for 2 epochs, so generators are often still collapsed: not the plugin's fault,
    and not worth a warning in its test log."""

    @functools.wraps(check)
    def quiet(backend: type[Backend]) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModeCollapseWarning)
            check(backend)

    return quiet


CHECKS: dict[str, Callable[[type[Backend]], None]] = {
    f.__name__.removeprefix("check_"): _without_collapse_warnings(f)
    for f in (check_contract, check_fit_tabular, check_messy_table, check_class_counts, check_array_input,
              check_fit_images, check_seeding, check_conditioning, check_stacking, check_options_validation,
              check_history, check_save_load, check_device_move)
}


KIND_CHECKS = {"fit_tabular": "tabular", "messy_table": "tabular", "array_input": "tabular",
               "fit_images": "image"}


def backend_checks(backend: type[Backend]) -> Iterator[tuple[str, Callable]]:
    """``(name, check)`` pairs for a backend; data-kind checks only for the kinds it takes."""
    for name, check in CHECKS.items():
        if KIND_CHECKS.get(name, next(iter(backend.data_kinds))) in backend.data_kinds:
            yield name, check


def check_backend(backend: type[Backend]) -> None:
    """Run every conformance check on ``backend``; raise on the first failure."""
    expected = getattr(backend, "expected_failures", {})
    for name, check in backend_checks(backend):
        if name not in expected:
            check(backend)


def parametrize_backend_checks(backends: Iterable[type[Backend]] | None = None):
    """A ``pytest.mark.parametrize`` over ``(backend, check)``, one test id per pair.

    ``backends`` defaults to every registered backend.
    """
    import pytest

    backends = list(get_host().backends().values()) if backends is None else list(backends)
    params = []
    for backend in backends:
        expected = getattr(backend, "expected_failures", {})
        for name, check in backend_checks(backend):
            marks = [pytest.mark.xfail(reason=expected[name], strict=True)] if name in expected else []
            params.append(pytest.param(backend, check, id=f"{backend.name}-{name}", marks=marks))
    return pytest.mark.parametrize("backend, check", params)


__all__ = ["CHECKS", "check_backend", "messy_table", "parametrize_backend_checks", "tiny_data", "tiny_images",
           "tiny_table"]
