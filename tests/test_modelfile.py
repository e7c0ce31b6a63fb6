"""Saving and loading samplers and backends: the model file (ganaug.modelfile, GANOverSampler.save/load)."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file

from ganaug import GANOverSampler
from ganaug.errors import ModelFileError
from ganaug.modelfile import FORMAT_VERSION
from ganaug.testing import tiny_table


@pytest.fixture
def fitted(table, fast):
    X, y = table
    sampler = GANOverSampler(**fast)
    sampler.fit_resample(X, y)
    return sampler


def rewrite(path, out, edit_config=None, edit_tensors=None):
    from safetensors import safe_open

    with safe_open(str(path), "pt") as handle:
        config = json.loads(handle.metadata()["ganaug"])
    tensors = load_file(path)
    if edit_config:
        edit_config(config)
    if edit_tensors:
        edit_tensors(tensors)
    save_file(tensors, out, metadata={"ganaug": json.dumps(config)})
    return out


@pytest.mark.parametrize("refine", ["interpolate", None])
def test_round_trip_gives_the_same_samples(table, fast, tmp_path, refine):
    X, y = table
    sampler = GANOverSampler(**fast, refine=refine)
    X_res, _ = sampler.fit_resample(X, y)
    path = sampler.save(tmp_path / "model.safetensors")
    loaded = GANOverSampler.load(path, device="cpu")
    again, labels = loaded.generate(sampler.sampling_strategy_)
    pd.testing.assert_frame_equal(again, X_res[sampler.sample_is_synthetic_].reset_index(drop=True))
    assert loaded.get_params()["refine"] == refine and loaded.get_params()["backend"] == "cgan"
    assert list(tmp_path.iterdir()) == [path]  # the temp file of the atomic write is gone


def test_loading_never_unpickles(fitted, tmp_path, monkeypatch):
    path = fitted.save(tmp_path / "m.safetensors")

    def forbidden(*args, **kwargs):
        raise AssertionError("unpickling during load")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    GANOverSampler.load(path).generate({"rare": 3})


def test_damaged_and_foreign_files_are_refused(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.safetensors")
    with pytest.raises(ModelFileError, match="does not exist"):
        GANOverSampler.load(tmp_path / "missing.safetensors")
    damaged = tmp_path / "damaged.safetensors"
    damaged.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="not a ganaug model file, or it is damaged"):
        GANOverSampler.load(damaged)
    pickled = tmp_path / "evil.safetensors"
    pickled.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(ModelFileError, match="damaged"):
        GANOverSampler.load(pickled)
    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, foreign)
    with pytest.raises(ModelFileError, match="not a ganaug model"):
        GANOverSampler.load(foreign)


def test_newer_format_and_tampered_weights_say_so(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.safetensors")
    newer = rewrite(path, tmp_path / "newer.safetensors",
                    edit_config=lambda c: c.update(format_version=FORMAT_VERSION + 1, ganaug_version="9.0"))
    with pytest.raises(ModelFileError, match="saved by ganaug 9.0.*Upgrade ganaug"):
        GANOverSampler.load(newer)

    def shrink(tensors):
        key = next(k for k in tensors if k.startswith("backend0."))
        tensors[key] = tensors[key][:1]

    tampered = rewrite(path, tmp_path / "tampered.safetensors", edit_tensors=shrink)
    with pytest.raises(ModelFileError, match="do not fit backend 'cgan'"):
        GANOverSampler.load(tampered)
    unknown = rewrite(path, tmp_path / "unknown.safetensors", edit_config=lambda c: c.update(backend="nope"))
    with pytest.raises(ModelFileError, match="needs backend 'nope'"):
        GANOverSampler.load(unknown)


def test_unfitted_sampler_cannot_be_saved(tmp_path):
    with pytest.raises(RuntimeError, match="not fitted"):
        GANOverSampler().save(tmp_path / "m.safetensors")
    assert not list(tmp_path.iterdir())


def test_per_class_models_and_int_labels(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = np.r_[np.zeros(30, int), np.ones(10, int)]
    sampler = GANOverSampler(backend="gan", epochs=2, batch_size=16, random_state=0)
    sampler.fit_resample(X, y)
    loaded = GANOverSampler.load(sampler.save(tmp_path / "m.safetensors"))
    first, _ = sampler.generate({1: 5})
    second, labels = loaded.generate({1: 5})
    pd.testing.assert_frame_equal(first, second)
    assert labels.dtype == y.dtype and (labels == 1).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_saved_on_gpu_loads_on_cpu(table, fast, tmp_path):
    X, y = table
    sampler = GANOverSampler(**{**fast, "device": "cuda"})
    sampler.fit_resample(X, y)
    loaded = GANOverSampler.load(sampler.save(tmp_path / "m.safetensors"), device="cpu")
    assert next(iter(loaded.backends_.values())).device.type == "cpu"
    assert len(loaded.generate({"rare": 4})[0]) == 4


def test_backend_level_save_and_load(fitted, tmp_path):
    from ganaug import Backend, load_backend

    model = next(iter(fitted.backends_.values()))
    path = model.save(tmp_path / "backend.safetensors")
    for loaded in (load_backend(path, device="cpu"), type(model).load(path, device="cpu")):
        assert type(loaded) is type(model) and loaded.options == model.options
        same = [m.sample(5, 1, torch.Generator().manual_seed(3)) for m in (model, loaded)]
        torch.testing.assert_close(*same)
    with pytest.warns(DeprecationWarning, match="use ganaug.load_backend"):
        assert type(Backend.load(path, device="cpu")) is type(model)  # the base class: the old way, for now
    with pytest.raises(ModelFileError, match="not 'ganaug.sampler'"):
        GANOverSampler.load(path)


@pytest.mark.parametrize("backend", ["cyclegan", "cogan"])
def test_per_class_models_of_a_source_pairing_backend_load(backend, tmp_path):
    # each model learns its class and the source class (2 classes); formats 1 and 2 saved 1 and could not
    # be loaded
    X, y = tiny_table()
    sampler = GANOverSampler(backend=backend, conditioning="per-class", epochs=1, random_state=0).fit(X, y)
    assert {m.n_classes_ for m in sampler.backends_.values()} == {2}
    loaded = GANOverSampler.load(sampler.save(tmp_path / "m.safetensors"), "cpu")
    pd.testing.assert_frame_equal(sampler.generate({"minor": 5})[0], loaded.generate({"minor": 5})[0])
