"""Class weights, tuned thresholds, prior correction: entries of evaluate (ganaug.evaluation.remedies)."""

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from ganaug import evaluate
from ganaug.errors import InputError
from ganaug.evaluation import make_sampler
from ganaug.evaluation.advice import is_gan_entry, recommend
from ganaug.evaluation.remedies import Remedy, best_threshold, prior_corrected
from ganaug.evaluation.reports import summary_markdown
from ganaug.evaluation.stats import verdict
from ganaug.metrics import Predictions, brier


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(240, 4, n_informative=3, n_redundant=0, weights=[0.88], random_state=1)
    return pd.DataFrame(X, columns=list("abcd")), y


LOGREG = {"logreg": LogisticRegression(max_iter=2000)}


def test_best_threshold_maximises_balanced_accuracy_between_rows():
    scores = np.array([0.1, 0.2, 0.3, 0.35, 0.6, 0.9])
    is_minority = np.array([False, False, False, True, True, True])
    cut = best_threshold(scores, is_minority)
    assert 0.3 < cut < 0.35  # every row right; a midpoint, not a row's own score


def test_prior_correction_moves_balanced_probabilities_back_to_the_real_prior():
    probabilities = np.array([[0.5, 0.5], [0.8, 0.2]])
    corrected = prior_corrected(probabilities, np.array([0, 1]), {0: 0.9, 1: 0.1}, {0: 0.5, 1: 0.5})
    np.testing.assert_allclose(corrected.sum(1), 1.0)
    np.testing.assert_allclose(corrected[0], [0.9, 0.1])  # an undecided row gets the real prior
    assert corrected[1, 1] < probabilities[1, 1]
    same = prior_corrected(probabilities, np.array([0, 1]), {0: 0.5, 1: 0.5}, {0: 0.5, 1: 0.5})
    np.testing.assert_allclose(same, probabilities)


def test_names_make_remedies():
    assert make_sampler("class-weight") == Remedy(class_weight=True)
    assert make_sampler("threshold") == Remedy(threshold=True)
    smote = make_sampler("smote+threshold")
    assert isinstance(smote.sampler, SMOTE) and smote.threshold and not smote.prior
    assert make_sampler("none+threshold") == Remedy(threshold=True)
    assert make_sampler("wgan-gp+prior").prior and is_gan_entry("wgan-gp+prior") and not is_gan_entry("smote")
    with pytest.raises(ValueError, match="NAME\\+threshold"):
        make_sampler("smoke+threshold")


def test_a_threshold_leaves_the_probabilities_and_so_the_brier_score_as_they_are(binary):
    X, y = binary
    results = evaluate(X, y, samplers=["none", "threshold", "class-weight"], classifiers=LOGREG, cv=3,
                       progress=False)
    table = results[results["classifier"] == "logreg"].pivot_table("value", "metric", "sampler")
    assert table.loc["brier", "threshold"] == pytest.approx(table.loc["brier", "none"])
    assert table.loc["roc_auc", "threshold"] == pytest.approx(table.loc["roc_auc", "none"])
    # and it moves the decisions towards the minority, as class weights do
    assert table.loc["minority_recall", "threshold"] > table.loc["minority_recall", "none"]
    assert table.loc["minority_recall", "class-weight"] > table.loc["minority_recall", "none"]
    assert table.loc["brier", "class-weight"] > table.loc["brier", "none"]  # weights shift the prior


def test_a_sampler_then_a_threshold_resamples_inside_inner_folds_only(binary):
    X, y = binary
    seen = []

    class Recording(SMOTE):
        def fit_resample(self, X, y):
            seen.append(len(y))
            return super().fit_resample(X, y)

    evaluate(X, y, samplers={"smote+threshold": Remedy(Recording(random_state=0), threshold=True)},
             classifiers=LOGREG, cv=3, progress=False)
    fold_rows = 2 * len(y) // 3
    # per outer fold: 5 inner training parts (4/5 of the fold), then the whole training fold
    assert len(seen) == 3 * 6
    assert sorted(set(seen))[-1] in (fold_rows, fold_rows + 1)
    assert all(n < fold_rows for n in sorted(seen)[: 3 * 5])


def test_prior_correction_restores_calibration_and_keeps_the_decisions(binary):
    X, y = binary
    results = evaluate(X, y, samplers=["none", "smote", "smote+prior"], classifiers=LOGREG, cv=3,
                       progress=False)
    table = results.pivot_table("value", "metric", "sampler")
    assert table.loc["g_mean", "smote+prior"] == pytest.approx(table.loc["g_mean", "smote"])
    assert table.loc["brier", "smote+prior"] < table.loc["brier", "smote"]


def test_what_an_entry_cannot_do_is_said(binary):
    X, y = binary
    three = np.where(np.arange(len(y)) % 7 == 0, 2, y)
    with pytest.raises(InputError, match="needs two classes"):
        evaluate(X, three, samplers=["threshold"], classifiers=LOGREG, cv=3, progress=False)
    with pytest.warns(RuntimeWarning, match="knn.*neither class_weight nor sample_weight"):
        results = evaluate(X, y, samplers=["class-weight"], cv=3, progress=False,
                           classifiers={"knn": KNeighborsClassifier(3), **LOGREG})
    assert set(results["classifier"]) == {"-", "logreg"}


