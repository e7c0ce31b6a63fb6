"""Bad and odd inputs, table-driven: each gives a correct result or an error of ganaug's own types.

For every case the error must be a :class:`ganaug.errors.GanaugError` (no raw
numpy, pandas or torch exception escapes) with a message that says what is
wrong, and the caller's objects must be unchanged. Cases cover tables,
targets, images, options, sampling strategies, ``generate``, files and the
command line.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

from ganaug import GANOverSampler
from ganaug.cli import main
from ganaug.data.folders import read_image_folder, write_image_folder
from ganaug.errors import GanaugError, NotFittedError
from ganaug.testing import tiny_images, tiny_table

FAST = {"epochs": 1, "batch_size": 16, "random_state": 0, "device": "cpu"}


def assert_same(before, after):
    """The caller's object is as it was (DataFrames, arrays, sparse matrices, lists, dicts, scalars)."""
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(before, after)
    elif isinstance(before, pd.Series):
        pd.testing.assert_series_equal(before, after)
    elif scipy.sparse.issparse(before):
        assert (before != after).nnz == 0
    elif isinstance(before, np.ndarray):
        np.testing.assert_array_equal(before, after)
    else:
        assert repr(before) == repr(after)


def written(path, text):
    path.write_text(text)
    return path


def outcome(call):
    """Run ``call``: a result, or a ganaug error whose message explains; anything else fails the case."""
    try:
        return call()
    except GanaugError as err:
        message = str(err)
        assert len(message) > 25, f"{type(err).__name__} with too short a message: {message!r}"
        assert "np.int64(" not in message and "np.float64(" not in message, message
        return err
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 - what this test is about
        raise AssertionError(f"a raw {type(err).__module__}.{type(err).__name__} escaped: {err}") from err


def check_resample(X, y, **params):
    X0, y0 = copy.deepcopy(X), copy.deepcopy(y)
    result = outcome(lambda: GANOverSampler(**{**FAST, **params}).fit_resample(X, y))
    assert_same(X0, X)
    assert_same(y0, y)
    if not isinstance(result, GanaugError):
        X_res, y_res = result
        assert np.shape(X_res)[0] == len(y_res) >= len(y0)


# ---- tables --------------------------------------------------------------------------------
def table(**columns):
    X, y = tiny_table()
    return X.assign(**columns), y


def arrow_dictionary(values):
    import pyarrow as pa

    kind = pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))
    return pd.Series(pa.array(values).dictionary_encode(), dtype=kind)


