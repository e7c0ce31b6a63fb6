"""A recommendation a user can act on: per classifier, which entry to use, and what a GAN adds or costs.

The verdict of a report tests every sampler against the baselines on one
metric; a practitioner asks something else: *with my classifier, should I
resample at all, weigh the classes, or tune the threshold?* :func:`recommend`
answers per classifier, on the main metric, with the minority F1 and the
Brier score beside it, and says so plainly when the answer is not a GAN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import ganaug.evaluation.stats as stats
from ganaug.evaluation.remedies import SUFFIXES
from ganaug.registry import list_backends


def is_gan_entry(name: str) -> bool:
    """Whether an entry of ``evaluate`` is a ganaug backend (alone, or with a threshold or prior)."""
    for suffix in SUFFIXES:
        name = name.removesuffix(suffix)
    return name in list_backends()


def recommend(results: pd.DataFrame, metric: str | None = None) -> list[str]:
    """One sentence per classifier: the entry to use on this data, and the GAN's difference to it.

    The best entry on ``metric`` (mean over folds or datasets) is recommended
    when it is significantly better than ``none`` (paired test, as in
    :func:`~ganaug.evaluation.stats.compare`); otherwise ``none``: no remedy
    is worth its cost. The best GAN entry is then set against the
    recommendation on ``metric``, minority F1 and Brier score.
    """
    metric = metric or stats.default_metric(results)
    sentences = []
    for classifier in [c for c in dict.fromkeys(results["classifier"]) if c != "-"]:
        mine = results[results["classifier"] == classifier]
        means = _means(mine, metric)
        if means.empty:
            continue
        best = means.idxmax()
        choice, why = best, ""
        if "none" in means.index and best != "none":
            test = stats.compare(mine, metric, baselines=("none",))
            row = test[test["sampler"] == best].iloc[0]
            if not row["significant"]:
                choice = "none"
                why = (f" ({best} is best, {metric} {row['difference']:+.3f}, but not significantly: "
                       f"p={row['p_value']:.2g})")
        sentence = f"{classifier}: use {choice}{why}; {_figures(mine, choice, metric)}."
        gans = [s for s in means.index if is_gan_entry(s) and s != choice]
        if gans and not is_gan_entry(choice):
            gan = means[gans].idxmax()
            sentence += f" The best GAN entry, {gan}, {_difference(mine, gan, choice, metric)}."
        sentences.append(sentence)
    return sentences


def _means(results: pd.DataFrame, metric: str) -> pd.Series:
    table = stats.per_dataset(results, metric) if stats.n_datasets(results) > 1 else \
        stats.per_fold(results, metric)
    return table.mean().dropna()


def _figures(results: pd.DataFrame, entry: str, metric: str) -> str:
    parts = []
    for name in dict.fromkeys([metric, "minority_f1", "brier"]):
        means = _means(results, name)
        if entry in means.index:
            parts.append(f"{name} {means[entry]:.3f}")
    return ", ".join(parts)


def _difference(results: pd.DataFrame, entry: str, other: str, metric: str) -> str:
    """``entry`` against ``other`` on the main metric (with its paired test), minority F1 and Brier."""
    parts = []
    for name in dict.fromkeys([metric, "minority_f1", "brier"]):
        test = stats.compare(results[results["sampler"].isin([entry, other])], name, baselines=(other,))
        if test.empty or np.isnan(test["difference"].iloc[0]):
            continue
        row = test.iloc[0]
        significance = "significant" if row["significant"] else "not significant"
        parts.append(f"{name} {row['difference']:+.3f} ({significance}, p={row['p_value']:.2g})")
    return "against it: " + ", ".join(parts) if parts else "has no paired scores against it"
