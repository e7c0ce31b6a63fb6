"""Input checks and the input reader (ganaug.data.validation): targets and tables of every form."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

from ganaug import GANOverSampler
from ganaug.data.target import check_target, restore_target
from ganaug.data.validation import read_input
from ganaug.errors import InputError
from ganaug.testing import tiny_table

FAST = {"epochs": 1, "batch_size": 16, "random_state": 0, "device": "cpu"}


@pytest.mark.parametrize("y, message", [
    (np.random.default_rng(0).uniform(size=52), "Unknown label type: y looks continuous"),
    (np.round(np.random.default_rng(0).uniform(size=52), 1), "looks continuous"),  # 11 "classes" before
    (np.array([1, "1", "a"] * 17 + [1], dtype=object), "mixes label types"),
    (np.ones((52, 3)), "multilabel and multioutput targets are not supported"),
    (np.ones(52) * 1j, "Complex data not supported"),
    (None, "requires y to be passed"),
    (np.zeros(52), r"y has one class \(0.0\)"),  # shown as 0.0, not np.float64(0.0)
])
def test_targets_that_are_not_class_labels_are_refused(y, message):
    with pytest.raises(InputError, match=message):
        check_target(y, 52)


def test_a_one_hot_target_comes_back_one_hot():
    X, y = tiny_table()
    one_hot = pd.get_dummies(y).to_numpy().astype(int)
    X_res, y_res = GANOverSampler(**FAST).fit_resample(X, one_hot)
    labels_res = GANOverSampler(**FAST).fit_resample(X, one_hot.argmax(axis=1))[1]
    assert y_res.shape == (len(X_res), 3) and (y_res.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(y_res.argmax(axis=1), labels_res)


def test_lists_come_back_as_lists_with_the_same_values():
    X, y = tiny_table()
    X = X[["height", "count"]].to_numpy(dtype=float)
    X_list, y_list = GANOverSampler(**FAST).fit_resample(X.tolist(), y.tolist())
    X_arr, y_arr = GANOverSampler(**FAST).fit_resample(X, y.to_numpy())
    assert isinstance(X_list, list) and isinstance(y_list, list)
    np.testing.assert_allclose(X_list, X_arr)
    assert y_list == y_arr.tolist()


def test_sparse_input_is_densified_and_comes_back_sparse():
    X, y = tiny_table()
    dense = X[["height", "count"]].to_numpy(dtype=float)
    X_res, _ = GANOverSampler(**FAST).fit_resample(scipy.sparse.csc_matrix(dense), y)
    assert scipy.sparse.issparse(X_res) and X_res.format == "csc"
    np.testing.assert_allclose(X_res.toarray(), GANOverSampler(**FAST).fit_resample(dense, y)[0])
    huge = scipy.sparse.csr_matrix((np.ones(52), (np.arange(52), np.arange(52) * 997)), shape=(52, 2**22))
    with pytest.raises(InputError, match="sparse input is not supported at that size"):
        read_input(huge)


def test_object_columns_of_numbers_are_numeric():
    X, _ = tiny_table()
    data = read_input(X[["height", "count"]].to_numpy().astype(object)).data
    assert all(pd.api.types.is_numeric_dtype(dtype) for dtype in data.dtypes)


@pytest.mark.parametrize("X, message", [
    (np.zeros((12, 0)), r"0 feature\(s\) \(shape=\(12, 0\)\) while a minimum of 1 is required"),
    (np.zeros((0, 3)), "X is empty: 0 sample"),
    (np.ones((10, 2)) * 1j, "Complex data not supported"),
    (np.zeros((10, 8, 8, 2)), "2 channels"),
    (pd.DataFrame({"a": [{"k": 1}] * 10}), "holds dict values"),
])
def test_tables_that_cannot_be_read_say_why(X, message):
    with pytest.raises(InputError, match=message):
        read_input(X)


def test_restore_target_keeps_the_callers_container():
    y = pd.Series(["a", "b"], name="label")
    restored = restore_target(y, y.to_numpy(), np.array(["b"]))
    assert isinstance(restored, pd.Series) and restored.name == "label"
    assert restored.tolist() == ["a", "b", "b"]
    assert restore_target(["a", "b"], np.array(["a", "b"]), np.array(["a"])) == ["a", "b", "a"]
