"""Damaged and tampered model files: every one is refused with a ModelFileError, nothing else escapes.

Each case starts from a valid model file and changes one thing in its JSON
configuration, its tensors or its bytes (``tests/fixtures`` holds none of
them: they are made here). ``benchmarks/model_files.py`` measures the memory
that refusing them takes.
"""

from __future__ import annotations

import copy
import json
import os

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from sklearn.base import clone

from ganaug import GANOverSampler
from ganaug.errors import ModelFileError
from ganaug.testing import tiny_images, tiny_table

SMALL = {"epochs": 1, "batch_size": 20, "random_state": 0, "device": "cpu", "generator_dims": (16, 16),
         "critic_dims": (16, 16), "noise_dim": 8}


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    """``{kind: (config, tensors)}`` of valid model files: a table (with its real rows) and images."""
    folder = tmp_path_factory.mktemp("valid")
    table = GANOverSampler(backend="wgan-gp", **SMALL).fit(*tiny_table()).save(folder / "table.safetensors")
    images = GANOverSampler(backend="dcgan", epochs=1, batch_size=20, random_state=0, device="cpu", width=4,
                            noise_dim=8).fit(*tiny_images()).save(folder / "images.safetensors")
    return {kind: read(path) for kind, path in (("table", table), ("images", images))}


def read(path):
    with safe_open(str(path), framework="pt") as handle:
        return json.loads(handle.metadata()["ganaug"]), {k: handle.get_tensor(k) for k in handle.keys()}  # noqa: SIM118


def delete(key):
    return lambda config, tensors: config.pop(key)


def set_to(path, value):
    def change(config, tensors):
        *parents, last = path
        target = config
        for part in parents:
            target = target[part]
        target[last] = value
    return change


def tensor(key, value):
    return lambda config, tensors: tensors.__setitem__(key, value)


def one_changed(values, value):
    """A copy of ``values`` with its first element set to ``value`` (the fixture's tensors stay valid)."""
    values = values.clone()
    values.view(-1)[0] = value
    return values


def first_weight(tensors):
    return next(k for k in tensors if k.startswith("backend0.") and k.endswith("weight"))


