"""Statistics over ``evaluate`` results: confidence intervals, paired tests, ranks, verdicts.

Scores are first averaged over classifiers, so each fold (or each dataset)
gives one number per sampler; tests pair samplers on those numbers.

- One dataset: a 95% interval per sampler with the Nadeau & Bengio (2003)
  correction for overlapping training folds, and a paired Wilcoxon signed-rank
  test over folds against each baseline, next to the corrected resampled
  t-test (Wilcoxon over CV folds alone is optimistic: folds share rows).
- Several datasets (a ``dataset`` column): mean rank per sampler, the
  Friedman test, and Wilcoxon tests over datasets against each baseline with
  Holm's correction (Demšar 2006; Benavoli et al. 2016).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from ganaug.metrics import LOWER_IS_BETTER

ALPHA = 0.05


def per_fold(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``fold x sampler`` table of one metric, averaged over classifiers."""
    kept = results[results["metric"] == metric]
    return kept.groupby(["fold", "sampler"])["value"].mean().unstack("sampler")


def per_dataset(results: pd.DataFrame, metric: str) -> pd.DataFrame:
    """``dataset x sampler`` table of one metric, averaged over folds and classifiers."""
    kept = results[results["metric"] == metric]
    return kept.groupby(["dataset", "sampler"])["value"].mean().unstack("sampler")


def n_datasets(results: pd.DataFrame) -> int:
    return results["dataset"].nunique() if "dataset" in results.columns else 1


def confidence_intervals(results: pd.DataFrame, metrics: Iterable[str] | None = None,
                         level: float = 0.95, test_train_ratio: float | None = None) -> pd.DataFrame:
    """Mean and corrected t-interval per sampler and metric (one dataset).

    Parameters
    ----------
    results : DataFrame from :func:`ganaug.evaluate`.
    metrics : metric names; default all but ``fit_seconds``.
    level : confidence level.
    test_train_ratio : float, optional
        n_test / n_train of the folds, for the Nadeau-Bengio variance
        correction; read from ``results.attrs`` when evaluate set it, else
        0.25 (5-fold). 0 gives the plain t-interval.

    Returns
    -------
    DataFrame with columns ``sampler, metric, mean, low, high, n``.
    """
    ratio = _ratio(results, test_train_ratio)
    metrics = [m for m in dict.fromkeys(results["metric"]) if m != "fit_seconds"] \
        if metrics is None else list(metrics)
    rows = []
    for metric in metrics:
        for sampler, values in per_fold(results, metric).items():
            mean, low, high = corrected_interval(values.dropna().to_numpy(), ratio, level)
            rows.append((sampler, metric, mean, low, high, int(values.notna().sum())))
    return pd.DataFrame(rows, columns=["sampler", "metric", "mean", "low", "high", "n"])


def corrected_interval(values: np.ndarray, test_train_ratio: float = 0.25,
                       level: float = 0.95) -> tuple[float, float, float]:
    """``(mean, low, high)``: t-interval with variance scaled by ``1/J + n_test/n_train``."""
    n = len(values)
    mean = float(np.mean(values)) if n else float("nan")
    if n < 2:
        return mean, float("nan"), float("nan")
    se = np.sqrt((1 / n + test_train_ratio) * np.var(values, ddof=1))
    half = stats.t.ppf(0.5 + level / 2, df=n - 1) * se
    low, high = mean - half, mean + half
    if 0 <= values.min() and values.max() <= 1:  # a score bounded to [0, 1] keeps its interval there
        low, high = max(low, 0.0), min(high, 1.0)
    return mean, low, high


