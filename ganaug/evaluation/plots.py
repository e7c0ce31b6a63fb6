"""The report's figures: metric bars, recall per class, training losses, real vs synthetic marginals.

Each function returns a matplotlib ``Figure`` (no pyplot state), which
:func:`ganaug.report` saves and embeds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import ganaug.evaluation.stats as stats
from ganaug.data import check_target, is_categorical
from ganaug.data.validation import as_table
from ganaug.errors import UsageError


# ---- plots --------------------------------------------------------------------
def plot_metrics(results: pd.DataFrame) -> Figure:
    """Bars per metric and sampler with 95% intervals (over datasets when several)."""
    metrics = [m for m in stats.HEADLINE_METRICS if m in set(results["metric"])]
    if stats.n_datasets(results) > 1:  # one point per dataset, plain t-interval across them
        pooled = results.assign(fold=results["dataset"])
        ci = stats.confidence_intervals(pooled, metrics, test_train_ratio=0.0)
    else:
        ci = stats.confidence_intervals(results, metrics)
    samplers = list(dict.fromkeys(results["sampler"]))
    fig = Figure(figsize=(1.6 * len(metrics) + 2, 4.6), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(samplers)
    for i, sampler in enumerate(samplers):
        part = ci[ci["sampler"] == sampler].set_index("metric").reindex(metrics)
        x = np.arange(len(metrics)) + (i - (len(samplers) - 1) / 2) * width
        errors = np.abs(np.vstack([part["mean"] - part["low"], part["high"] - part["mean"]]))
        ax.bar(x, part["mean"], width, yerr=np.nan_to_num(errors), capsize=3, label=sampler)
    ax.set_xticks(np.arange(len(metrics)), [m.replace("_", "\n") for m in metrics])
    ax.set_ylabel("score: mean and 95% interval")
    ax.set_xlabel(stats.interval_description(results), fontsize="small")
    ax.set_ylim(0, 1.05)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize="small",
               ncols=min(len(samplers), 6))
    ax.set_title("Downstream scores per sampler")
    return fig


def plot_class_recall(results: pd.DataFrame) -> Figure:
    """Recall of each class per sampler."""
    table = stats.class_recall_table(results)
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    if table is None:
        ax.text(0.5, 0.5, "no class_recall metric in the results", ha="center")
        return fig
    table.T.plot.bar(ax=ax, rot=0)
    ax.set_xlabel("class")
    ax.set_ylabel("recall (mean over folds and classifiers)")
    ax.set_ylim(0, 1.05)
    ax.set_title("Recall per class")
    return fig


def plot_losses(fitted: Mapping[str, tuple]) -> Figure:
    """Training losses per epoch of each GAN (first generator when per-class)."""
    fig = Figure(figsize=(5 * len(fitted), 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(fitted)))
    for ax, (name, (model, _, _)) in zip(axes, fitted.items()):
        backend = next(iter(model.backends_.values()))
        history = pd.DataFrame(backend.history_)
        for column in history.columns:
            ax.plot(history.index + 1, history[column], label=column)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_title(f"{name}: training losses")
        ax.legend(fontsize="small")
    return fig


def plot_marginals(X: Any, y: Any, fitted: Mapping[str, tuple], columns: Iterable[Any] | None = None
                   ) -> Figure:
    """Real vs synthetic distribution of every column (or ``columns``), per grown class and GAN.

    One row per column, one panel per (GAN, class): the class's real rows
    against the synthetic rows made for it; histograms for numbers (density),
    bars for categories (share of rows).
    """
    frame, _ = as_table(X)
    y_arr = check_target(y, len(frame))
    columns = list(frame.columns) if columns is None else list(columns)
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise UsageError(f"marginal_columns names columns the data does not have: {unknown}.")
    panels = [(name, model, X_res, y_res, label) for name, (model, X_res, y_res) in fitted.items()
              for label, n in model.sampling_strategy_.items() if n]
    fig = Figure(figsize=(3.6 * max(len(panels), 1), 2.7 * max(len(columns), 1)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(max(len(columns), 1), max(len(panels), 1), squeeze=False))
    for col, (name, model, X_res, y_res, label) in enumerate(panels):
        synthetic = model.sample_is_synthetic_
        made = as_table(X_res)[0][synthetic][np.asarray(y_res)[synthetic] == label]
        real = frame[y_arr == label]
        declared = set(getattr(model.codec_, "categorical_", ()))
        for row, column in enumerate(columns):
            ax = axes[row, col]
            _marginal(ax, real[column], made[column], column, column in declared)
            ax.set_title(f"{name}, class {label!s}: {column!s}", fontsize="small")
    return fig


def _marginal(ax: Any, real: pd.Series, synthetic: pd.Series, column: Any, categorical: bool = False) -> None:
    # the share of missing values is part of the distribution: shown in the legend, then left out
    missing = {"real": real.isna().mean(), "synthetic": synthetic.isna().mean()}
    real, synthetic = real.dropna(), synthetic.dropna()
    labels = {k: f"{k}, {share:.0%} missing" if missing["real"] or missing["synthetic"] else k
              for k, share in missing.items()}
    if categorical or is_categorical(real):
        counts = pd.DataFrame({labels["real"]: real.astype(str).value_counts(normalize=True),
                               labels["synthetic"]: synthetic.astype(str).value_counts(normalize=True)})
        counts.fillna(0).sort_index().plot.bar(ax=ax, rot=0, legend=False)
        ax.set_ylabel("share of rows")
        ax.set_xlabel(str(column))
    else:
        unit = ""
        if pd.api.types.is_datetime64_any_dtype(real):  # dates on a date axis (matplotlib's day numbers)
            from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num

            numbers = [date2num(s.dt.tz_localize(None) if s.dt.tz is not None else s)
                       for s in (real, synthetic)]
            locator = AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        elif pd.api.types.is_timedelta64_dtype(real):
            numbers, unit = [s.dt.total_seconds() for s in (real, synthetic)], " (seconds)"
        else:
            numbers = [s.astype(float) for s in (real, synthetic)]
        values = np.concatenate([np.asarray(n, dtype=float) for n in numbers])
        bins = np.histogram_bin_edges(values, bins=20) if len(values) else 10
        ax.hist(numbers[0], bins=bins, density=True, alpha=0.55, label=labels["real"])
        ax.hist(numbers[1], bins=bins, density=True, alpha=0.55, label=labels["synthetic"])
        ax.set_ylabel("density")
        ax.set_xlabel(f"{column}{unit}")
    ax.legend(fontsize="x-small")
