import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold

from ganaug.evaluation import _scores, evaluate, make_sampler, summarize
from ganaug.testing import tiny_table

MARK = 1e6  # synthetic rows carry this value, far outside the real data


class MarkingSampler(BaseEstimator):
    """Appends one marked row per class; lets tests see where synthetic rows go."""

    def fit_resample(self, X, y):
        extra = X.iloc[:1].copy()
        extra["height"] = MARK
        return pd.concat([X, extra], ignore_index=True), np.r_[np.asarray(y), np.asarray(y)[:1]]


class LeakDetector(BaseEstimator, ClassifierMixin):
    """Predicts nothing useful, but fails if a marked row is seen at predict time."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.saw_marked_in_fit_ = bool((np.abs(X) > 1e3).any())
        return self

    def predict(self, X):
        assert not (np.abs(X) > 1e3).any(), "a synthetic row reached a test fold"
        return np.full(len(X), self.classes_[0])


def test_synthetic_rows_never_reach_test_folds(table):
    X, y = table
    results = evaluate(X, y, {"mark": MarkingSampler()}, {"leak": LeakDetector()},
                       cv=StratifiedKFold(2, shuffle=True, random_state=0))
    assert set(results["sampler"]) == {"mark"}


def test_tidy_results_and_summary(table):
    X, y = table
    results = evaluate(X, y, ["none", "ros"], {"dummy": DummyClassifier(strategy="prior")},
                       cv=StratifiedKFold(2, shuffle=True, random_state=0))
    assert list(results.columns) == ["fold", "sampler", "classifier", "metric", "value"]
    assert {"fit_seconds", "g_mean", "balanced_accuracy", "roc_auc"} <= set(results["metric"])
    summary = summarize(results)
    assert summary.loc["none", "balanced_accuracy"] == pytest.approx(1 / 3)  # always predicts "major"


def test_metrics_on_a_hand_made_case():
    class Fixed:
        classes_ = np.array([0, 1])

        def predict(self, X):
            return np.array([0, 0, 1, 1, 1, 0])

        def decision_function(self, X):
            return np.array([-2.0, -1.0, 1.0, 2.0, 3.0, -3.0])

    y = np.array([0, 0, 0, 1, 1, 1])  # recall: class 0 = 2/3, class 1 = 2/3
    scores = _scores(Fixed(), np.zeros((6, 1)), y, minority=1)
    assert scores["balanced_accuracy"] == pytest.approx(2 / 3)
    assert scores["g_mean"] == pytest.approx(2 / 3)
    assert scores["minority_recall"] == pytest.approx(2 / 3)
    assert scores["minority_f1"] == pytest.approx(2 / 3)
    assert scores["roc_auc"] == pytest.approx(6 / 9)


def test_feature_space_samplers_see_scaled_data():
    X, y = tiny_table(n_major=40, n_minor=24)  # string and category columns: SMOTE needs one-hot
    results = evaluate(X, y, ["smote"], {"dummy": DummyClassifier()},
                       cv=StratifiedKFold(2, shuffle=True, random_state=0))
    assert results["value"].notna().all()


def test_unknown_sampler_lists_choices():
    with pytest.raises(ValueError, match="borderline.*ctgan"):
        make_sampler("smoteish")


class FailingSampler(BaseEstimator):
    def fit_resample(self, X, y):
        raise RuntimeError("not suited for this dataset")


def test_a_failing_sampler_is_scored_nan_with_a_warning(table):
    X, y = table
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    with pytest.warns(RuntimeWarning, match="'broken' failed on fold 0"):
        results = evaluate(X, y, {"broken": FailingSampler(), "none": None},
                           {"dummy": DummyClassifier()}, cv=cv)
    assert results.loc[results["sampler"] == "broken", "value"].isna().all()
    assert results.loc[results["sampler"] == "none", "value"].notna().all()
    with pytest.raises(RuntimeError, match="not suited"):
        evaluate(X, y, {"broken": FailingSampler()}, {"dummy": DummyClassifier()}, cv=cv,
                 error_score="raise")