CONFIG_CASES = {
    **{f"no {key}": delete(key) for key in ("backend", "params", "classes", "classes_dtype",
                                             "sampling_strategy", "conditional", "seed", "codec", "models",
                                             "model_of_class")},
    **{f"{key} of the wrong type": set_to([key], value) for key, value in (
        ("backend", 3), ("params", []), ("classes", "major"), ("classes_dtype", 5), ("sampling_strategy", {}),
        ("conditional", "yes"), ("seed", "0"), ("codec", []), ("models", {}), ("model_of_class", 1))},
    "no classes": set_to(["classes"], []),
    "duplicate classes": set_to(["classes"], ["major", "major", "rare"]),
    "a class that is a mapping": set_to(["classes"], ["major", {"a": 1}, "rare"]),
    "a dates dtype for labels": set_to(["classes_dtype"], "<M8[ns]"),
    "a dtype that is not one": set_to(["classes_dtype"], "no-such-dtype"),
    "a negative count": set_to(["sampling_strategy"], [["minor", -5]]),
    "a count of 10**12": set_to(["sampling_strategy"], [["minor", 10**12]]),
    "a count that is a fraction": set_to(["sampling_strategy"], [["minor", 2.5]]),
    "a count for no class": set_to(["sampling_strategy"], [["nobody", 3]]),
    "a count that is no pair": set_to(["sampling_strategy"], [["minor"]]),
    "a model index out of range": set_to(["model_of_class"], [["minor", 7]]),
    "a negative model index": set_to(["model_of_class"], [["minor", -1]]),
    "a model for no class": set_to(["model_of_class"], [["nobody", 0]]),
    "a model that is no mapping": set_to(["models"], ["model"]),
    "a model without classes": set_to(["models", 0, "n_classes"], 0),
    "a model for 10**9 classes": set_to(["models", 0, "n_classes"], 10**9),
    "a negative sample shape": set_to(["models", 0, "sample_shape"], [-3]),
    "a sample shape of words": set_to(["models", 0, "sample_shape"], ["wide"]),
    "a sample shape of two sides": set_to(["models", 0, "sample_shape"], [4, 4]),
    "a negative seed": set_to(["seed"], -1),
    "a seed of 2**40": set_to(["seed"], 2**40),
    "a parameter named generate": set_to(["params", "generate"], 1),
    "a parameter named _seed_": set_to(["params", "_seed_"], 3),
    "refine='bogus'": set_to(["params", "refine"], "bogus"),
    "steps=-100 in the parameters": set_to(["params", "steps"], -100),
    "n_jobs=0": set_to(["params", "n_jobs"], 0),
    "conditioning='nope'": set_to(["params", "conditioning"], "nope"),
    "another backend in the parameters": set_to(["params", "backend"], "ctgan"),
    "a backend that is not installed": set_to(["backend"], "no-such-backend"),
    "MLP widths of 12000": set_to(["models", 0, "options", "generator_dims"], [12000, 12000]),
    "steps=-100 in the options": set_to(["models", 0, "options", "steps"], -100),
    "an unknown option": set_to(["models", 0, "options", "bogus"], 1),
    "options that are a list": set_to(["models", 0, "options"], [1, 2]),
    "an unknown numeric encoding": set_to(["codec", "numeric"], "bogus"),
    "codec columns that are no list": set_to(["codec", "columns"], "height"),
    "a codec column without a dtype": lambda config, tensors: config["codec"]["columns"][0].pop("dtype"),
    "a codec column of a dtype that is none": set_to(["codec", "columns", 0, "dtype"], "no-such-dtype"),
    "an image codec on a table": set_to(["codec", "kind"], "image"),
    "a category more than the weights know": lambda config, tensors: config["codec"]["columns"][2][
        "levels"].append("purple"),
    # round three: labels a dtype would change, numbers that are none, column dtypes that cut values
    "labels cut to one letter (<U1)": set_to(["classes_dtype"], "<U1"),
    "labels turned into booleans (|b1)": set_to(["classes_dtype"], "|b1"),
    "labels as bytes (|S5)": set_to(["classes_dtype"], "|S5"),
    "labels as complex numbers": set_to(["classes_dtype"], "<c16"),
    "labels as void": set_to(["classes_dtype"], "|V8"),
    "number labels stored as integers": lambda config, tensors: (
        config.__setitem__("classes", [0.5, 1.5, 2.5]), config.__setitem__("classes_dtype", "<i8")),
    "a NaN lower bound of a column": set_to(["codec", "columns", 0, "low"], float("nan")),
    "an infinite upper bound of a column": set_to(["codec", "columns", 0, "high"], float("inf")),
    "a NaN quantile": set_to(["codec", "columns", 0, "model", "quantiles", 3], float("nan")),
    "an infinite fill value": set_to(["codec", "columns", 0, "fill"], float("-inf")),
    "a NaN option": set_to(["models", 0, "options", "lr_generator"], float("nan")),
    "an infinite option in the parameters": set_to(["params", "gp_weight"], float("inf")),
    "a column dtype of one letter (<U1)": set_to(["codec", "columns", 2, "dtype"], "<U1"),
    "a column dtype of bytes": set_to(["codec", "columns", 2, "dtype"], "|S3"),
    "a complex column dtype": set_to(["codec", "columns", 0, "dtype"], "complex128"),
    "a million quantiles": set_to(["codec", "columns", 0, "model", "quantiles"], [0.0] * 10**6),
    "format_version as text": set_to(["format_version"], "2"),
    "format_version 99": set_to(["format_version"], 99),
    "another format": set_to(["format"], "ganaug.checkpoint"),
}
TENSOR_CASES = {
    "a weight missing": lambda config, tensors: tensors.pop(first_weight(tensors)),
    "an extra tensor": tensor("backend0.evil", torch.zeros(3)),
    "a weight of another shape": lambda config, tensors: tensors.__setitem__(first_weight(tensors),
                                                                            torch.zeros(5, 5)),
    "a weight in float64": lambda config, tensors: tensors.__setitem__(
        first_weight(tensors), tensors[first_weight(tensors)].double()),
    "reference labels out of range": lambda config, tensors: tensors.__setitem__(
        "reference.labels", torch.full_like(tensors["reference.labels"], 99)),
    "a reference column of another length": tensor("reference.0", torch.zeros(3, dtype=torch.float64)),
    "category codes out of range": lambda config, tensors: tensors.__setitem__(
        "reference.2", torch.full_like(tensors["reference.2"], 50)),
    "NaN weights": lambda config, tensors: tensors.__setitem__(
        first_weight(tensors), torch.full_like(tensors[first_weight(tensors)], float("nan"))),
    "one infinite weight": lambda config, tensors: tensors.__setitem__(
        first_weight(tensors), one_changed(tensors[first_weight(tensors)], float("inf"))),
    "a NaN real row without a missing mask": lambda config, tensors: tensors.__setitem__(
        "reference.0", one_changed(tensors["reference.0"], float("nan"))),
    "an infinite row of the other classes": lambda config, tensors: tensors.__setitem__(
        "others.0", one_changed(tensors["others.0"], float("-inf"))),
}
IMAGE_CASES = {
    "images of 100000 x 100000": set_to(["codec", "shape"], [100000, 100000]),
    "a huge image sample shape": set_to(["models", 0, "sample_shape"], [1, 131072, 131072]),
    "images of a dates dtype": set_to(["codec", "dtype"], "<M8[ns]"),
    "images of a width of 10**6": set_to(["models", 0, "options", "width"], 10**6),
}