def compare(results: pd.DataFrame, metric: str = "g_mean",
            baselines: tuple[str, ...] = ("none", "smote"),
            test_train_ratio: float | None = None) -> pd.DataFrame:
    """Paired tests of every sampler against each baseline present in ``results``.

    Returns
    -------
    DataFrame with columns ``sampler, baseline, metric, mean, baseline_mean,
    difference, wins, losses, ties, test, p_value, significant``. Over
    folds (one dataset), ``p_value`` is the larger of the Wilcoxon and the
    corrected resampled t-test p-values; over datasets it is the
    Holm-adjusted Wilcoxon p-value.
    """
    several = n_datasets(results) > 1
    table = per_dataset(results, metric) if several else per_fold(results, metric)
    rows = []
    for baseline in [b for b in baselines if b in table.columns]:
        for sampler in [s for s in table.columns if s != baseline]:
            if sampler in baselines and (baseline, sampler) in {(r["sampler"], r["baseline"]) for r in rows}:
                continue  # "none vs smote" is already there as "smote vs none"
            pair = table[[sampler, baseline]].dropna()
            diff = (pair[sampler] - pair[baseline]).to_numpy()
            p_value, test = _paired_p(diff, several, _ratio(results, test_train_ratio))
            rows.append(dict(sampler=sampler, baseline=baseline, metric=metric,
                             mean=pair[sampler].mean(), baseline_mean=pair[baseline].mean(),
                             difference=diff.mean() if len(diff) else np.nan,
                             wins=int((diff > 0).sum()), losses=int((diff < 0).sum()),
                             ties=int((diff == 0).sum()), test=test, p_value=p_value))
    tests = pd.DataFrame(rows)
    if several and len(tests):
        tests["p_value"] = tests.groupby("baseline")["p_value"].transform(holm)
    if len(tests):
        tests["significant"] = tests["p_value"] < ALPHA
    return tests


def smallest_p(results: pd.DataFrame, baselines: tuple[str, ...] = ("none", "smote")) -> float:
    """The smallest p-value :func:`compare` can give on this design, whatever the scores.

    Over folds it is the Wilcoxon test's when every fold favours one sampler
    (``2 / 2**n`` for n paired folds); over datasets, the same times Holm's
    factor for the comparisons against one baseline. Above :data:`ALPHA`, no
    difference can be called significant: more folds, repeats or datasets are
    needed.
    """
    several = n_datasets(results) > 1
    n = n_datasets(results) if several else results["fold"].nunique()
    p = wilcoxon_p(np.arange(1.0, n + 1))  # every pair favours one side, all magnitudes distinct
    if several:
        samplers = list(dict.fromkeys(results["sampler"]))
        comparisons = max((len(samplers) - 1 for b in baselines if b in samplers), default=1)
        p = min(1.0, p * comparisons)
    return p


def interval_description(results: pd.DataFrame, level: float = 0.95) -> str:
    """What :func:`confidence_intervals` (one dataset) or the plots' intervals (several) are taken over."""
    if n_datasets(results) > 1:
        n = n_datasets(results)
        return (f"{level:.0%} t-interval over {n} datasets (each dataset's mean over folds and classifiers)"
                + ("; with so few datasets it is wide" if n < 5 else ""))
    folds = results["fold"].nunique()
    return (f"{level:.0%} interval over {folds} CV folds (each fold's mean over classifiers), with the "
            "Nadeau-Bengio correction for overlapping training folds")


def default_metric(results: pd.DataFrame) -> str:
    """The metric a verdict is about: G-mean for two classes, balanced accuracy for more.

    G-mean is 0 whenever one class of many gets no test row right, which hides
    every other difference between samplers on multi-class data.
    """
    classes = {m for m in results["metric"].unique() if str(m).startswith("class_recall[")}
    if len(classes) > 2 and "balanced_accuracy" in set(results["metric"]):
        return "balanced_accuracy"
    return "g_mean" if "g_mean" in set(results["metric"]) else \
        next(m for m in dict.fromkeys(results["metric"]) if m != "fit_seconds")


def _paired_p(diff: np.ndarray, over_datasets: bool, ratio: float) -> tuple[float, str]:
    wilcoxon = wilcoxon_p(diff)
    if over_datasets:
        return wilcoxon, "Wilcoxon over datasets, Holm"
    return max(wilcoxon, corrected_t_p(diff, ratio)), "Wilcoxon and corrected t over folds"


