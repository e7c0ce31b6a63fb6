"""A fold's inner folds choose its threshold and its amount of synthetic rows (ganaug.evaluation.inner)."""

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler
from sklearn.base import BaseEstimator
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from ganaug import evaluate
from ganaug.errors import InputError
from ganaug.evaluation import make_sampler
from ganaug.evaluation.folds import near_their_class, resample_fold, with_share
from ganaug.evaluation.inner import InnerChoice, tune_inner
from ganaug.evaluation.remedies import AMOUNTS, Remedy

LOGREG = {"logreg": LogisticRegression(max_iter=2000)}


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(240, 4, n_informative=3, n_redundant=0, weights=[0.88], random_state=1)
    return pd.DataFrame(X, columns=list("abcd")), y


def test_amount_suffixes_combine_in_any_order():
    entry = make_sampler("wgan-gp+amount+threshold")
    assert entry.amounts == AMOUNTS and entry.threshold and not entry.prior
    assert entry.sampler.backend == "wgan-gp"
    other_order = make_sampler("ros+threshold+amount")
    assert isinstance(other_order.sampler, RandomOverSampler)
    assert other_order.threshold and other_order.amounts == AMOUNTS
    both = make_sampler("smote+threshold+prior")
    assert both.threshold and both.prior and not both.amounts
    assert make_sampler("ros+amount").tunes_inner and not make_sampler("ros+prior").tunes_inner


def test_a_share_keeps_the_real_rows_and_that_share_of_each_grown_class(binary):
    X, y = binary
    full = [resample_fold(X, X, y, RandomOverSampler(random_state=0))]
    grown = int((full[0][1] == 1).sum() - (y == 1).sum())
    half = with_share(X, X, y, full, 0.5)
    X_half, y_half, prep = half[0]
    assert prep is full[0][2]
    np.testing.assert_array_equal(X_half[: len(y)], full[0][0][: len(y)])  # the real rows, in order
    assert (y_half == 1).sum() == (y == 1).sum() + round(grown / 2)
    assert (y_half == 0).sum() == (y == 0).sum()
    X_none, y_none, _ = with_share(X, X, y, full, 0.0)[0]
    np.testing.assert_array_equal(y_none, y)  # share 0: the real rows, a preprocessor of their own


def test_share_zero_with_a_threshold_is_the_threshold_entry(binary):
    X, y = binary
    results = evaluate(X, y, classifiers=LOGREG, cv=3, progress=False, samplers={
        "threshold": "threshold",
        "ros-0+threshold": Remedy(RandomOverSampler(random_state=0), threshold=True, amounts=(0.0,))})
    table = results.pivot_table("value", "metric", "sampler").drop("fit_seconds")
    pd.testing.assert_series_equal(table["threshold"], table["ros-0+threshold"], check_names=False)


def test_the_share_with_the_best_inner_balanced_accuracy_is_chosen():
    X, y = make_classification(240, 4, n_informative=3, n_redundant=0, weights=[0.9], class_sep=0.8,
                               random_state=1)
    X = pd.DataFrame(X, columns=list("abcd"))
    remedy = Remedy(RandomOverSampler(random_state=0), amounts=(0.0, 1.0))
    choice = tune_inner(X, X, y, remedy, LOGREG, 1, [], seed=0)["logreg"]
    # at logistic regression's own cut most of a 10 % minority that overlaps is missed; balance finds it
    assert choice == InnerChoice(cut=None, share=1.0)
    with_threshold = tune_inner(X, X, y, Remedy(remedy.sampler, threshold=True, amounts=(0.0, 1.0)),
                                LOGREG, 1, [], seed=0)["logreg"]
    assert with_threshold.cut is not None and with_threshold.share in (0.0, 1.0)


def test_an_amount_is_scored_like_any_entry(binary):
    X, y = binary
    results = evaluate(X, y, samplers=["none", "ros+amount", "ros+amount+threshold"], classifiers=LOGREG,
                       cv=3, progress=False)
    table = results.pivot_table("value", "metric", "sampler")
    assert table.loc["balanced_accuracy", "ros+amount"] > table.loc["balanced_accuracy", "none"]
    assert table.loc["fit_seconds", "ros+amount+threshold"] > 0


def test_what_an_amount_cannot_do_is_said(binary):
    X, y = binary
    with pytest.raises(InputError, match="no sampler"):
        evaluate(X, y, samplers=["none+amount"], classifiers=LOGREG, cv=3, progress=False)
    with pytest.raises(InputError, match="between 0 and 1"):
        evaluate(X, y, samplers={"x": Remedy(RandomOverSampler(), amounts=(0.5, 2.0))}, classifiers=LOGREG,
                 cv=3, progress=False)


def test_a_filter_drops_synthetic_rows_that_lie_inside_another_class():
    X_real = np.array([[0.0], [0.1], [0.2], [0.3], [0.4], [5.0], [5.1]])
    y_real = np.array([0, 0, 0, 0, 0, 1, 1])
    X_fit = np.r_[X_real, [[5.05], [0.15]]]  # one synthetic row beside its class, one among the other
    y_fit = np.r_[y_real, [1, 1]]
    X_kept, y_kept, _ = near_their_class((X_fit, y_fit, None), len(y_real))
    np.testing.assert_array_equal(X_kept, np.r_[X_real, [[5.05]]])
    np.testing.assert_array_equal(y_kept, np.r_[y_real, [1]])
    assert make_sampler("ros+filter+threshold").filtered


def test_a_filtered_entry_trains_without_the_rows_inside_another_class(binary):
    X, y = binary
    seen = []

    class MislabelledCopies(BaseEstimator):  # grows the minority with copies of majority rows
        def fit_resample(self, X, y):
            copies = X[y == 0].iloc[:20]
            return pd.concat([X, copies]), np.r_[y, np.ones(len(copies), int)]

    class Recording(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.append(len(y))
            return super().fit(X, y, sample_weight)

    fits = {}
    for name, entry in {"none": None, "copies": MislabelledCopies(),
                        "copies+filter": Remedy(MislabelledCopies(), filtered=True)}.items():
        seen.clear()
        evaluate(X, y, samplers={name: entry}, classifiers={"logreg": Recording(max_iter=2000)}, cv=3,
                 progress=False)
        fits[name] = np.array(seen)  # rows of each fold's fit
    np.testing.assert_array_equal(fits["copies"], fits["none"] + 20)
    # most copies lie inside the majority and go; the few beside a minority row stay
    assert (fits["copies+filter"] >= fits["none"]).all()
    assert (fits["copies+filter"] - fits["none"]).sum() < 10