N = len(tiny_table()[1])
RNG = np.random.default_rng(0)
TABLES = {
    "no rows": lambda: (tiny_table()[0].iloc[:0], tiny_table()[1].iloc[:0]),
    "no columns": lambda: (pd.DataFrame(index=range(N)), tiny_table()[1]),
    "a 1-D array": lambda: (np.arange(N, dtype=float), tiny_table()[1]),
    "a scalar": lambda: (3.0, tiny_table()[1]),
    "a string": lambda: ("data.csv", tiny_table()[1]),
    "a dict": lambda: ({"a": [1, 2]}, tiny_table()[1]),
    "None": lambda: (None, tiny_table()[1]),
    "ragged rows": lambda: ([[1.0, 2.0]] * (N - 1) + [[1.0]], tiny_table()[1]),
    "a NaN": lambda: table(extra=np.r_[np.nan, np.zeros(N - 1)]),
    "an inf": lambda: table(extra=np.r_[np.inf, np.zeros(N - 1)]),
    "a -inf": lambda: table(extra=np.r_[-np.inf, np.zeros(N - 1)]),
    "complex values": lambda: table(extra=np.ones(N) * 1j),
    "dates": lambda: table(extra=pd.date_range("2020-01-01", periods=N)),
    "durations": lambda: table(extra=pd.to_timedelta(np.arange(N), unit="s")),
    "free text": lambda: table(extra=[f"note number {i}" * 3 for i in range(N)]),
    "dicts in a column": lambda: table(extra=[{"k": i} for i in range(N)]),
    "lists in a column": lambda: table(extra=[[i] for i in range(N)]),
    "duplicate column names": lambda: (pd.concat([tiny_table()[0], tiny_table()[0][["height"]]], axis=1),
                                       tiny_table()[1]),
    "mixed types in a column": lambda: table(extra=[1 if i % 2 else "a" for i in range(N)]),
    "values near 1e308": lambda: table(extra=np.linspace(-1e308, 1e308, N)),
    "uint64 above 2**63": lambda: table(extra=np.arange(N, dtype=np.uint64) + np.uint64(2**63)),
    "booleans only": lambda: (tiny_table()[0][["flag"]].assign(other=lambda f: ~f["flag"]), tiny_table()[1]),
    "a constant column": lambda: table(extra=np.ones(N)),
    "only constant columns": lambda: (pd.DataFrame({"a": np.ones(N), "b": ["x"] * N}), tiny_table()[1]),
    "unused categories": lambda: table(extra=pd.Categorical(["a"] * N, categories=["a", "b", "c"])),
    "a string dtype": lambda: table(extra=pd.array(["p", "q"] * (N // 2), dtype="string")),
    "integer column names": lambda: (tiny_table()[0].set_axis(range(5), axis=1), tiny_table()[1]),
    "tuple column names": lambda: (tiny_table()[0].set_axis([(i, "c") for i in range(5)], axis=1),
                                   tiny_table()[1]),
    "a list of lists": lambda: (tiny_table()[0][["height", "count"]].to_numpy().tolist(), tiny_table()[1]),
    # built from its entries: scipy.sparse.random draws positions among all 2**22 * N cells, for a minute
    "a large sparse matrix": lambda: (scipy.sparse.csr_matrix(
        (np.ones(N), (np.arange(N), np.arange(N) * 997)), shape=(N, 2**22)), tiny_table()[1]),
    "a small sparse matrix": lambda: (scipy.sparse.csr_matrix(tiny_table()[0][["height", "count"]]
                                                              .to_numpy()), tiny_table()[1]),
    "a Series": lambda: (tiny_table()[0]["height"], tiny_table()[1]),
    "numbers as objects": lambda: (tiny_table()[0][["height", "count"]].to_numpy().astype(object),
                                   tiny_table()[1]),
    "a None in a text column": lambda: table(extra=[None] + ["a"] * (N - 1)),
    "a nullable Int64 with a NA": lambda: table(extra=pd.array([pd.NA] + [1] * (N - 1), dtype="Int64")),
    "a 3-D array too small for images": lambda: (np.zeros((N, 5, 2)), tiny_table()[1]),
    "rows as dicts": lambda: ([{"a": 1.0}] * N, tiny_table()[1]),
    # round three: column types a careless export produces
    "periods": lambda: table(extra=pd.period_range("2020-01", periods=N, freq="M")),
    "intervals": lambda: table(extra=pd.interval_range(0, N)),
    "an Arrow dictionary column (valid)": lambda: table(extra=arrow_dictionary(["a", "b"] * (N // 2))),
    "Decimal values (valid)": lambda: table(extra=[decimal.Decimal("1.25") * i for i in range(N)]),
    "Decimal values with a None (valid)": lambda: table(extra=[None] + [decimal.Decimal(i) for i in
                                                                       range(N - 1)]),
    "date-times in three time zones (valid)": lambda: table(extra=[
        datetime.datetime(2020, 1, 1 + i % 20, tzinfo=datetime.timezone(datetime.timedelta(hours=i % 3)))
        for i in range(N)]),
    "naive and aware date-times mixed": lambda: table(extra=[
        datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC if i % 2 else None) for i in range(N)]),
    "dates in the year 1500": lambda: table(extra=np.array(["1500-01-01"] * N, dtype="datetime64[s]")),
    "dates in the year 2400": lambda: table(extra=np.array(["2400-06-01"] * N, dtype="datetime64[s]")),
    "dates in seconds, in range (valid)": lambda: table(extra=np.arange(N).astype("datetime64[s]")),
    "a time-zone aware column (valid)": lambda: table(extra=pd.date_range("2021-03-01", periods=N,
                                                                          tz="Europe/Paris")),
    "sets in a column": lambda: table(extra=[{i} for i in range(N)]),
    "bytes values (valid)": lambda: table(extra=[b"\xff\x00" if i % 2 else b"ok" for i in range(N)]),
    "arrays in a column": lambda: table(extra=[np.zeros(2)] * N),
    "float16 values (valid)": lambda: table(extra=np.linspace(0, 1, N).astype(np.float16)),
    "uint8 values (valid)": lambda: table(extra=np.arange(N, dtype=np.uint8)),
    "a nullable boolean with a NA (valid)": lambda: table(extra=pd.array(
        ([pd.NA] + [True, False] * N)[:N], dtype="boolean")),
    "a feature named like the label (valid)": lambda: table(label=np.arange(N) % 2),
    "a column of only NaN": lambda: table(extra=np.full(N, np.nan)),
    "one row per class": lambda: (tiny_table()[0].iloc[[0, 40, 48]], tiny_table()[1].iloc[[0, 40, 48]]),
}


@pytest.mark.parametrize("case", sorted(TABLES))
def test_tables(case):
    check_resample(*TABLES[case]())


# ---- targets -----------------------------------------------------------------------------------
def target(y):
    return lambda: (tiny_table()[0], y() if callable(y) else y)


LABELS = tiny_table()[1]
TARGETS = {
    "None": target(None),
    "too short": target(lambda: LABELS.iloc[:-3]),
    "too long": target(lambda: pd.concat([LABELS, LABELS.iloc[:3]])),
    "2-D, not one-hot": target(lambda: np.ones((N, 3))),
    "one-hot": target(lambda: pd.get_dummies(LABELS).to_numpy().astype(int)),
    "continuous": target(lambda: RNG.uniform(size=N)),
    "rounded floats": target(lambda: np.round(RNG.uniform(size=N), 1)),
    "a NaN label": target(lambda: LABELS.where(LABELS.index > 0, np.nan)),
    "a None label": target(lambda: [None] + LABELS.tolist()[1:]),
    "labels 1, '1' and 'a'": target(lambda: np.array([1, "1", "a"] * (N // 3), dtype=object)),
    "one class": target(lambda: np.zeros(N, int)),
    "a class of one row": target(lambda: LABELS.tolist()[:-1] + ["lonely"]),
    "strings": target(lambda: LABELS.astype(str)),
    "booleans": target(lambda: (LABELS == "major").to_numpy()),
    "a one-column DataFrame": target(lambda: LABELS.to_frame()),
    "a list": target(lambda: LABELS.tolist()),
    "complex labels": target(lambda: np.ones(N) + 1j * (np.arange(N) % 2)),
    "dict labels": target(lambda: np.array([{"c": i % 2} for i in range(N)], dtype=object)),
    "a scalar": target(3),
    "a string": target("label"),
    "integers as floats": target(lambda: (LABELS == "major").to_numpy().astype(float)),
    "bytes": target(lambda: LABELS.to_numpy().astype("S")),
    "bytes objects": target(lambda: np.array([v.encode() for v in LABELS], dtype=object)),
    "dates": target(lambda: np.where(LABELS == "major", np.datetime64("2020-01-01"),
                                     np.datetime64("2021-01-01"))),
    "durations": target(lambda: pd.to_timedelta((LABELS == "major").astype(int), unit="s")),
    "numpy booleans (valid)": target(lambda: (LABELS == "major").to_numpy().astype(np.bool_)),
    "a category Series (valid)": target(lambda: LABELS.astype("category")),
    "labels with spaces (valid)": target(lambda: LABELS + " class"),
}


@pytest.mark.parametrize("case", sorted(TARGETS))
def test_targets(case):
    check_resample(*TARGETS[case]())


# ---- images --------------------------------------------------------------------------------------
def images(change):
    return lambda: change(*tiny_images())


IMAGES = {
    "4x4 images": images(lambda X, y: (X[:, :4, :4], y)),
    "1024x1024 images": images(lambda X, y: (np.zeros((len(y), 1024, 1024), np.uint8), y)),
    "2 channels": images(lambda X, y: (np.stack([X, X], axis=-1), y)),
    "5 channels": images(lambda X, y: (np.stack([X] * 5, axis=-1), y)),
    "NaN pixels": images(lambda X, y: (np.where(X > 200, np.nan, X.astype(float)), y)),
    "boolean images": images(lambda X, y: (X > 100, y)),
    "complex images": images(lambda X, y: (X * 1j, y)),
    "object images": images(lambda X, y: (X.astype(object), y)),
    "images of two sizes": images(lambda X, y: ([x for x in X[:-1]] + [np.zeros((9, 9), np.uint8)], y)),
    "no images": images(lambda X, y: (X[:0], y[:0])),
    "float images in [0, 1]": images(lambda X, y: (X / 255.0, y)),
    "8x300 strips": images(lambda X, y: (np.zeros((len(y), 8, 300), np.uint8), y)),
    "300x8 strips": images(lambda X, y: (np.zeros((len(y), 300, 8), np.uint8), y)),
    "pixels near 1e300": images(lambda X, y: (X * 1e298, y)),
    "pixels near -1e300": images(lambda X, y: (X * -1e298, y)),
    "600x600 images": images(lambda X, y: (np.zeros((len(y), 600, 600), np.uint8), y)),
    "int64 pixels in 0-255 (valid)": images(lambda X, y: (X.astype(np.int64), y)),
    "RGBA images (valid)": images(lambda X, y: (np.stack([X] * 4, axis=-1), y)),
    "8x16 images (valid)": images(lambda X, y: (np.concatenate([X, X], axis=2), y)),
}


@pytest.mark.parametrize("case", sorted(IMAGES))
def test_images(case):
    check_resample(*IMAGES[case](), backend="dcgan", width=4)


@pytest.mark.parametrize("case, backend, params", [
    ("a table to an image backend", "dcgan", {}),
    ("refine='augment' on a table", "wgan-gp", {"refine": "augment"}),
])
def test_data_kinds(case, backend, params):
    check_resample(*tiny_table(), backend=backend, **params)


def test_refine_interpolate_on_images_returns_them_as_drawn():
    check_resample(*tiny_images(), backend="dcgan", width=4, refine="interpolate")


# ---- options and parameters ---------------------------------------------------------------------
OPTIONS = {
    "an unknown option": {"no_such": 1},
    "a wrong type": {"batch_size": "big"},
    "steps=-1": {"steps": -1, "epochs": None},
    "steps=0": {"steps": 0, "epochs": None},
    "a negative learning rate": {"lr_generator": -1e-3},
    "epochs=0": {"epochs": 0},
    "epochs=1.5": {"epochs": 1.5},
    "batch_size='16'": {"batch_size": "16"},
    "batch_size=True": {"batch_size": True},
    "n_jobs=0": {"n_jobs": 0},
    "n_jobs='2'": {"n_jobs": "2"},
    "checkpoint_every=0": {"checkpoint_every": 0},
    "checkpoint_every=-3": {"checkpoint_every": -3},
    "random_state=-1": {"random_state": -1},
    "random_state=2**64": {"random_state": 2**64},
    "random_state='seed'": {"random_state": "seed"},
    "random_state=1.5": {"random_state": 1.5},
    "conditioning='nope'": {"conditioning": "nope"},
    "conditional with an unconditional backend": {"conditioning": "conditional", "backend": "gan"},
    "an unknown backend": {"backend": "nope"},
    "a backend that is a number": {"backend": 3},
    "a backend that is a dict": {"backend": {"name": "gan"}},
    "device='tpu'": {"device": "tpu"},
    "device='cuda' without a GPU": {"device": "cuda:7"},
    "refine='bogus'": {"refine": "bogus"},
    "refine=3": {"refine": 3},
    "verbose='loud'": {"verbose": "loud"},
    "a layer of width 0": {"generator_dims": (0,)},
    "widths as text": {"generator_dims": "wide"},
    "a fractional width": {"generator_dims": (8.5,)},
    "one beta": {"betas": (0.5,)},
    "optimizer='sgd'": {"optimizer": "sgd"},
    "class_balance=2": {"class_balance": 2.0},
    "precision='fp16'": {"precision": "fp16"},
    "a negative penalty weight": {"gp_weight": -1.0},
    "numpy integers (valid)": {"steps": np.int64(3), "epochs": None, "random_state": np.int64(2)},
    "a source class that is none": {"backend": "cyclegan", "source_class": "nobody"},
    "a source class that is grown": {"backend": "cyclegan", "source_class": "minor"},
    "a fused compile of cyclegan": {"backend": "cyclegan", "compile": True},
    "ctgan with pac=0": {"backend": "ctgan", "pac": 0},
    "a DiffAugment policy that is none": {"backend": "cyclegan", "diffaugment": "blur"},
    "ema_decay=1": {"backend": "cyclegan", "ema_decay": 1.0},
    "gp_weight=inf": {"gp_weight": float("inf")},
    "a NaN learning rate": {"lr_generator": float("nan")},
    "an infinite learning rate": {"lr_critic": float("inf")},
    "a beta of NaN": {"betas": (float("nan"), 0.9)},
    "class_balance=NaN": {"class_balance": float("nan")},
    "n_critic=10**9": {"n_critic": 10**9},
    "epochs=10**9": {"epochs": 10**9},
    "steps=10**12": {"steps": 10**12, "epochs": None},
    "layers of a million units": {"generator_dims": (10**6, 10**6)},
    "a critic of 10**8 units": {"critic_dims": (10**8,)},
    "noise of 10**8 values": {"noise_dim": 10**8},
    "ctgan layers of 10**7 units": {"backend": "ctgan", "generator_dims": (10**7,)},
    "device='meta'": {"device": "meta"},
    "device='cuda' written oddly": {"device": "CUDA"},
    "verbose=np.True_ (valid)": {"verbose": np.True_},
    "verbose=np.False_ (valid)": {"verbose": np.False_},
    "a batch of 10**9 rows": {"batch_size": 10**9},
}


@pytest.mark.parametrize("case", sorted(OPTIONS))
def test_options(case):
    check_resample(*tiny_table(), **OPTIONS[case])


@pytest.mark.parametrize("case", ["a folder", "a file of the user's", "resume without one"])
def test_checkpoint_paths(case, tmp_path):
    precious = tmp_path / "notes.safetensors"
    precious.write_bytes(b"the user's own file")
    path = {"a folder": tmp_path, "a file of the user's": precious, "resume without one": None}[case]
    X, y = tiny_table()
    resume = case == "resume without one"
    result = outcome(lambda: GANOverSampler(**FAST, checkpoint=path).fit(X, y, resume=resume))
    assert isinstance(result, GanaugError)
    assert precious.read_bytes() == b"the user's own file"


# ---- sampling strategies --------------------------------------------------------------------------
def raises_inside(y):
    raise RuntimeError("the user's strategy failed")


STRATEGIES = {
    "None": None, "a word that is none": "bogus", "a float for 3 classes": 0.5, "a float above 1": 1.5,
    "zero": 0.0, "a negative float": -0.5, "an unknown class": {"nobody": 50},
    "fewer rows than there are": {"minor": 2}, "a negative count": {"minor": -4},
    "a count as text": {"minor": "40"}, "a callable returning text": lambda y: "all",
    "a callable that raises": raises_inside, "a callable naming no class": lambda y: {"nobody": 3},
    "a list": ["minor"], "'minority' (valid)": "minority", "a dict (valid)": {"minor": 20},
    "10**12 rows": {"minor": 10**12}, "2**63 rows": {"minor": 2**63}, "a float of 1e9": 1e9,
    "a callable asking 10**12 rows": lambda y: {"minor": 10**12},
}


@pytest.mark.parametrize("case", sorted(STRATEGIES))
def test_sampling_strategies(case):
    if case == "a callable that raises":  # the user's own error reaches them unchanged, with their traceback
        with pytest.raises(RuntimeError, match="the user's strategy failed"):
            GANOverSampler(**FAST, sampling_strategy=raises_inside).fit_resample(*tiny_table())
        return
    check_resample(*tiny_table(), sampling_strategy=STRATEGIES[case])


# ---- generate, save, load --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    return GANOverSampler(**FAST).fit(*tiny_table())


GENERATE = {
    "a count as text": lambda s: s.generate({"minor": "5"}),
    "a count as a list": lambda s: s.generate({"minor": [5]}),
    "a NaN count": lambda s: s.generate({"minor": float("nan")}),
    "a negative count": lambda s: s.generate({"minor": -5}),
    "a fractional count": lambda s: s.generate({"minor": 2.5}),
    "an unknown class": lambda s: s.generate({"nobody": 5}),
    "pairs instead of a dict": lambda s: s.generate([("minor", 5)]),
    "random_state=-1": lambda s: s.generate({"minor": 5}, random_state=-1),
    "random_state='x'": lambda s: s.generate({"minor": 5}, random_state="x"),
    "descriptions without texts": lambda s: s.generate({"minor": 5}, descriptions={"minor": "a"}),
    "batches of 0 rows": lambda s: list(s.generate_batches({"minor": 5}, batch_size=0)),
    "no rows to a file": lambda s: s.generate_to(Path(os.devnull).parent / "never.csv", {"minor": 0}),
    "a file of another kind": lambda s: s.generate_to("rows.json", {"minor": 5}),
    "zero rows (valid)": lambda s: s.generate({"minor": 0}),
    "numpy counts (valid)": lambda s: s.generate({"minor": np.int64(3)}),
    "10**12 rows": lambda s: s.generate({"minor": 10**12}),
    "10**12 rows over two classes": lambda s: s.generate({"minor": 10**12 // 2, "rare": 10**12 // 2}),
    "10**12 rows streamed": lambda s: next(s.generate_batches({"minor": 10**12})),
    "batches of 10**12 rows": lambda s: next(s.generate_batches({"minor": 10**9}, batch_size=10**12)),
    "10**12 rows to a file": lambda s: s.generate_to(Path(os.devnull).parent / "never.csv",
                                                     {"minor": 10**12}),
    "a label column that is a number": lambda s: next(s.labelled_batches({"minor": 2}, label_column=3)),
    "an empty label column name": lambda s: next(s.labelled_batches({"minor": 2}, label_column="")),
    "a label column named like a feature": lambda s: next(s.labelled_batches({"minor": 2},
                                                                             label_column="height")),
    "a label column of its own (valid)": lambda s: next(s.labelled_batches({"minor": 2}, label_column="y")),
}


@pytest.mark.parametrize("case", sorted(GENERATE))
def test_generate(fitted, case):
    outcome(lambda: GENERATE[case](fitted))


def test_generate_to_never_overwrites(fitted, tmp_path):
    target = tmp_path / "rows.csv"
    target.write_text("the user's rows\n")
    assert isinstance(outcome(lambda: fitted.generate_to(target, {"minor": 5})), GanaugError)
    assert target.read_text() == "the user's rows\n"


@pytest.mark.parametrize("call", ["generate", "save", "generate_batches"])
def test_unfitted(call, tmp_path):
    sampler = GANOverSampler()
    run = {"generate": lambda: sampler.generate({"minor": 3}),
           "save": lambda: sampler.save(tmp_path / "m.safetensors"),
           "generate_batches": lambda: list(sampler.generate_batches({"minor": 3}))}[call]
    assert isinstance(outcome(run), NotFittedError)


FILES = {
    "a missing file": lambda p: GANOverSampler.load(p / "missing.safetensors"),
    "a folder": lambda p: GANOverSampler.load(p),
    "a device": lambda p: GANOverSampler.load("/dev/zero"),
    "a CSV file": lambda p: GANOverSampler.load(written(p / "t.csv", "a,b\n1,2\n")),
    "an empty file": lambda p: GANOverSampler.load(written(p / "e.safetensors", "")),
    "saving onto a folder": lambda p: GANOverSampler(**FAST).fit(*tiny_table()).save(p),
    "an image folder that is missing": lambda p: read_image_folder(p / "nowhere"),
    "an image folder without images": lambda p: read_image_folder(p),
    "a label that climbs out": lambda p: write_image_folder(*tiny_images(n_major=4, n_minor=2)[0:1],
                                                            np.array(["../escaped"] * 7), p / "out"),
    "an absolute label": lambda p: write_image_folder(tiny_images(n_major=4, n_minor=2)[0],
                                                      np.array(["/tmp/escaped"] * 7), p / "out"),
    "a label '..'": lambda p: write_image_folder(tiny_images(n_major=4, n_minor=2)[0], np.array([".."] * 7),
                                                 p / "out"),
    "an image folder that exists": lambda p: write_image_folder(*tiny_images(n_major=4, n_minor=2), p),
    "loading onto a GPU there is not": lambda p: GANOverSampler.load(
        GANOverSampler(**FAST).fit(*tiny_table()).save(p / "m.safetensors"), device="cuda:7"),
    "loading onto the meta device": lambda p: GANOverSampler.load(
        GANOverSampler(**FAST).fit(*tiny_table()).save(p / "m.safetensors"), device="meta"),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_files(case, tmp_path):
    assert isinstance(outcome(lambda: FILES[case](tmp_path)), GanaugError)
    assert not (tmp_path.parent / "escaped").exists() and not Path("/tmp/escaped").exists()


# ---- the command line ----------------------------------------------------------------------------
FAST_CLI = ["--epochs", "1", "--batch-size", "16"]
CLI = {
    "a missing input": lambda d, c: ["resample", str(d / "missing.csv"), "--target", "label", "-o",
                                     str(d / "o.csv")],
    "a missing target column": lambda d, c: ["resample", str(c), "--target", "nope", "-o", str(d / "o.csv")],
    "an output that exists": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(c.with_name(
        "exists.csv")), *FAST_CLI],
    "the input as output": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(c), "--force"],
    "an output of another kind": lambda d, c: ["resample", str(c), "--target", "label", "-o",
                                               str(d / "o.json")],
    "a missing model": lambda d, c: ["sample", str(d / "none.safetensors"), "-o", str(d / "o.csv")],
    "a bad --option": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(d / "o.csv"),
                                    "--option", "lr"],
    "a bad --set": lambda d, c: ["run", "recipes/demo.toml", "--set", "epochs"],
    "a missing recipe": lambda d, c: ["run", str(d / "none.toml")],
    "a recipe that is not TOML": lambda d, c: ["run", str(written(d / "bad.toml", "= ="))],
    "a recipe of an unknown task": lambda d, c: ["run", str(written(d / "t.toml", 'task = "fly"'))],
    "an unknown sampler": lambda d, c: ["evaluate", str(c), "--target", "label", "--samplers", "none,nope"],
    "an unknown classifier": lambda d, c: ["evaluate", str(c), "--target", "label", "--classifiers", "nope"],
    "a checkpoint that is the output": lambda d, c: ["train", str(c), "--target", "label", "-o",
                                                     str(d / "m.safetensors"), "--checkpoint",
                                                     str(d / "m.safetensors")],
    "a checkpoint of another kind": lambda d, c: ["train", str(c), "--target", "label", "-o",
                                                  str(d / "m.safetensors"), "--checkpoint", str(d / "run")],
    "device tpu": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(d / "o.csv"),
                                "--device", "tpu", *FAST_CLI],
    "a strategy that is none": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(d / "o.csv"),
                                             "--sampling-strategy", "bogus", *FAST_CLI],
    "a negative seed": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(d / "o.csv"),
                                     "--random-state", "-1", *FAST_CLI],
    "an image output folder that exists": lambda d, c: ["resample-images", str(d), "--out", str(d)],
    "10**12 rows asked for": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(d / "o.csv"),
                                           "--sampling-strategy", "minor=1000000000000", *FAST_CLI],
    "a folder as input": lambda d, c: ["resample", str(d), "--target", "label", "-o", str(d / "o.csv")],
    "a pipe as input": lambda d, c: ["resample", str(fifo(d)), "--target", "label", "-o", str(d / "o.csv")],
    "a pipe as image folder": lambda d, c: ["resample-images", str(fifo(d)), "-o", str(d / "imgs")],
    "a file as image folder": lambda d, c: ["resample-images", str(c), "-o", str(d / "imgs")],
    "a folder as model": lambda d, c: ["sample", str(d), "-o", str(d / "o.csv")],
    "the working folder as report": lambda d, c: ["evaluate", str(c), "--target", "label", "-o", ".",
                                                  "--force"],
    "the input's folder as report": lambda d, c: ["evaluate", str(c), "--target", "label", "-o", str(d),
                                                  "--force"],
    "an unknown backend option in evaluate": lambda d, c: ["evaluate", str(c), "--target", "label",
                                                           "--option", "nosuchkey=1"],
    "a billion repeats": lambda d, c: ["evaluate", str(c), "--target", "label", "--repeats", "1000000000",
                                       "--samplers", "none"],
    "an unknown verdict metric": lambda d, c: ["evaluate", str(c), "--target", "label", "--metric", "bogus"],
    "an unknown recipe key": lambda d, c: ["run", "resample-wine", "--set", "nosuchkey=1", "--set",
                                           f"output={d / 'wine.csv'}"],
    "device meta": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(d / "o.csv"), "--device",
                                 "meta", *FAST_CLI],
    "an infinite penalty weight": lambda d, c: ["resample", str(c), "--target", "label", "-o",
                                                str(d / "o.csv"), "--option", "gp_weight=inf", *FAST_CLI],
    "n_critic of a billion": lambda d, c: ["resample", str(c), "--target", "label", "-o", str(d / "o.csv"),
                                           "--option", "n_critic=1000000000", *FAST_CLI],
    "an unknown backend in upper case": lambda d, c: ["resample", str(c), "--target", "label", "-o",
                                                      str(d / "o.csv"), "--backend", "WGAN-GP"],
    "a CSV of the user's as forced checkpoint": lambda d, c: ["train", str(c), "--target", "label", "-o",
                                                        str(d / "m.safetensors"), "--checkpoint",
                                                        str(d / "exists.csv"), "--force"],
}


def fifo(folder):
    path = folder / "pipe"
    if not path.exists():
        os.mkfifo(path)
    return path


@pytest.mark.parametrize("case", sorted(CLI))
def test_command_line(case, tmp_path, csv, capsys):
    (tmp_path / "exists.csv").write_text("kept\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    code = main(CLI[case](tmp_path, csv))
    err = capsys.readouterr().err
    assert code == 2 and "error:" in err and "Traceback" not in err, err
    assert all(p.read_bytes() == content for p, content in before.items())  # nothing of the user's changed


def test_there_are_at_least_250_cases():
    counted = (len(TABLES) + len(TARGETS) + len(IMAGES) + 3 + len(OPTIONS) + 3 + len(STRATEGIES)
               + len(GENERATE) + 1 + 3 + len(FILES) + len(CLI))
    assert counted >= 250, counted
