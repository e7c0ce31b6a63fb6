"""The text-gan backend: descriptions steer samples, per-class texts, own embeddings, the CLI."""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ganaug import GANOverSampler
from ganaug.data.datasets import load_long_tailed_digits


def described_table(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """Two classes; within each, rows described "high" have a = +3 and rows described "low" a = -3."""
    rng = np.random.default_rng(seed)
    high = rng.random(n) < 0.5
    y = pd.Series(np.where(rng.random(n) < 0.8, "common", "rare"))
    a = np.where(high, 3.0, -3.0) + rng.normal(0, 0.5, n)
    texts = [f"a {'high' if h else 'low'} {label} row" for h, label in zip(high, y)]
    return pd.DataFrame({"a": a, "b": rng.normal(0, 1, n)}), y, texts


def test_new_descriptions_steer_the_samples():
    X, y, texts = described_table()
    sampler = GANOverSampler(backend="text-gan", texts=texts, steps=500, batch_size=64, refine=None,
                             random_state=0, device="cpu")
    sampler.fit(X, y)
    high, _ = sampler.generate({"rare": 200}, descriptions={"rare": "a high rare row"})
    low, _ = sampler.generate({"rare": 200}, descriptions={"rare": "a low rare row"})
    assert high["a"].mean() > 1.5 and low["a"].mean() < -1.5, (high["a"].mean(), low["a"].mean())


def test_per_class_descriptions_with_string_keys_and_saving():
    images, y = load_long_tailed_digits(10, 0)
    texts = {"0": "a round zero", "1": ["a stick one", "a thin one"]}  # TOML keys are strings
    sampler = GANOverSampler(backend="text-gan", texts=texts, epochs=1, batch_size=32, random_state=0,
                             device="cpu")
    sampler.fit_resample(images, y)
    model = next(iter(sampler.backends_.values()))
    assert len(model.bank) == 11  # 1 + 2 descriptions, and 8 classes described by their name
    with tempfile.TemporaryDirectory() as folder:
        loaded = GANOverSampler.load(sampler.save(Path(folder) / "m.safetensors"), "cpu")
    for descriptions in (None, {1: ["a stick one", "a thin one"]}):
        np.testing.assert_array_equal(sampler.generate({1: 4}, descriptions=descriptions)[0],
                                      loaded.generate({1: 4}, descriptions=descriptions)[0])


def test_own_embeddings_and_bad_texts():
    X, y, texts = described_table(n=120)
    vectors = np.c_[[t.count("high") for t in texts], np.ones(len(texts))]
    sampler = GANOverSampler(backend="text-gan", text_embeddings=vectors, epochs=1, random_state=0,
                             device="cpu")
    sampler.fit_resample(X, y)
    assert len(sampler.generate({"rare": 3}, descriptions={"rare": [1.0, 1.0]})[0]) == 3
    with pytest.raises(ValueError, match="vectors of length 2"):
        sampler.generate({"rare": 3}, descriptions={"rare": "a high row"})
    with pytest.raises(ValueError, match="120 entries but X has 60 rows"):
        GANOverSampler(backend="text-gan", texts=texts, epochs=1).fit_resample(X[:60], y[:60])
    with pytest.raises(ValueError, match="not in y"):
        GANOverSampler(backend="text-gan", texts={"nope": "x"}, epochs=1).fit_resample(X, y)
    with pytest.raises(ValueError, match="text-conditioned"):
        GANOverSampler(backend="wgan", epochs=1).fit(X, y).generate({"rare": 1}, descriptions={"rare": "x"})


def test_sample_command_draws_from_a_new_description(tmp_path, capsys):
    from ganaug.cli import main

    X, y, texts = described_table(120)
    sampler = GANOverSampler(backend="text-gan", texts=texts, epochs=1, batch_size=32, refine=None,
                             random_state=0, device="cpu").fit(X, y)
    model = sampler.save(tmp_path / "m.safetensors")
    out = tmp_path / "high.csv"
    assert main(["sample", str(model), "-o", str(out), "--counts", "rare=5", "--random-state", "3",
                 "--description", "rare=a high rare row"]) == 0
    expected, _ = sampler.generate({"rare": 5}, random_state=3, descriptions={"rare": "a high rare row"})
    plain, _ = sampler.generate({"rare": 5}, random_state=3)
    written = pd.read_csv(out)
    np.testing.assert_allclose(written[["a", "b"]], expected[["a", "b"]], rtol=1e-5)
    assert not np.allclose(written[["a", "b"]], plain[["a", "b"]])
    assert main(["sample", str(model), "-o", str(tmp_path / "x.csv"), "--description", "rare"]) == 2
    assert "LABEL=TEXT" in capsys.readouterr().err
    assert main(["sample", str(model), "-o", str(tmp_path / "y.csv"), "--description", "other=a row"]) == 2
    assert "no generator for ['other']" in capsys.readouterr().err
