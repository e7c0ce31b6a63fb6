"""Evaluation reports: ``results.csv``, ``summary.md`` and PNG plots, written to a new folder.

Plots use matplotlib's object API (``Figure``), so no global backend is set
and nothing opens a window.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ganaug.data import check_target, is_categorical, read_input
from ganaug.data.validation import as_table
from ganaug.errors import UsageError
from ganaug.evaluation import stats
from ganaug.evaluation.quality import sample_grid
from ganaug.sampler import GANOverSampler

HEADLINE_METRICS = ("balanced_accuracy", "g_mean", "f1_macro", "minority_f1", "minority_recall",
                    "roc_auc", "pr_auc")
MAX_MARGINALS = 4


def report(results: pd.DataFrame, out_dir: str | Path, metric: str = "g_mean",
           X: Any = None, y: Any = None, samplers: Mapping[str, Any] | None = None,
           force: bool = False) -> Path:
    """Write an evaluation report to a new folder.

    Parameters
    ----------
    results : DataFrame from :func:`ganaug.evaluate` or :func:`ganaug.evaluate_datasets`.
    out_dir : folder to create; an existing non-empty one needs ``force=True``
        (only the report's own files are then replaced).
    metric : the metric the verdict and tests are about.
    X, y, samplers : optional
        The data and ``{name: sampler}`` that were evaluated. When given, each
        GANOverSampler is fitted once more on all rows to plot its training
        losses and real vs synthetic marginals (diagnostics only: the scores
        come from the cross-validation alone).

    Returns
    -------
    Path of the folder, holding ``results.csv``, ``summary.md``,
    ``metrics.png``, ``class_recall.png`` and, with X/y/samplers,
    ``losses.png`` and ``marginals.png`` (tables) or ``samples_<name>.png``
    grids (images).
    """
    folder = _prepare(Path(out_dir), force)
    results.to_csv(folder / "results.csv", index=False)
    (folder / "summary.md").write_text(summary_markdown(results, metric))
    plot_metrics(results).savefig(folder / "metrics.png", dpi=110)
    plot_class_recall(results).savefig(folder / "class_recall.png", dpi=110)
    gans = {name: s for name, s in (samplers or {}).items() if isinstance(s, GANOverSampler)}
    if X is not None and y is not None and gans:
        fitted = fit_for_diagnostics(X, y, gans)
        plot_losses(fitted).savefig(folder / "losses.png", dpi=110)
        if read_input(X).kind == "image":  # images: a grid of synthetic samples per class and GAN
            for name, (model, X_res, y_res) in fitted.items():
                synthetic = model.sample_is_synthetic_
                grid = sample_grid(X_res[synthetic], np.asarray(y_res)[synthetic], title=f"{name}: synthetic")
                grid.savefig(folder / f"samples_{name}.png", dpi=110)
        else:
            plot_marginals(X, y, fitted).savefig(folder / "marginals.png", dpi=110)
    return folder


def check_report_folder(folder: str | Path, force: bool) -> None:
    """Refuse a file, or a non-empty folder unless ``force`` (which replaces report files only)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"report path {str(folder)!r} is a file; give a folder name.")
    if folder.exists() and any(folder.iterdir()) and not force:
        raise UsageError(f"report folder {str(folder)!r} is not empty; choose a new folder or pass "
                         "--force (force=True) to replace the report files in it.")


def _prepare(folder: Path, force: bool) -> Path:
    check_report_folder(folder, force)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---- summary.md --------------------------------------------------------------
def summary_markdown(results: pd.DataFrame, metric: str = "g_mean") -> str:
    """The report a person reads first: verdict, scores with 95% intervals, tests."""
    several = stats.n_datasets(results) > 1
    tests = stats.compare(results, metric)
    lines = ["# ganaug evaluation", "", _setup_sentence(results), "", "## Verdict", ""]
    lines += [f"- {s}" for s in stats.verdict(tests)] or ["- (no baseline among the samplers)"]
    if several:
        lines += ["", f"## Mean rank on {metric} (1 = best)", "",
                  markdown_table(stats.mean_ranks(results, metric).rename("mean rank").to_frame()),
                  "", _friedman_sentence(results, metric), "",
                  f"## {metric} per dataset", "", markdown_table(stats.per_dataset(results, metric))]
    else:
        lines += ["", "## Scores (mean and 95% interval over folds, averaged over classifiers)", "",
                  markdown_table(_interval_table(results))]
    recall = _class_recall_table(results)
    if recall is not None:
        lines += ["", "## Recall per class", "", markdown_table(recall)]
    lines += ["", f"## Paired tests on {metric}", "", markdown_table(tests.set_index("sampler"))
              if len(tests) else "(none)", "", "## Sampler fit time (seconds per fold)", "",
              markdown_table(_fit_seconds(results)), ""]
    return "\n".join(lines)


def _setup_sentence(results: pd.DataFrame) -> str:
    classifiers = sorted(set(results["classifier"]) - {"-"})
    folds = results["fold"].nunique()
    where = f"{stats.n_datasets(results)} datasets" if "dataset" in results.columns else "one dataset"
    return (f"Samplers {', '.join(dict.fromkeys(results['sampler']))} on {where}, {folds} CV folds, "
            f"classifiers {', '.join(classifiers)}. Resampling touched training folds only.")


