"""Cross-validated downstream evaluation (ganaug.evaluation.crossval)."""

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from ganaug import GANOverSampler
from ganaug.data.datasets import load_imbalanced
from ganaug.errors import InputError
from ganaug.evaluation import (
    default_cv,
    evaluate,
    evaluate_datasets,
    make_classifiers,
    make_sampler,
    summarize,
)
from ganaug.testing import tiny_table

CV2 = StratifiedKFold(2, shuffle=True, random_state=0)


class MarkingSampler(BaseEstimator):
    """Appends one row whose colour is a level no real row has: after one-hot encoding it
    owns a column, so the classifier can tell where synthetic rows went."""

    def fit_resample(self, X, y):
        extra = X.iloc[:1].copy()
        extra["colour"] = "MARK"
        return pd.concat([X, extra], ignore_index=True), np.r_[np.asarray(y), np.asarray(y)[:1]]


class LeakDetector(BaseEstimator, ClassifierMixin):
    """Finds the marker column at fit time; fails if a marked row is seen at predict time."""

    marker_columns_found: list[bool] = []

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        # the synthetic row is last: its marker column is 1 there and 0 on every real row
        marker = (X[-1] == 1) & (X[:-1] == 0).all(axis=0)
        self.marker_ = np.flatnonzero(marker)
        LeakDetector.marker_columns_found.append(len(self.marker_) == 1)
        return self

    def predict(self, X):
        assert not (X[:, self.marker_] == 1).any(), "a synthetic row reached a test fold"
        return np.full(len(X), self.classes_[0])


class FailingSampler(BaseEstimator):
    def fit_resample(self, X, y):
        raise RuntimeError("not suited for this dataset")


def test_synthetic_rows_reach_training_folds_only(table):
    X, y = table
    LeakDetector.marker_columns_found.clear()
    results = evaluate(X, y, {"mark": MarkingSampler()}, {"leak": LeakDetector()}, cv=CV2)
    assert set(results["sampler"]) == {"mark"}
    # the detector did see the marked row in every training fold: the check can fail
    assert LeakDetector.marker_columns_found == [True, True]


def test_tidy_results_and_summary(table):
    X, y = table
    results = evaluate(X, y, ["none", "ros"], {"dummy": DummyClassifier(strategy="prior")}, cv=CV2)
    assert list(results.columns) == ["fold", "sampler", "classifier", "metric", "value"]
    assert {"fit_seconds", "g_mean", "balanced_accuracy", "roc_auc", "pr_auc",
            "class_recall[rare]"} <= set(results["metric"])
    summary = summarize(results)
    assert summary.loc["none", "balanced_accuracy"] == pytest.approx(1 / 3)  # always predicts "major"
    assert summary.loc["none", "class_recall[major]"] == 1.0
    assert results.attrs["test_train_ratio"] == pytest.approx(1.0)  # 2 folds: halves


def test_metrics_can_be_chosen_by_name_or_function(table):
    X, y = table

    def always_half(predictions):
        return 0.5

    results = evaluate(X, y, ["none"], {"dummy": DummyClassifier()}, cv=CV2,
                       metrics=["g_mean", always_half])
    assert set(results["metric"]) == {"fit_seconds", "g_mean", "always_half"}
    with pytest.raises(ValueError, match="unknown metric 'gmean'.*g_mean"):
        evaluate(X, y, ["none"], cv=CV2, metrics=["gmean"])


def test_default_cv_is_repeated_and_fits_the_smallest_class():
    y = np.array([0] * 20 + [1] * 3)
    cv = default_cv(y)
    assert cv.get_n_splits() == 3 * 2  # 3 folds (smallest class), repeated twice
    with pytest.raises(InputError, match="single row"):
        default_cv(np.array([0] * 5 + [1]))


def test_multiclass_scores_one_vs_rest():
    X, y = load_imbalanced("wine", ratio=4)
    results = evaluate(X, y, ["none", "smote"], {"knn": KNeighborsClassifier(3)}, cv=CV2)
    metrics = set(results["metric"])
    assert {"roc_auc", "pr_auc", "class_recall[class_0]", "class_recall[class_1]",
            "class_recall[class_2]"} <= metrics
    assert results["value"].between(0, 1).all() or results["metric"].eq("fit_seconds").any()
    auc = results[results["metric"] == "roc_auc"]["value"]
    assert auc.between(0.5, 1).all()


def test_smote_becomes_smotenc_with_categorical_columns(monkeypatch):
    X, y = tiny_table(n_major=40, n_minor=24)  # string and category columns
    import ganaug.evaluation.features as evaluation

    used = []
    real = evaluation.SMOTENC

    def spy(**kwargs):
        used.append(kwargs["categorical_features"])
        return real(**kwargs)

    monkeypatch.setattr(evaluation, "SMOTENC", spy)
    results = evaluate(X, y, {"smote": SMOTE(random_state=0)}, {"knn": KNeighborsClassifier(3)}, cv=CV2)
    assert used and set(used[0]) == {"colour", "grade", "flag"}
    assert results["value"].notna().all()