def wilcoxon_p(diff: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value; 1.0 when every difference is zero."""
    diff = diff[np.isfinite(diff)]
    if len(diff) == 0 or np.all(diff == 0):
        return 1.0
    return float(stats.wilcoxon(diff, zero_method="zsplit").pvalue)


def corrected_t_p(diff: np.ndarray, test_train_ratio: float) -> float:
    """Nadeau-Bengio corrected resampled t-test p-value of paired fold differences."""
    diff = diff[np.isfinite(diff)]
    n = len(diff)
    if n < 2:
        return 1.0
    variance = np.var(diff, ddof=1)
    if variance == 0:
        return 1.0 if diff.mean() == 0 else 0.0
    t = diff.mean() / np.sqrt((1 / n + test_train_ratio) * variance)
    return float(2 * stats.t.sf(abs(t), df=n - 1))


def holm(p_values: pd.Series) -> pd.Series:
    """Holm-Bonferroni adjusted p-values (same order as given)."""
    order = np.argsort(p_values.to_numpy())
    m = len(order)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values.iloc[index]))
        adjusted[index] = running
    return pd.Series(adjusted, index=p_values.index)


def mean_ranks(results: pd.DataFrame, metric: str = "g_mean") -> pd.Series:
    """Mean rank of each sampler across datasets (1 = best; ties share ranks)."""
    table = per_dataset(results, metric)
    return table.rank(axis=1, ascending=metric in LOWER_IS_BETTER).mean().sort_values()


def friedman(results: pd.DataFrame, metric: str = "g_mean") -> tuple[float, float]:
    """Friedman chi-square statistic and p-value over datasets (needs 3+ samplers)."""
    table = per_dataset(results, metric).dropna()
    if table.shape[1] < 3 or table.shape[0] < 2:
        return float("nan"), float("nan")
    result = stats.friedmanchisquare(*[table[c] for c in table.columns])
    return float(result.statistic), float(result.pvalue)


def verdict(tests: pd.DataFrame) -> list[str]:
    """Plain-words sentences: did each sampler beat each baseline?"""
    sentences = []
    for row in tests.itertuples():
        change = f"{row.metric} {row.baseline_mean:.3f} -> {row.mean:.3f} ({row.difference:+.3f}, " \
                 f"p={row.p_value:.3g}, better on {row.wins} of {row.wins + row.losses + row.ties} " \
                 f"{'datasets' if 'datasets' in row.test else 'folds'})"
        better = -row.difference if row.metric in LOWER_IS_BETTER else row.difference
        if row.significant and better > 0:
            word = "helped: better than" if row.baseline == "none" else "beat"
        elif row.significant and better < 0:
            word = "hurt: worse than" if row.baseline == "none" else "lost to"
        else:
            word = "made no significant difference against"
        sentences.append(f"{row.sampler} {word} {row.baseline}: {change}.")
    return sentences


def _ratio(results: pd.DataFrame, given: float | None) -> float:
    if given is not None:
        return given
    return float(results.attrs.get("test_train_ratio", 0.25))


HEADLINE_METRICS = ("balanced_accuracy", "g_mean", "f1_macro", "minority_f1", "minority_recall",
                    "roc_auc", "pr_auc", "brier")
# what a verdict also tests besides its main metric: the minority's F1, the ranking, the calibration
SECOND_METRICS = ("minority_f1", "pr_auc", "brier")


def class_recall_table(results: pd.DataFrame) -> pd.DataFrame | None:
    """Mean recall of each class (columns) per sampler (rows), or None when results have none."""
    kept = results[results["metric"].str.startswith("class_recall[")]
    if kept.empty:
        return None
    table = kept.groupby(["sampler", "metric"])["value"].mean().unstack("metric")
    table.columns = [c[len("class_recall["):-1] for c in table.columns]
    return table.reindex(list(dict.fromkeys(results["sampler"])))