def _friedman_sentence(results: pd.DataFrame, metric: str) -> str:
    statistic, p_value = stats.friedman(results, metric)
    if np.isnan(p_value):
        return "Friedman test: needs 3+ samplers and 2+ datasets."
    differ = "differ" if p_value < stats.ALPHA else "do not differ significantly"
    return f"Friedman test: chi2 = {statistic:.2f}, p = {p_value:.3g}; the samplers {differ}."


def _interval_table(results: pd.DataFrame) -> pd.DataFrame:
    metrics = [m for m in HEADLINE_METRICS if m in set(results["metric"])]
    ci = stats.confidence_intervals(results, metrics)
    ci["cell"] = [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in zip(ci["mean"], ci["low"], ci["high"])]
    table = ci.pivot(index="sampler", columns="metric", values="cell")
    return table.reindex(list(dict.fromkeys(results["sampler"])))[metrics]


def _class_recall_table(results: pd.DataFrame) -> pd.DataFrame | None:
    kept = results[results["metric"].str.startswith("class_recall[")]
    if kept.empty:
        return None
    table = kept.groupby(["sampler", "metric"])["value"].mean().unstack("metric")
    table.columns = [c[len("class_recall["):-1] for c in table.columns]
    return table.reindex(list(dict.fromkeys(results["sampler"])))


def _fit_seconds(results: pd.DataFrame) -> pd.DataFrame:
    kept = results[results["metric"] == "fit_seconds"]
    table = kept.groupby("sampler")["value"].agg(["median", "max"])
    return table.reindex(list(dict.fromkeys(results["sampler"])))


def markdown_table(frame: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub markdown table (index as the first column); floats rounded."""
    def cell(value: Any) -> str:
        if isinstance(value, float | np.floating):
            return "" if np.isnan(value) else f"{value:.{digits}g}" if abs(value) < 1e-3 else \
                f"{value:.{digits}f}"
        return str(value)

    header = [str(frame.index.name or ""), *map(str, frame.columns)]
    rows = [[cell(i), *map(cell, row)] for i, row in zip(frame.index, frame.to_numpy())]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


# ---- plots --------------------------------------------------------------------
def plot_metrics(results: pd.DataFrame) -> Figure:
    """Bars per metric and sampler with 95% intervals (over datasets when several)."""
    metrics = [m for m in HEADLINE_METRICS if m in set(results["metric"])]
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
    ax.set_ylabel("score (mean, 95% interval)")
    ax.set_ylim(0, 1.05)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize="small",
               ncols=min(len(samplers), 6))
    ax.set_title("Downstream scores per sampler")
    return fig


def plot_class_recall(results: pd.DataFrame) -> Figure:
    """Recall of each class per sampler."""
    table = _class_recall_table(results)
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


def fit_for_diagnostics(X: Any, y: Any, samplers: Mapping[str, GANOverSampler]) -> dict[str, tuple]:
    """Fit each GAN sampler once on all rows: ``{name: (sampler, X_res, y_res)}``."""
    from sklearn.base import clone

    fitted = {}
    for name, sampler in samplers.items():
        model = clone(sampler)
        X_res, y_res = model.fit_resample(X, y)
        fitted[name] = (model, X_res, y_res)
    return fitted


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


def plot_marginals(X: Any, y: Any, fitted: Mapping[str, tuple]) -> Figure:
    """Real vs synthetic distributions of a few columns, for the rows of the grown classes."""
    frame, _ = as_table(X)
    y_arr = check_target(y, len(frame))
    columns = list(frame.columns[:MAX_MARGINALS])
    fig = Figure(figsize=(3.4 * len(columns), 3.0 * len(fitted)), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(fitted), len(columns), squeeze=False))
    for row, (name, (model, X_res, _)) in enumerate(fitted.items()):
        grown = [c for c, n in model.sampling_strategy_.items() if n]
        real = frame[np.isin(y_arr, grown)]
        synthetic = as_table(X_res)[0][model.sample_is_synthetic_]
        for ax, column in zip(axes[row], columns):
            _marginal(ax, real.iloc[:, columns.index(column)], synthetic.iloc[:, columns.index(column)])
            ax.set_title(f"{name}: {column}", fontsize="small")
    return fig


def _marginal(ax: Any, real: pd.Series, synthetic: pd.Series) -> None:
    if is_categorical(real):
        counts = pd.DataFrame({"real": real.astype(str).value_counts(normalize=True),
                               "synthetic": synthetic.astype(str).value_counts(normalize=True)})
        counts.fillna(0).plot.bar(ax=ax, rot=0, legend=False)
    else:
        values = pd.concat([real, synthetic]).astype(float)
        bins = np.histogram_bin_edges(values, bins=20)
        ax.hist(real.astype(float), bins=bins, density=True, alpha=0.55, label="real")
        ax.hist(synthetic.astype(float), bins=bins, density=True, alpha=0.55, label="synthetic")
    ax.legend(fontsize="x-small")