def test_smote_family_on_numeric_data_runs_unchanged():
    X, y = load_imbalanced("wine", ratio=4)
    results = evaluate(X, y, ["smote", "borderline"], {"knn": KNeighborsClassifier(3)}, cv=CV2)
    assert results["value"].notna().all()


def test_several_datasets_get_a_dataset_column(table):
    X, y = table
    wine = load_imbalanced("wine", ratio=4)
    results = evaluate_datasets({"tiny": (X, y), "wine": wine}, samplers=["none", "ros"],
                                classifiers={"dummy": DummyClassifier()}, cv=CV2)
    assert list(results.columns)[0] == "dataset"
    assert set(results["dataset"]) == {"tiny", "wine"}


def test_gan_samplers_are_fitted_on_training_folds(table, fast):
    X, y = table
    results = evaluate(X, y, ["none", "cgan"], {"knn": KNeighborsClassifier(3)}, cv=CV2,
                       metrics=["g_mean"])
    gan = results[(results["sampler"] == "cgan") & (results["metric"] == "g_mean")]
    assert len(gan) == 2 and gan["value"].notna().all()


def test_unknown_sampler_and_classifier_list_choices():
    with pytest.raises(ValueError, match="borderline.*ctgan"):
        make_sampler("smoteish")
    with pytest.raises(ValueError, match="unknown classifier 'rf'.*forest"):
        make_classifiers(["rf"])


def test_a_failing_sampler_is_scored_nan_with_a_warning(table):
    X, y = table
    with pytest.warns(RuntimeWarning, match="'broken' failed on fold 0"):
        results = evaluate(X, y, {"broken": FailingSampler(), "none": None},
                           {"dummy": DummyClassifier()}, cv=CV2)
    assert results.loc[results["sampler"] == "broken", "value"].isna().all()
    assert results.loc[results["sampler"] == "none", "value"].notna().all()
    with pytest.raises(RuntimeError, match="not suited"):
        evaluate(X, y, {"broken": FailingSampler()}, {"dummy": DummyClassifier()}, cv=CV2,
                 error_score="raise")


SEEN_SHAPES = []


class ShapeSpy(GANOverSampler):
    """Records the shape of what evaluate hands the sampler."""

    def fit_resample(self, X, y, resume=False):
        SEEN_SHAPES.append(np.shape(X))
        return super().fit_resample(X, y, resume)


def test_a_gan_sampler_gets_images_not_rows_of_pixels():
    from sklearn.model_selection import StratifiedKFold

    from ganaug.testing import tiny_images

    images, y = tiny_images()
    SEEN_SHAPES.clear()
    spy = ShapeSpy(backend="dcgan", epochs=1, batch_size=16, width=4, random_state=0, device="cpu")
    evaluate(images, y, {"dcgan": spy}, {"knn": KNeighborsClassifier(3)}, cv=StratifiedKFold(2))
    assert SEEN_SHAPES and all(len(shape) == 3 for shape in SEEN_SHAPES)  # (n, H, W), as the user gave them


def test_cv_as_a_number_is_stratified_k_fold_as_in_scikit_learn(table):
    results = evaluate(*table, ["none"], ["tree"], cv=3)
    assert results["fold"].nunique() == 3


def test_a_gans_fold_models_train_as_one_stack(monkeypatch):
    import ganaug.sampler.jobs as jobs

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (60, 3)), rng.normal(2, 1, (15, 3))]
    y = np.r_[np.zeros(60, int), np.ones(15, int)]
    sizes, real_fit = [], jobs.fit_stacked
    monkeypatch.setattr(jobs, "fit_stacked", lambda backends, *a: (sizes.append(len(backends)),
                                                                    real_fit(backends, *a)))
    gan = GANOverSampler(steps=5, random_state=0)
    from ganaug.evaluation.remedies import Remedy

    results = evaluate(X, y, {"gan": gan, "gan+t": Remedy(gan, threshold=True), "alone": clone_alone(gan)},
                       ["logreg"], cv=CV2, metrics=["g_mean"], progress=False)
    # two folds; with the threshold, each fold's five inner folds too; stack_models=False: none
    assert sizes == [2, 2 * (1 + 5)]
    seconds = results[results["metric"] == "fit_seconds"]
    assert len(seconds) == 6 and (seconds["value"] > 0).all()
    assert results.loc[results["metric"] == "g_mean", "value"].notna().all()


def clone_alone(sampler):
    from sklearn.base import clone

    return clone(sampler).set_params(stack_models=False)
