"""Statistics over evaluation results (ganaug.evaluation.stats)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from ganaug.evaluation import stats


def fold_results(values: dict[str, list[float]], metric="g_mean", dataset=None) -> pd.DataFrame:
    rows = [(fold, sampler, "clf", metric, v) for sampler, vs in values.items() for fold, v in enumerate(vs)]
    frame = pd.DataFrame(rows, columns=["fold", "sampler", "classifier", "metric", "value"])
    if dataset is not None:
        frame.insert(0, "dataset", dataset)
    return frame


def test_corrected_interval_matches_the_formula():
    values = np.array([0.6, 0.7, 0.8, 0.7, 0.65])
    mean, low, high = stats.corrected_interval(values, test_train_ratio=0.25)
    se = np.sqrt((1 / 5 + 0.25) * values.var(ddof=1))
    half = scipy_stats.t.ppf(0.975, 4) * se
    assert (mean, low, high) == pytest.approx((0.69, 0.69 - half, 0.69 + half))
    # ratio 0 is the plain t-interval, narrower
    assert stats.corrected_interval(values, 0.0)[1] > low


def test_interval_of_a_bounded_score_stays_in_0_1():
    _, low, high = stats.corrected_interval(np.array([1.0, 0.9, 1.0, 0.6]))
    assert 0 <= low and high == 1.0


def test_confidence_intervals_average_over_classifiers():
    results = fold_results({"a": [0.5, 0.7]})
    results = pd.concat([results, results.assign(classifier="other", value=[0.7, 0.9])])
    ci = stats.confidence_intervals(results, ["g_mean"], test_train_ratio=0.0)
    assert ci.loc[0, "mean"] == pytest.approx(0.7) and ci.loc[0, "n"] == 2


def test_paired_tests_and_verdict_over_folds():
    better = [0.8, 0.82, 0.85, 0.79, 0.9, 0.88, 0.84, 0.86, 0.83, 0.87]
    results = fold_results({"none": [v - 0.1 for v in better], "smote": better, "gan": better})
    tests = stats.compare(results, "g_mean", test_train_ratio=0.0)
    smote_vs_none = tests[(tests["sampler"] == "smote") & (tests["baseline"] == "none")].iloc[0]
    assert smote_vs_none["difference"] == pytest.approx(0.1) and smote_vs_none["significant"]
    gan_vs_smote = tests[(tests["sampler"] == "gan") & (tests["baseline"] == "smote")].iloc[0]
    assert gan_vs_smote["p_value"] == 1.0 and not gan_vs_smote["significant"]
    assert not ((tests["sampler"] == "none") & (tests["baseline"] == "smote")).any()
    words = " ".join(stats.verdict(tests))
    assert "smote helped: better than none" in words
    assert "gan made no significant difference against smote" in words


def test_wilcoxon_of_known_differences():
    diff = np.array([1.0, 2.0, 3.0, 4.0, 5.0, -0.5])
    assert stats.wilcoxon_p(diff) == pytest.approx(scipy_stats.wilcoxon(diff).pvalue)
    assert stats.wilcoxon_p(np.zeros(4)) == 1.0


def test_holm_adjustment():
    adjusted = stats.holm(pd.Series([0.01, 0.04, 0.03]))
    assert list(adjusted) == pytest.approx([0.03, 0.06, 0.06])


def test_ranks_and_friedman_over_datasets():
    parts = [fold_results({"none": [0.5, 0.5], "smote": [0.7, 0.7], "gan": [0.8 + i / 100] * 2},
                          dataset=f"d{i}") for i in range(6)]
    results = pd.concat(parts, ignore_index=True)
    ranks = stats.mean_ranks(results)
    assert list(ranks.index) == ["gan", "smote", "none"] and ranks["gan"] == 1.0
    statistic, p_value = stats.friedman(results)
    assert statistic == pytest.approx(12.0) and p_value < 0.01
    tests = stats.compare(results)
    assert (tests["test"] == "Wilcoxon over datasets, Holm").all()
    gan_vs_none = tests[(tests["sampler"] == "gan") & (tests["baseline"] == "none")].iloc[0]
    assert gan_vs_none["wins"] == 6 and gan_vs_none["p_value"] >= stats.wilcoxon_p(np.ones(6) * 0.3)
