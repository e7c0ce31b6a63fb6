"""Evaluation reports: ``results.csv``, ``summary.md``, a self-contained ``report.html`` and PNG plots.

Plots use matplotlib's object API (``Figure``), so no global backend is set
and nothing opens a window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import ganaug.evaluation.stats as stats
from ganaug.data import check_target, is_categorical, read_input
from ganaug.data.validation import as_table
from ganaug.errors import GanaugWarning, UsageError, warn
from ganaug.evaluation.html import html_report
from ganaug.evaluation.quality import real_and_synthetic_grid
from ganaug.fileformat import atomic_folder, check_output_folder
from ganaug.sampler import GANOverSampler

HEADLINE_METRICS = ("balanced_accuracy", "g_mean", "f1_macro", "minority_f1", "minority_recall",
                    "roc_auc", "pr_auc")


def report(results: pd.DataFrame, out_dir: str | Path, metric: str | None = None,
           X: Any = None, y: Any = None, samplers: Mapping[str, Any] | Iterable[str] | None = None,
           force: bool = False, marginal_columns: Iterable[Any] | None = None) -> Path:
    """Write an evaluation report to a new folder.

    Parameters
    ----------
    results : DataFrame from :func:`ganaug.evaluate` or :func:`ganaug.evaluate_datasets`.
    out_dir : folder to create; an existing non-empty one needs ``force=True``
        (only the report's own files are then replaced).
    metric : str, optional
        The metric the verdict and tests are about; default G-mean for two
        classes, balanced accuracy for more (:func:`ganaug.evaluation.stats.default_metric`).
    X, y, samplers : optional
        The data and the samplers that were evaluated (``{name: sampler}``,
        or names as :func:`ganaug.evaluate` takes them). When given, each GAN
        sampler is fitted once more on all rows to plot its training losses,
        and real vs synthetic marginals (tables) or images (diagnostics only:
        the scores come from the cross-validation alone).
    force : bool, default=False
        Replace the report files in a used folder.
    marginal_columns : list of column names, optional
        The columns whose marginals are plotted; default every column.

    Returns
    -------
    Path of the folder, holding ``summary.md`` and ``report.html`` (the same
    report, with its plots embedded: one file to send), ``results.csv``,
    ``metrics.png``, ``class_recall.png`` and, with X/y/samplers,
    ``losses.png`` and ``marginals_<name>.png`` (tables) or
    ``samples_<name>.png`` (images: real beside synthetic, per class).

    Warns
    -----
    GanaugWarning
        When the design (folds, repeats, datasets) cannot reach significance:
        the smallest achievable p-value is above 0.05.
    """
    metric = metric or stats.default_metric(results)
    folder = check_report_folder(out_dir, force)
    design = design_warning(results)
    if design:
        warn(design, GanaugWarning)
    summary = summary_markdown(results, metric)
    figures = {"metrics.png": plot_metrics(results), "class_recall.png": plot_class_recall(results)}
    gans = _gan_samplers(samplers)
    if X is not None and y is not None and gans:
        fitted = fit_for_diagnostics(X, y, gans)
        figures["losses.png"] = plot_losses(fitted)
        if read_input(X).kind == "image":  # images: real beside synthetic, per class and GAN
            real, labels = read_input(X).data, check_target(y, len(read_input(X).data))
            for name, (model, X_res, y_res) in fitted.items():
                synthetic = model.sample_is_synthetic_
                figures[f"samples_{_file_part(name)}.png"] = real_and_synthetic_grid(
                    real, labels, X_res[synthetic], np.asarray(y_res)[synthetic], title=name)
        else:
            for name, entry in fitted.items():
                figures[f"marginals_{_file_part(name)}.png"] = plot_marginals(X, y, {name: entry},
                                                                              marginal_columns)
    folder.parent.mkdir(parents=True, exist_ok=True)
    # the whole report or nothing: written in a hidden folder beside it, renamed into place when complete
    with atomic_folder(folder, replace=True, kind="report") as staging:
        results.to_csv(staging / "results.csv", index=False)
        (staging / "summary.md").write_text(summary)
        for file_name, figure in figures.items():
            figure.savefig(staging / file_name, dpi=110)
        (staging / "report.html").write_text(html_report(summary, {n: staging / n for n in figures}))
    return folder


def design_warning(results: pd.DataFrame) -> str | None:
    """A sentence when no difference can be significant on this design, else None."""
    smallest = stats.smallest_p(results)
    if smallest <= stats.ALPHA:
        return None
    several = stats.n_datasets(results) > 1
    unit = f"{stats.n_datasets(results)} datasets" if several else f"{results['fold'].nunique()} CV folds"
    fix = "more datasets" if several else "more folds or repeats (5 folds x 2 repeats reach p < 0.05)"
    return (f"with {unit}, the smallest p-value the paired tests can give is {smallest:.3g} > "
            f"{stats.ALPHA}: no difference can be called significant, however large. Use {fix}.")


def _gan_samplers(samplers: Mapping[str, Any] | Iterable[str] | None) -> dict[str, GANOverSampler]:
    """The GAN samplers among ``samplers`` (objects, or names as ``evaluate`` takes them)."""
    if samplers is None:
        return {}
    if not isinstance(samplers, Mapping):
        from ganaug.evaluation.crossval import make_sampler

        samplers = {name: make_sampler(name) for name in samplers}
    return {name: s for name, s in samplers.items() if isinstance(s, GANOverSampler)}


def _file_part(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(name))


REPORT_FILES = ("results.csv", "summary.md", "report.html")


def check_report_folder(folder: str | Path, force: bool, inputs: Iterable[str | Path] = ()) -> Path:
    """The report folder (absolute), after refusing what would overwrite something of the user's.

    A file, the working folder, or a folder that holds one of ``inputs`` is
    refused; a non-empty folder needs ``force``, and even then is replaced
    only when it holds nothing but an earlier ganaug report
    (:func:`ganaug.fileformat.check_output_folder`).
    """
    return check_output_folder(folder, list(inputs), force, "report folder", legacy=_is_old_report,
                               create_parents=True)


def _is_old_report(folder: Path) -> bool:
    """A report folder of ganaug 0.1 (no manifest): the three report files, and PNG plots beside them."""
    names = [p.name for p in folder.iterdir()]
    return all((folder / n).is_file() for n in REPORT_FILES) and all(
        n in REPORT_FILES or (n.endswith(".png") and (folder / n).is_file()) for n in names)


# ---- summary.md --------------------------------------------------------------
def summary_markdown(results: pd.DataFrame, metric: str | None = None) -> str:
    """The report a person reads first: verdict, scores with 95% intervals, tests."""
    metric = metric or stats.default_metric(results)
    several = stats.n_datasets(results) > 1
    tests = stats.compare(results, metric)
    lines = ["# ganaug evaluation", "", _setup_sentence(results), "", f"## Verdict (on {metric})", ""]
    design = design_warning(results)
    if design:
        lines += [f"> **Warning**: {design[0].upper()}{design[1:]}", ""]
    lines += [f"- {s}" for s in stats.verdict(tests)] or ["- (no baseline among the samplers)"]
    if several:
        lines += ["", f"## Mean rank on {metric} (1 = best)", "",
                  markdown_table(stats.mean_ranks(results, metric).rename("mean rank").to_frame()),
                  "", _friedman_sentence(results, metric), "",
                  f"## {metric} per dataset", "", markdown_table(stats.per_dataset(results, metric))]
    else:
        lines += ["", "## Scores", "", f"Mean and {stats.interval_description(results)}.", "",
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
    # row by row through itertuples, which keeps each column's dtype (counts stay integers)
    rows = [[cell(i), *map(cell, row)] for i, row in zip(frame.index, frame.itertuples(index=False))]
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
    ax.set_ylabel("score: mean and 95% interval")
    ax.set_xlabel(stats.interval_description(results), fontsize="small")
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
    real, synthetic = real.dropna(), synthetic.dropna()
    if categorical or is_categorical(real):
        counts = pd.DataFrame({"real": real.astype(str).value_counts(normalize=True),
                               "synthetic": synthetic.astype(str).value_counts(normalize=True)})
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
        ax.hist(numbers[0], bins=bins, density=True, alpha=0.55, label="real")
        ax.hist(numbers[1], bins=bins, density=True, alpha=0.55, label="synthetic")
        ax.set_ylabel("density")
        ax.set_xlabel(f"{column}{unit}")
    ax.legend(fontsize="x-small")