def write(path, config, tensors):
    tensors = {k: v.contiguous() for k, v in tensors.items()}
    save_file(tensors, str(path), metadata={"ganaug": json.dumps(config)})
    return path


@pytest.mark.parametrize("case", sorted(CONFIG_CASES) + sorted(TENSOR_CASES))
def test_a_tampered_table_model_is_refused(valid, case, tmp_path):
    config, tensors = copy.deepcopy(valid["table"][0]), dict(valid["table"][1])
    (CONFIG_CASES | TENSOR_CASES)[case](config, tensors)
    with pytest.raises(ModelFileError):
        GANOverSampler.load(write(tmp_path / "m.safetensors", config, tensors), device="cpu")


@pytest.mark.parametrize("case", sorted(IMAGE_CASES))
def test_a_tampered_image_model_is_refused(valid, case, tmp_path):
    config, tensors = copy.deepcopy(valid["images"][0]), dict(valid["images"][1])
    IMAGE_CASES[case](config, tensors)
    with pytest.raises(ModelFileError):
        GANOverSampler.load(write(tmp_path / "m.safetensors", config, tensors), device="cpu")


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


BYTES_CASES = {
    "an empty file": b"",
    "random bytes": bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)),
    "a header that claims more bytes than there are": (10**12).to_bytes(8, "little") + b"{}",
    "metadata that is not JSON": None,  # made in the test from a valid file
    "metadata nested 100000 deep": None,
    "metadata that is a list": None,
    "a truncated file": None,
}


@pytest.mark.parametrize("case", sorted(BYTES_CASES))
def test_damaged_bytes_are_refused(valid, case, tmp_path):
    path = tmp_path / "m.safetensors"
    config, tensors = valid["table"]
    tensors = {k: v.contiguous() for k, v in tensors.items()}
    if case == "metadata that is not JSON":
        save_file(tensors, str(path), metadata={"ganaug": "{not json"})
    elif case == "metadata nested 100000 deep":
        save_file(tensors, str(path), metadata={"ganaug": deep_json(100_000)})
    elif case == "metadata that is a list":
        save_file(tensors, str(path), metadata={"ganaug": "[1, 2]"})
    elif case == "a truncated file":
        write(path, config, tensors)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(BYTES_CASES[case])
    with pytest.raises(ModelFileError):
        GANOverSampler.load(path, device="cpu")


@pytest.mark.parametrize("what", ["a folder", "a device", "a pipe", "a missing file"])
def test_what_is_not_a_model_file_is_refused(what, tmp_path):
    if what == "a folder":
        path = tmp_path
    elif what == "a device":
        path = "/dev/zero"
    elif what == "a pipe":
        path = tmp_path / "fifo"
        os.mkfifo(path)
    else:
        path = tmp_path / "missing.safetensors"
    with pytest.raises(ModelFileError, match="not a regular file|does not exist"):
        GANOverSampler.load(path, device="cpu")


def test_a_path_from_the_file_is_never_used(valid, tmp_path):
    """A checkpoint path (or device) in the file's parameters is dropped: the file chooses no place."""
    config, tensors = copy.deepcopy(valid["table"][0]), {k: v.clone() for k, v in valid["table"][1].items()}
    target = tmp_path / "elsewhere" / "chosen.ckpt.safetensors"
    config["params"]["checkpoint"] = str(target)
    config["params"]["device"] = "cuda:3"
    loaded = GANOverSampler.load(write(tmp_path / "m.safetensors", config, tensors), device="cpu")
    assert loaded.checkpoint is None and loaded.get_params()["device"] == "cpu"  # the caller's, not cuda:3
    clone(loaded).fit(*tiny_table())
    assert not target.parent.exists()


def test_there_are_at_least_a_hundred_crafted_files():
    counted = len(CONFIG_CASES) + len(TENSOR_CASES) + len(IMAGE_CASES) + len(BYTES_CASES) + 4 + 1
    assert counted >= 100, counted