def test_names_as_mapping_values_and_an_int_cv_work_as_in_scikit_learn(binary):
    X, y = binary
    results = evaluate(X, y, samplers={"plain": "none", "mine": "smote"}, classifiers=LOGREG, cv=3,
                       progress=False)
    assert results["value"].notna().all() and results["fold"].nunique() == 3
    assert results.attrs["random_state"] == 0 and results.attrs["ganaug_version"]


def test_brier_needs_probabilities_and_lower_is_better_in_the_verdict():
    scores = np.array([[0.9, 0.1], [0.2, 0.8]])
    p = Predictions(np.array([0, 1]), np.array([0, 1]), scores, np.array([0, 1]), 1)
    assert brier(p) is None  # softmaxed decision values are no probabilities
    calibrated = Predictions(p.y_true, p.y_pred, p.scores, p.classes, 1, probabilities=True)
    assert brier(calibrated) == pytest.approx((0.1**2 + 0.2**2) / 2)
    tests = pd.DataFrame([dict(sampler="gan", baseline="none", metric="brier", mean=0.05,
                               baseline_mean=0.03, difference=0.02, wins=9, losses=1, ties=0,
                               test="Wilcoxon", p_value=0.01, significant=True)])
    assert "hurt: worse than none" in verdict(tests)[0]


def _results(means: dict[str, float], brier_of: dict[str, float], folds: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for fold in range(folds):
        noise = rng.normal(0, 0.005)
        for sampler, mean in means.items():
            jitter = rng.normal(0, 0.002)
            rows += [(fold, sampler, "hgb", "g_mean", mean + noise + jitter),
                     (fold, sampler, "hgb", "minority_f1", mean - 0.1 + noise),
                     (fold, sampler, "hgb", "brier", brier_of[sampler] + jitter / 10)]
    return pd.DataFrame(rows, columns=["fold", "sampler", "classifier", "metric", "value"])


def test_the_recommendation_names_what_to_use_even_when_it_is_not_a_gan():
    results = _results({"none": 0.80, "threshold": 0.86, "wgan-gp": 0.85},
                       {"none": 0.03, "threshold": 0.03, "wgan-gp": 0.04})
    advice = recommend(results)
    assert len(advice) == 1 and advice[0].startswith("hgb: use threshold;")
    assert "The best GAN entry, wgan-gp" in advice[0] and "brier +0.010" in advice[0]


def test_the_recommendation_is_none_when_no_remedy_is_significantly_better():
    results = _results({"none": 0.80, "threshold": 0.8001, "wgan-gp": 0.7999},
                       {"none": 0.03, "threshold": 0.03, "wgan-gp": 0.04})
    advice = recommend(results)[0]
    assert advice.startswith("hgb: use none (") and "but not significantly" in advice


def test_the_summary_names_the_run_and_says_what_to_use(binary):
    X, y = binary
    results = evaluate(X, y, samplers=["none", "threshold", "smote"], classifiers=LOGREG, cv=3,
                       progress=False, random_state=7)
    results.attrs["dataset"] = "toy.csv"
    summary = summary_markdown(results)
    assert "dataset toy.csv" in summary and "random_state=7" in summary and "ganaug 0." in summary
    assert "## What to use, per classifier" in summary and "- logreg: use " in summary
    assert "## The verdict on minority_f1, pr_auc, brier" in summary


def test_draws_train_one_classifier_per_draw_of_one_gan_fit(binary):
    from ganaug import GANOverSampler

    X, y = binary
    gan = GANOverSampler(backend="wgan-gp", steps=20, random_state=0)
    seen = []

    class Recording(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.append(hash(np.asarray(X).tobytes()))  # one value per training set
            return super().fit(X, y, sample_weight)

    results = evaluate(X, y, samplers={"one": Remedy(gan), "three": Remedy(gan, draws=3)},
                       classifiers={"lr": Recording(max_iter=2000)}, cv=3, progress=False)
    # 3 folds: one classifier for "one", three for "three"; "three"'s first draw is "one"'s draw
    assert len(seen) == 3 + 9 and len(set(seen)) == 9
    table = results[results["metric"] == "brier"].pivot_table("value", "fold", "sampler")
    assert table.notna().all().all() and not np.allclose(table["one"], table["three"])


def test_draws_need_a_sampler_that_draws_again(binary):
    X, y = binary
    with pytest.raises(InputError, match="draws=2 needs a sampler that draws again"):
        evaluate(X, y, samplers={"smote": Remedy(SMOTE(), draws=2)}, classifiers=LOGREG, cv=3, progress=False)
    with pytest.raises(InputError, match="draws=0"):
        evaluate(X, y, samplers={"gan": Remedy(make_sampler("wgan-gp"), draws=0)}, classifiers=LOGREG, cv=3,
                 progress=False)
